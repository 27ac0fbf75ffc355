import { withContainerLock } from '../guard/containerLock.js';
import type { DockerHost } from '../host/dockerHost.js';
import type { CheckpointInfo } from '../host/listing.js';
import type { RestoreRecord } from '../records.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { resolveContainer } from './resolve.js';
import { assertStopped, RestoreFailedError, restoreContainer } from './restore.js';

export interface FailedRestore {
  checkpoint: string;
  error: string;
}

export interface FallbackRestore {
  /** The restore that worked. */
  record: RestoreRecord;
  /** Newer checkpoints that were tried first and refused, newest first. */
  failed: FailedRestore[];
}

/**
 * Newest first, by the time Docker's folder was written; checkpoints without a time (no
 * privileged access to the folder) go last, in reverse name order, so the order is stable.
 */
export function newestFirst(checkpoints: readonly CheckpointInfo[]): string[] {
  const time = (c: CheckpointInfo) => c.createdAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  return [...checkpoints].sort((a, b) => time(b) - time(a) || b.name.localeCompare(a.name)).map((c) => c.name);
}

/**
 * Seed 002's restore fallback: a checkpoint that cannot be restored (damaged images, a
 * kernel or CRIU that refuses them) should not leave the container down when an older one
 * would bring it back. Tries `from` (or the newest) and then each older checkpoint in turn;
 * every attempt is recorded. Only a refused restore moves on: a refusal before anything was
 * tried (running container, unknown name) or a cancel ends it, since older checkpoints
 * would be refused the same way.
 */
type FallbackOptions = { from?: string; signal?: AbortSignal; onAttempt?: (checkpoint: string, failedSoFar: number) => void; tags?: RestoreRecord['tags'] };

export function restoreWithFallback(host: DockerHost, ref: string, opts: FallbackOptions = {}, store?: ResultsStore): Promise<FallbackRestore> {
  // Held across the attempts: nothing may checkpoint or start the container between two of them.
  return withContainerLock(host, ref, 'restore', () => fallbackUnlocked(host, ref, opts, store), opts.signal ? { signal: opts.signal } : {});
}

async function fallbackUnlocked(host: DockerHost, ref: string, opts: FallbackOptions, store?: ResultsStore): Promise<FallbackRestore> {
  const c = await resolveContainer(host, ref);
  assertStopped(c);
  const order = newestFirst(await host.listCheckpoints(c.id));
  const start = opts.from === undefined ? 0 : order.indexOf(opts.from);
  if (order.length === 0) throw new RestoreFailedError(`Container ${c.name} has no checkpoints to restore from.`);
  if (start < 0) throw new RestoreFailedError(`Container ${c.name} has no checkpoint named ${opts.from} (it has: ${order.join(', ')}).`);
  const failed: FailedRestore[] = [];
  for (const name of order.slice(start)) {
    opts.onAttempt?.(name, failed.length);
    try {
      const tags = { ...opts.tags, ...(failed.length ? { fallbackFrom: failed[0]!.checkpoint, fallbackAttempt: failed.length + 1 } : {}) };
      const record = await restoreContainer(host, c.id, name, { ...(opts.signal ? { signal: opts.signal } : {}), ...(Object.keys(tags).length ? { tags } : {}) }, store);
      return { record, failed };
    } catch (e) {
      if (!(e instanceof RestoreFailedError)) throw e;
      failed.push({ checkpoint: name, error: e.message });
    }
  }
  const tried = failed.map((f) => `${f.checkpoint}: ${f.error.split('\n')[0]}`).join('\n');
  throw new RestoreFailedError(`No checkpoint of ${c.name} could be restored; tried ${failed.length}, newest first:\n${tried}`);
}
