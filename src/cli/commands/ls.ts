import { formatAge, formatBytes, resolveContainer } from '../../core/index.js';
import { columns, EXIT, type CliContext, type ExitCode } from '../context.js';

/** Without a container: every container and its checkpoint names. With one: its checkpoints, size and age. */
export async function lsCommand(ctx: CliContext, opts: { container?: string }): Promise<ExitCode> {
  if (opts.container) {
    const c = await resolveContainer(ctx.host, opts.container);
    const cps = await ctx.host.listCheckpoints(c.id);
    if (!cps.length) {
      ctx.err(`${c.name} has no checkpoints.`);
      return EXIT.ok;
    }
    ctx.out(columns([['CHECKPOINT', 'SIZE', 'CREATED'], ...cps.map((cp) => [cp.name, cp.sizeBytes !== undefined ? formatBytes(cp.sizeBytes) : '?', cp.createdAt ? formatAge(cp.createdAt) : '?'])]));
    return EXIT.ok;
  }
  const list = await ctx.host.listContainers();
  const names = await Promise.all(list.map((c) => ctx.host.checkpointNames(c.id).catch(() => [] as string[])));
  ctx.out(columns([['CONTAINER', 'STATE', 'IMAGE', 'CHECKPOINTS'], ...list.map((c, i) => [c.name, c.state, c.image, names[i]!.join(', ') || '-'])]));
  return EXIT.ok;
}
