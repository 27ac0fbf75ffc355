import { restoreContainer, ResultsStore } from '../../core/index.js';
import { EXIT, seconds, type CliContext, type ExitCode } from '../context.js';

export async function restoreCommand(ctx: CliContext, opts: { container: string; checkpoint: string; out?: string }): Promise<ExitCode> {
  const store = opts.out ? new ResultsStore(opts.out) : undefined;
  const record = await restoreContainer(ctx.host, opts.container, opts.checkpoint, { signal: ctx.signal }, store);
  ctx.out(`Restored ${record.container} from ${record.checkpointName} in ${seconds(record.wallMs)}`);
  return EXIT.ok;
}
