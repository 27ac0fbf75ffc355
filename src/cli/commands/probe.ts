import { describeReport } from '../../core/index.js';
import { EXIT, type CliContext, type ExitCode } from '../context.js';

/**
 * Prints the capability report; fails (exit 1) when no checkpoint engine works on the host.
 * Waits for the restore behaviour test (once per daemon, then cached on the host) so the
 * answer printed is the tested one.
 */
export async function probeCommand(ctx: CliContext, opts: { json: boolean }): Promise<ExitCode> {
  await ctx.host.restoreInPlace(ctx.signal);
  const report = await ctx.host.capabilities(ctx.signal);
  ctx.out(opts.json ? JSON.stringify(report, null, 2) : `Host ${ctx.host.name} (${ctx.host.endpoint})\n${describeReport(report)}`);
  if (report.blocker && !opts.json) ctx.err(`Blocker: ${report.blocker.message}`);
  return report.engines.runc.ok || report.engines.docker.ok ? EXIT.ok : EXIT.failed;
}
