import { restoreContainer, restoreWithFallback, ResultsStore, type RestoreRecord } from '../../core/index.js';
import { EXIT, seconds, type CliContext, type ExitCode } from '../context.js';

export async function restoreCommand(ctx: CliContext, opts: { container: string; checkpoint?: string; fallback: boolean; out?: string }): Promise<ExitCode> {
  const store = opts.out ? new ResultsStore(opts.out) : undefined;
  let record: RestoreRecord;
  if (opts.fallback) {
    const r = await restoreWithFallback(ctx.host, opts.container, { signal: ctx.signal, ...(opts.checkpoint ? { from: opts.checkpoint } : {}), onAttempt: (name) => ctx.err(`trying ${name}…`) }, store);
    for (const f of r.failed) ctx.err(`${f.checkpoint} could not be restored: ${f.error.split('\n')[0]}`);
    record = r.record;
  } else {
    if (!opts.checkpoint) throw new Error('restore: no checkpoint named');
    record = await restoreContainer(ctx.host, opts.container, opts.checkpoint, { signal: ctx.signal }, store);
  }
  ctx.out(`Restored ${record.container} from ${record.checkpointName} in ${seconds(record.wallMs)}`);
  if (record.recreated) ctx.out(`Recreated (Docker here cannot restore it in place): ${record.recreated.changes.join('; ')}`);
  return EXIT.ok;
}
