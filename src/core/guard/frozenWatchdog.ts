import type Docker from 'dockerode';
import type { CommandRunner } from '../exec/runner.js';
import type { FreezeGuard } from '../engines/engine.js';
import { findFreezer, freezeFreezer, thawFreezer } from './freezer.js';
import { checkpointProcessTree, parsePs, PS_ARGV } from './processTree.js';

/** The default limit grows with what CRIU has to write while the container is frozen. */
export const FROZEN_LIMIT_BASE_MS = 30_000;
export const FROZEN_LIMIT_PER_GIB_MS = 10_000;
/** After ending CRIU, how long the engine call gets to notice before we stop waiting for it. */
const SETTLE_GRACE_MS = 15_000;

/** 30 s + 10 s per GiB of memory in use (the dump writes it all while frozen), rounded up to a second. */
export function defaultMaxFrozenMs(memoryBytes?: number): number {
  const ms = FROZEN_LIMIT_BASE_MS + (FROZEN_LIMIT_PER_GIB_MS * (memoryBytes ?? 0)) / 2 ** 30;
  return Math.ceil(ms / 1000) * 1000;
}

/** What the watchdog did, kept in the checkpoint's record. */
export interface WatchdogReport {
  limitMs: number;
  /** Processes ended on the host (runc, CRIU and CRIU's children). */
  killed: number;
  /** The cgroup was still frozen after CRIU died and Cryo thawed it. */
  thawed: boolean;
  /** Docker was left believing the container paused (its API's checkpoint failed mid-freeze) and Cryo unpaused it. */
  unpaused?: boolean;
  /** From the limit to the container verified running again. */
  rescueMs: number;
  running: boolean;
}

export class FrozenLimitError extends Error {
  constructor(
    message: string,
    readonly report: WatchdogReport,
  ) {
    super(message);
    this.name = 'FrozenLimitError';
  }
}

export interface FrozenWatchdogOptions {
  runner: CommandRunner;
  docker: Docker;
  containerId: string;
  containerName: string;
  checkpointName: string;
  /** The container's init pid on the host (its cgroup holds the freezer). */
  pid: number;
  /** Docker called it paused before the checkpoint: then it is left paused. */
  wasPaused?: boolean;
  /** The checkpoint folder: whatever CRIU wrote there is deleted when the watchdog fires. */
  dir: string;
  limitMs: number;
}

/**
 * Bounds the time a container can stay frozen by a dump. Each dump (pre-dump round or
 * final) runs under run(); past the limit the watchdog ends every `runc checkpoint` of the
 * container on the host with CRIU under it (SIGKILL works on a stopped CRIU too: ptrace
 * lets go of the tasks when the tracer dies), thaws the cgroup if CRIU died while it was
 * frozen, checks that the container runs, deletes the partial checkpoint and throws
 * FrozenLimitError saying all that. The timer lives in Cryo, the actions go through the
 * host's runner, so it works the same for local and SSH hosts.
 */
export class FrozenWatchdog implements FreezeGuard {
  constructor(private readonly o: FrozenWatchdogOptions) {}

  /** Set when a dump failed on its own (CRIU killed, crashed) and the watchdog had to thaw after it. */
  recovery: WatchdogReport | undefined;

  async run<T>(fn: () => Promise<T>, failed: (value: T) => boolean = () => false): Promise<T> {
    const work = fn().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    let timer: NodeJS.Timeout | undefined;
    const fired = new Promise<'fired'>((resolve) => (timer = setTimeout(() => resolve('fired'), this.o.limitMs)));
    const first = await Promise.race([work, fired]);
    if (first !== 'fired') {
      clearTimeout(timer);
      // A CRIU that died between freezing the cgroup and thawing it leaves it frozen for good.
      if (!first.ok || failed(first.value)) await this.recoverAfterFailure();
      if (first.ok) return first.value;
      throw first.error;
    }
    const report = await this.rescue();
    // The engine sees its runc die and cleans up; it must not keep us waiting if it does not.
    await Promise.race([work, new Promise((r) => setTimeout(r, SETTLE_GRACE_MS).unref())]);
    await this.o.runner.run(['rm', '-rf', '--', this.o.dir], { privileged: true, timeoutMs: 60_000 });
    throw new FrozenLimitError(this.message(report), report);
  }

  private async recoverAfterFailure(): Promise<void> {
    const t0 = performance.now();
    // The call can fail while its runc lives on (dockerd died under Docker's checkpoint):
    // a CRIU left behind would hold the tasks, so whatever remains of the dump is ended.
    const killed = await this.killCheckpointTree().catch(() => 0);
    // Docker makes the checkpoint's folder before the dump: a dockerd that died mid-way lists
    // it as a checkpoint after its restart. The name was checked free and the container is
    // locked, so whatever is there is this failed dump's.
    await this.o.runner.run(['rm', '-rf', '--', this.o.dir], { privileged: true, timeoutMs: 60_000 }).catch(() => undefined);
    const { thawed, unpaused } = await this.thaw().catch(() => ({ thawed: false, unpaused: false }));
    if (!thawed && !unpaused && !killed) return;
    this.recovery = { limitMs: this.o.limitMs, killed, thawed, ...(unpaused ? { unpaused } : {}), rescueMs: Math.round(performance.now() - t0), running: await this.isRunning() };
  }

  private async killCheckpointTree(): Promise<number> {
    const ps = await this.o.runner.run([...PS_ARGV], { timeoutMs: 10_000 });
    const pids = checkpointProcessTree(parsePs(ps.stdout), this.o.containerId, process.pid, this.o.pid);
    if (pids.length) await this.o.runner.run(['kill', '-KILL', '--', ...pids.map(String)], { privileged: true, timeoutMs: 10_000 });
    await this.waitGone(pids);
    return pids.length;
  }

  /**
   * Thaws the cgroup if CRIU left it frozen. When Docker's own checkpoint failed mid-freeze,
   * dockerd keeps calling the container "paused" although the cgroup is thawed, and refuses
   * exec and unpause alike ("container not paused"): freezing it for an instant lets
   * `unpause` go through and sets Docker's state right (~30 ms here).
   */
  private async thaw(): Promise<{ thawed: boolean; unpaused: boolean }> {
    const freezer = await findFreezer(this.o.runner, this.o.pid);
    const thawed = freezer ? await thawFreezer(this.o.runner, freezer) : false;
    const c = this.o.docker.getContainer(this.o.containerId);
    if (this.o.wasPaused || !(await c.inspect()).State.Paused) return { thawed, unpaused: false };
    if (freezer) await freezeFreezer(this.o.runner, freezer);
    await c.unpause();
    return { thawed, unpaused: true };
  }

  private isRunning(): Promise<boolean> {
    return this.o.docker
      .getContainer(this.o.containerId)
      .inspect()
      .then(async (i) => i.State.Running && !i.State.Paused && (await this.notTraced()))
      .catch(() => false);
  }

  private async rescue(): Promise<WatchdogReport> {
    const t0 = performance.now();
    const killed = await this.killCheckpointTree();
    const { thawed, unpaused } = await this.thaw();
    const running = await this.isRunning();
    return { limitMs: this.o.limitMs, killed, thawed, ...(unpaused ? { unpaused } : {}), rescueMs: Math.round(performance.now() - t0), running };
  }

  /** A killed tracer lets go of its tracees as it exits (zombies count as gone); wait for that, bounded. */
  private async waitGone(pids: number[]): Promise<void> {
    const end = Date.now() + 5_000;
    while (pids.length && Date.now() < end) {
      const r = await this.o.runner.run(['ps', '-o', 'stat=', '-p', pids.join(',')], { timeoutMs: 10_000 });
      if (!r.stdout.split('\n').some((st) => st.trim() && !st.trim().startsWith('Z'))) return;
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** The init task is not left in a (tracing) stop. */
  private async notTraced(): Promise<boolean> {
    const r = await this.o.runner.run(['cat', '--', `/proc/${this.o.pid}/status`], { privileged: true, timeoutMs: 10_000 });
    const state = r.stdout.match(/^State:\s+(\S)/m)?.[1];
    return state !== undefined && state !== 't' && state !== 'T';
  }

  private message(r: WatchdogReport): string {
    const limit = `${(r.limitMs / 1000).toFixed(0)} s`;
    const what = `Checkpoint ${this.o.checkpointName} of ${this.o.containerName} stopped by the watchdog: CRIU kept the container frozen past the ${limit} limit.`;
    const fixes = [r.thawed ? "thawed the container's cgroup" : '', r.unpaused ? 'unpaused it in Docker' : ''].filter(Boolean);
    const done = `Cryo ended CRIU (${r.killed} process${r.killed === 1 ? '' : 'es'})${fixes.length ? `, ${fixes.join(' and ')}` : ''}; the partial checkpoint was deleted.`;
    const state = r.running
      ? `The container runs again (${(r.rescueMs / 1000).toFixed(1)} s after the limit).`
      : `The container is NOT running after the rescue: check it with \`docker inspect ${this.o.containerName}\` (and \`runc resume\` if it shows as paused).`;
    return `${what} ${done} ${state} If this container needs longer to dump, raise cryo.checkpoint.maxFrozenSeconds (CLI: --max-frozen).`;
  }
}
