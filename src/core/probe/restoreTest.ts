import { randomBytes } from 'node:crypto';
import { createCheckpoint, startFromCheckpoint } from '../docker/checkpointApi.js';
import { removeContainerdCopiesOf } from '../docker/ctrdCopies.js';
import { ensurePauseImage } from '../docker/pauseImage.js';
import type { DockerHost } from '../host/dockerHost.js';
import type { RestoreTest } from './stackKnowledge.js';

/**
 * The restore behaviour test: does `docker start --checkpoint` bring a checkpointed container
 * back in place on this daemon? Version numbers alone cannot say (moby 50750 is open, a fix
 * may land in any release, distributions patch), so a throwaway container from Cryo's pause
 * image is checkpointed and restored, and the daemon's answer classified. ~1 s; it runs once
 * per daemon (restoreTestCache.ts) and never in the way of the tree.
 */
export const PROBE_LABEL = 'org.cryo.probe';
export const PROBE_LABEL_VALUE = 'restore-in-place';
const STEP_TIMEOUT_MS = 90_000; // a step takes ~13 s on the TCG VM when quiet, over 30 s under load
/** A probe container older than this is a leftover of a crashed probe, not a concurrent one. */
const STALE_MS = 10 * 60_000;

export function classifyRestoreError(message: string): RestoreTest['outcome'] {
  return /bind-mount \/proc\/\d+\/ns\/net\b/.test(message) ? 'netns-bug' : 'failed';
}

export async function runRestoreTest(host: DockerHost, key: string, opts: { privileged: boolean }): Promise<RestoreTest> {
  const t0 = performance.now();
  const testedAt = new Date().toISOString();
  const done = (outcome: RestoreTest['outcome'], detail?: string): RestoreTest => ({
    outcome,
    ...(detail ? { detail: firstLine(detail) } : {}),
    durationMs: Math.round(performance.now() - t0),
    testedAt,
    key,
    ...(id ? { containerId: id } : {}),
  });
  let id: string | undefined;
  try {
    await removeStaleProbes(host, opts.privileged);
    const image = await step('pause image', ensurePauseImage(host));
    const created = await step(
      'create',
      host.docker.createContainer({
        Image: image,
        name: `cryo-probe-restore-${randomBytes(4).toString('hex')}`,
        Labels: { [PROBE_LABEL]: PROBE_LABEL_VALUE },
        HostConfig: { NetworkMode: 'none', AutoRemove: false },
      }),
    );
    id = created.id;
    const c = host.docker.getContainer(id);
    await step('start', c.start());
    try {
      await step('checkpoint', createCheckpoint(c, 'probe', true));
    } catch (e) {
      return done('failed', `checkpoint: ${message(e)}`);
    }
    await step('stop', waitStopped(host, id));
    for (let attempt = 1; ; attempt++) {
      try {
        await step('restore', startFromCheckpoint(c, 'probe'));
        break;
      } catch (e) {
        const m = message(e);
        // Docker 28 / containerd 2.1 answers the first restore right after a checkpoint with
        // "commit failed: content sha256:… already exists" (a unique checkpoint content does not
        // avoid it); the same start a moment later gets the daemon's real answer. Immediate
        // retries keep getting "already exists", hence the pause.
        if (attempt < 4 && /already exists/.test(m)) {
          await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
          continue;
        }
        return done(classifyRestoreError(m), m);
      }
    }
    const after = await c.inspect();
    return after.State.Running ? done('restored') : done('failed', `restored container is ${after.State.Status}: ${after.State.Error || 'no error'}`);
  } catch (e) {
    return done('failed', message(e));
  } finally {
    if (id) await cleanUp(host, id, opts.privileged);
  }
}

/** Removes the probe container (and with it its checkpoint) and containerd's copies for it. */
async function cleanUp(host: DockerHost, id: string, privileged: boolean): Promise<void> {
  await host.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  if (privileged) await removeContainerdCopiesOf(host.runner, id).catch(() => undefined);
}

async function removeStaleProbes(host: DockerHost, privileged: boolean): Promise<void> {
  const list = await host.docker.listContainers({ all: true, filters: { label: [`${PROBE_LABEL}=${PROBE_LABEL_VALUE}`] } });
  const now = Date.now() / 1000;
  for (const c of list.filter((x) => now - x.Created > STALE_MS / 1000)) await cleanUp(host, c.Id, privileged);
}

async function waitStopped(host: DockerHost, id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await host.docker.getContainer(id).inspect()).State.Running) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the checkpointed container did not stop');
}

/** Bounds one step: a daemon that hangs must not hold the probe (and its container) forever. */
function step<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? s).replace(/^\(HTTP code \d+\) [\w ]+- /, '').trim().slice(0, 400);
}
