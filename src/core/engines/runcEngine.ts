import { runChecked, type CommandRunner } from '../exec/runner.js';
import { abortError } from '../exec/localRunner.js';
import { parseStatsImage, type CriuDumpStats } from '../stats/criuStats.js';
import { readCriuErrors } from './criuLog.js';
import { CheckpointFailedError, dockerCheckpointDir, type CheckpointEngine, type EngineCheckpointRequest, type EngineContext } from './engine.js';

/**
 * `runc checkpoint` against Docker's own runc state, straight into Docker's checkpoints
 * folder: ~8x faster than Docker's API here (no content-store copies), keeps CRIU's log
 * and stats-dump in a work path, and stays restorable by `docker start --checkpoint`.
 */
export const runcEngine: CheckpointEngine = {
  id: 'runc',
  async checkpoint(ctx: EngineContext, req: EngineCheckpointRequest) {
    const root = await findRuncRoot(ctx.runner, req.containerId);
    const dir = dockerCheckpointDir(ctx, req.containerId, req.name);
    const work = `${ctx.cryoStateDir}/work/${req.containerId.slice(0, 12)}-${req.name}-${Date.now()}`;
    await runChecked(ctx.runner, ['mkdir', '-p', '--', dir, work], { privileged: true });
    if (req.signal?.aborted) {
      await ctx.runner.run(['rm', '-rf', '--', dir], { privileged: true });
      throw abortError();
    }
    const argv = ['runc', '--root', root, 'checkpoint', '--image-path', dir, '--work-path', work];
    if (req.leaveRunning) argv.push('--leave-running');
    argv.push(req.containerId);
    const r = await ctx.runner.run(argv, { privileged: true });
    const logPath = `${work}/dump.log`;
    if (r.exitCode !== 0) {
      // Nothing half-written may look like a usable checkpoint.
      await ctx.runner.run(['rm', '-rf', '--', dir], { privileged: true });
      const why = await readCriuErrors(ctx.runner, logPath);
      throw new CheckpointFailedError(`runc checkpoint failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`, why, logPath);
    }
    const criu = await readDumpStats(ctx.runner, `${work}/stats-dump`);
    return criu ? { dir, criu, logPath } : { dir, logPath };
  },
};

/**
 * Docker's runc state root depends on the daemon's exec root (/run/docker/runtime-runc/moby
 * for the default daemon). Look for the container's state folder instead of guessing.
 */
export async function findRuncRoot(runner: CommandRunner, containerId: string): Promise<string> {
  const r = await runner.run(['find', '/run', '-mindepth', '4', '-maxdepth', '4', '-type', 'd', '-path', `*/runtime-runc/*/${containerId}`], {
    privileged: true,
    timeoutMs: 10_000,
  });
  const hit = r.stdout.split('\n').find((l) => l.trim());
  if (!hit) throw new CheckpointFailedError('runc has no state for this container (is it running, and does Docker use runc?)');
  return hit.trim().slice(0, -(containerId.length + 1));
}

async function readDumpStats(runner: CommandRunner, path: string): Promise<CriuDumpStats | undefined> {
  const r = await runner.runBinary(['cat', '--', path], { privileged: true, timeoutMs: 10_000 });
  if (r.exitCode !== 0) return undefined;
  try {
    return parseStatsImage(r.stdout).dump;
  } catch {
    return undefined; // Stats are a bonus: an unreadable file must not fail a good checkpoint.
  }
}
