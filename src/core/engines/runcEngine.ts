import { runcCheckpointFlags } from '../criu/options.js';
import { LONG_COMMAND_MS, runChecked, type CommandRunner } from '../exec/runner.js';
import { abortError } from '../exec/localRunner.js';
import { parseStatsImage, type CriuDumpStats } from '../stats/criuStats.js';
import { readCriuExplanation } from './criuLog.js';
import { CheckpointFailedError, dockerCheckpointDir, guarded, type CheckpointEngine, type EngineCheckpointRequest, type EngineContext, type PreDumpRound } from './engine.js';
import { shouldStopPreDump } from './preDump.js';

/**
 * `runc checkpoint` against Docker's own runc state, straight into Docker's checkpoints
 * folder: ~8x faster than Docker's API here (no content-store copies), keeps CRIU's log
 * and stats-dump in a work path, and stays restorable by `docker start --checkpoint`.
 *
 * Pre-dump rounds are nested inside the final folder (pd1, pd2...) with relative parent
 * links: containerd copies the folder before CRIU reads it, so a parent anywhere else
 * would be lost on restore.
 */
export const runcEngine: CheckpointEngine = {
  id: 'runc',
  async checkpoint(ctx: EngineContext, req: EngineCheckpointRequest) {
    const dir = dockerCheckpointDir(ctx, req.containerId, req.name);
    const work = `${ctx.cryoStateDir}/work/${req.containerId.slice(0, 12)}-${req.name}-${Date.now()}`;
    // runc makes the image folder but not the work folder's parents (on a fresh host the
    // work root is missing: "mkdir …: no such file or directory"); pre-dump rounds also need
    // the image folder first. Made while runc's root is looked up, so it costs no wall time.
    const [root] = await Promise.all([
      findRuncRoot(ctx.runner, req.containerId),
      runChecked(ctx.runner, ['mkdir', '-p', '--', work, ...(req.preDump ? [dir] : [])], { privileged: true }),
    ]);
    const fail = async (what: string, stderr: string, logPath: string): Promise<never> => {
      // Nothing half-written may look like a usable checkpoint.
      await ctx.runner.run(['rm', '-rf', '--', dir], { privileged: true });
      const why = await readCriuExplanation(ctx.runner, logPath);
      throw new CheckpointFailedError(`${what}: ${stderr.trim().split('\n').pop() ?? ''}`, why?.reason, logPath, why?.diagnosis);
    };
    if (req.signal?.aborted) {
      await ctx.runner.run(['rm', '-rf', '--', dir], { privileged: true });
      throw abortError();
    }

    const rounds: PreDumpRound[] = [];
    let stopWhy: string | undefined;
    if (req.preDump) {
      for (;;) {
        const index = rounds.length + 1;
        const subdir = `pd${index}`;
        const roundWork = `${work}/${subdir}`;
        await runChecked(ctx.runner, ['mkdir', '-p', '--', `${dir}/${subdir}`, roundWork], { privileged: true });
        const argv = ['runc', '--root', root, 'checkpoint', '--pre-dump', '--image-path', `${dir}/${subdir}`, '--work-path', roundWork, ...runcCheckpointFlags(req.criu)];
        if (index > 1) argv.push('--parent-path', `../pd${index - 1}`);
        argv.push(req.containerId);
        const t = performance.now();
        const r = await guarded(req, () => ctx.runner.run(argv, { privileged: true, timeoutMs: LONG_COMMAND_MS }), (x) => x.exitCode !== 0);
        if (r.exitCode !== 0) await fail(`runc pre-dump round ${index} failed`, r.stderr || r.stdout, `${roundWork}/dump.log`);
        const criu = await readDumpStats(ctx.runner, `${roundWork}/stats-dump`);
        const round: PreDumpRound = { index, subdir, wallMs: performance.now() - t, ...(criu ? { criu } : {}) };
        rounds.push(round);
        try {
          await req.onPreDumpRound?.(round);
        } catch (e) {
          await ctx.runner.run(['rm', '-rf', '--', dir], { privileged: true });
          throw e;
        }
        // Without stats we cannot judge convergence: one round is all we can justify.
        const verdict = criu ? shouldStopPreDump(rounds.map((x) => x.criu!), req.preDump) : { stop: true, why: 'no CRIU stats to judge convergence' };
        if (verdict.stop || req.signal?.aborted) {
          stopWhy = req.signal?.aborted ? 'cancelled' : verdict.why;
          break;
        }
      }
    }

    const full = rounds.length > 0 && (await req.finishWith?.(rounds)) === 'full';
    req.onFinalDump?.();
    const argv = ['runc', '--root', root, 'checkpoint', '--image-path', dir, '--work-path', work, ...runcCheckpointFlags(req.criu)];
    if (rounds.length && !full) argv.push('--parent-path', rounds[rounds.length - 1]!.subdir);
    if (req.leaveRunning) argv.push('--leave-running');
    argv.push(req.containerId);
    const r = await guarded(req, () => ctx.runner.run(argv, { privileged: true, timeoutMs: LONG_COMMAND_MS }), (x) => x.exitCode !== 0);
    const logPath = `${work}/dump.log`;
    if (r.exitCode !== 0) await fail('runc checkpoint failed', r.stderr || r.stdout, logPath);
    // A full dump needs no round: left in the folder they would only lengthen every restore.
    if (full) await removePreDumpRounds(ctx.runner, dir);
    return {
      dir,
      logPath,
      statsPath: `${work}/stats-dump`,
      ...(rounds.length ? { preDumpRounds: rounds } : {}),
      ...(stopWhy ? { preDumpStop: stopWhy } : {}),
      ...(full ? { preDumpDropped: true } : {}),
    };
  },
};

/** Removes the pre-dump rounds (pd1, pd2…) nested in a checkpoint folder. */
export async function removePreDumpRounds(runner: CommandRunner, dir: string): Promise<void> {
  await runChecked(runner, ['find', dir, '-mindepth', '1', '-maxdepth', '1', '-name', 'pd[0-9]*', '-exec', 'rm', '-rf', '--', '{}', '+'], { privileged: true });
}

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

export async function readDumpStats(runner: CommandRunner, path: string): Promise<CriuDumpStats | undefined> {
  const r = await runner.runBinary(['cat', '--', path], { privileged: true, timeoutMs: 10_000 });
  if (r.exitCode !== 0) return undefined;
  try {
    return parseStatsImage(r.stdout).dump;
  } catch {
    return undefined; // Stats are a bonus: an unreadable file must not fail a good checkpoint.
  }
}
