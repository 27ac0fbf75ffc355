import type { CommandRunner } from '../exec/runner.js';

/**
 * What a restore interrupted by the daemon's death leaves, and how the next one gets past it.
 *
 * Docker (20.10) uploads the checkpoint folder as one blob into containerd's content store
 * (labelled gc.root, so containerd never collects it) and deletes it after the start. A
 * dockerd killed in between leaves the blob, and Docker's upload treats "already exists" as
 * a failure: every later restore of that checkpoint then fails with "failed to upload
 * checkpoint to containerd: commit failed: content sha256:…: already exists", for good
 * (measured: faultRestore.test.ts). The blob is removed with containerd's `ctr`; where that
 * is not possible, a marker file in the checkpoint folder changes the blob's digest (Docker
 * tars the folder; CRIU ignores files it does not know), so the restore goes through and only
 * the old blob's space stays taken.
 */

/** The stale blob's digest in Docker's "already exists" answer, if that is what it says. */
export function staleCheckpointDigest(message: string): string | undefined {
  return /content (sha256:[0-9a-f]{64}): already exists/.exec(message)?.[1];
}

/** The answer of a client whose daemon went away mid-call (killed, crashed, restarted). */
export function daemonWentAway(message: string): boolean {
  return /socket hang up|ECONNRESET|ECONNREFUSED|EPIPE|connect ENOENT|ended unexpectedly/.test(message);
}

/** Said when the daemon went away during a restore: what became of what, and what to do. */
export function interruptedRestoreMessage(endpoint: string, container: string, checkpoint: string, message: string, opts: { migration?: boolean } = {}): string {
  const head = `Docker on ${endpoint} went away during the restore of ${container} from ${checkpoint} (${message.split('\n')[0]}).`;
  // A migration's target: restoring it again would make a second instance once the source is back; the rollback says what to do.
  if (opts.migration) return `${head} Do not restore the target again by hand: what to do with the source and the target is said below.`;
  return (
    `${head} ` +
    `The checkpoint is intact. Once the daemon answers again, look at ${container}: if it is stopped, restore it again from ${checkpoint} ` +
    '(Cryo clears what the interrupted restore left in containerd); if it runs, the restore completed.'
  );
}

/**
 * The address of the containerd Docker manages for the daemon whose data root is
 * `dockerRootDir`: its containerd.toml (under the exec root, /run/docker/containerd/…)
 * names `<data root>/containerd/daemon` as root. Otherwise the system containerd's.
 */
export async function containerdAddressOf(runner: CommandRunner, dockerRootDir: string): Promise<string> {
  const found = await runner.run(['find', '/run', '-mindepth', '2', '-maxdepth', '3', '-name', 'containerd.toml'], { privileged: true, timeoutMs: 10_000 });
  for (const file of found.stdout.split('\n').filter(Boolean)) {
    const toml = (await runner.run(['cat', '--', file], { privileged: true, timeoutMs: 10_000 })).stdout;
    const root = /^\s*root\s*=\s*"([^"]*)"/m.exec(toml)?.[1];
    const address = /^\s*address\s*=\s*"([^"]*\.sock)"/m.exec(toml)?.[1];
    if (root === `${dockerRootDir.replace(/\/$/, '')}/containerd/daemon` && address) return address;
  }
  return '/run/containerd/containerd.sock';
}

/**
 * Gets the next start of that checkpoint past the blob an interrupted restore left: removes
 * it (`ctr content rm`) or, failing that, changes the folder's digest. Says which.
 */
export async function clearStaleCheckpointBlob(runner: CommandRunner, dockerRootDir: string, checkpointDir: string, digest: string): Promise<'removed' | 'renamed'> {
  const address = await containerdAddressOf(runner, dockerRootDir);
  const rm = await runner.run(['ctr', '--address', address, '--namespace', 'moby', 'content', 'rm', digest], { privileged: true, timeoutMs: 30_000 });
  if (rm.exitCode === 0) {
    const left = await runner.run(['ctr', '--address', address, '--namespace', 'moby', 'content', 'ls', '-q'], { privileged: true, timeoutMs: 30_000 });
    if (left.exitCode === 0 && !left.stdout.split('\n').includes(digest)) return 'removed';
  }
  const marker = `${checkpointDir}/cryo-restore-retry`;
  const w = await runner.run(['tee', '--', marker], { privileged: true, input: `restore retried by Cryo at ${new Date().toISOString()} past a stale containerd blob ${digest}\n`, timeoutMs: 15_000 });
  if (w.exitCode !== 0) throw new Error(`could not clear the stale containerd blob ${digest} (ctr: ${(rm.stderr || rm.stdout).trim() || `exit ${rm.exitCode}`}; ${marker}: ${w.stderr.trim()})`);
  return 'renamed';
}

/**
 * The runc state an interrupted `runc restore` left for a container Docker says is stopped.
 * runc refuses to restore into an id whose state folder exists ("container with given ID
 * already exists"), and Docker 20.10 then hangs the start with the task half created
 * (measured: faultRestore.test.ts). A folder without state.json or a stopped state is
 * removed; a process runc still sees running is NOT touched: a restore would run it twice.
 */
export async function clearStaleRuncState(runner: CommandRunner, containerId: string, containerName: string): Promise<'none' | 'removed'> {
  if (!/^[0-9a-f]{64}$/.test(containerId)) throw new Error(`not a full container id: ${JSON.stringify(containerId)}`);
  const found = await runner.run(['find', '/run', '-mindepth', '4', '-maxdepth', '4', '-type', 'd', '-path', `*/runtime-runc/*/${containerId}`], { privileged: true, timeoutMs: 10_000 });
  let removed = false;
  for (const dir of found.stdout.split('\n').filter(Boolean)) {
    const root = dir.slice(0, -(containerId.length + 1));
    const state = await runner.run(['runc', '--root', root, 'state', containerId], { privileged: true, timeoutMs: 15_000 });
    const status = state.exitCode === 0 ? (/"status":\s*"(\w+)"/.exec(state.stdout)?.[1] ?? 'unknown') : 'gone';
    if (status === 'running' || status === 'paused' || status === 'created' || status === 'unknown') {
      // Measured (faultRestore.test.ts): dockerd killed just after CRIU restored the process; after
      // its restart Docker says "exited" while the process runs on under the old shim, unseen.
      const pid = /"pid":\s*(\d+)/.exec(state.stdout)?.[1];
      throw new StaleRuncStateError(
        `${containerName} runs outside Docker: runc has it ${status}${pid && pid !== '0' ? ` (pid ${pid})` : ''} although Docker says it is stopped. A restore completed under runc but dockerd died before recording it, ` +
          'and Docker does not take it back when restarted. Restoring now would run it twice. Keep it (it carries on from its checkpoint, but Docker can neither stop nor inspect it), ' +
          `or end it: runc --root ${root} kill ${containerId} KILL. Seen on Docker 20.10: a restore of this container in place still hangs after that; create a new container to restore into.`,
      );
    }
    // runc restore bind-mounts the container's rootfs on <state>/criu-root: unmount first, and
    // never let rm cross into a mount (it would delete the container's files).
    const mounts = (await runner.run(['cat', '/proc/mounts'], { timeoutMs: 10_000 })).stdout
      .split('\n')
      .map((l) => (l.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter((m) => m.startsWith(`${dir}/`))
      .sort()
      .reverse();
    for (const m of mounts) await runner.run(['umount', '-l', '--', m], { privileged: true, timeoutMs: 15_000 });
    const rm = status === 'gone' ? await runner.run(['rm', '-r', '-f', '--one-file-system', '--', dir], { privileged: true, timeoutMs: 15_000 }) : await runner.run(['runc', '--root', root, 'delete', '--force', containerId], { privileged: true, timeoutMs: 15_000 });
    if (rm.exitCode !== 0) throw new StaleRuncStateError(`could not remove runc's stale state of ${containerName} (${dir}): ${rm.stderr.trim()}`);
    removed = true;
  }
  return removed ? 'removed' : 'none';
}

export class StaleRuncStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleRuncStateError';
  }
}
