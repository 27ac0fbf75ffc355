import { checkpointContainer, defaultCheckpointName, describeCriuOptions, formatBytes, ResultsStore, type CriuOptions } from '../../core/index.js';
import type { EngineChoice } from '../args.js';
import { EXIT, seconds, type CliContext, type ExitCode } from '../context.js';

export async function checkpointCommand(ctx: CliContext, opts: { container: string; name?: string; leaveRunning: boolean; engine: EngineChoice; criu?: CriuOptions; maxFrozenMs?: number; out?: string }): Promise<ExitCode> {
  const store = opts.out ? new ResultsStore(opts.out) : undefined;
  const record = await checkpointContainer(
    ctx.host,
    opts.container,
    { name: opts.name ?? defaultCheckpointName(), leaveRunning: opts.leaveRunning, engine: opts.engine, ...(opts.criu ? { criu: opts.criu } : {}), ...(opts.maxFrozenMs ? { maxFrozenMs: opts.maxFrozenMs } : {}), signal: ctx.signal, onPhase: (p) => ctx.err(`${p}…`) },
    store,
  );
  const parts = [`${record.engine} engine`, seconds(record.wallMs)];
  if (record.imageBytes !== undefined) parts.push(formatBytes(record.imageBytes));
  if (record.criu) parts.push(`CRIU frozen ${seconds(record.criu.frozenTimeUs / 1000)}`);
  if (record.options.criu) parts.push(`CRIU options ${describeCriuOptions(record.options.criu)}`);
  ctx.out(`Checkpoint ${record.checkpointName} of ${record.container}${opts.leaveRunning ? ' (left running)' : ''}: ${parts.join(', ')}`);
  return EXIT.ok;
}
