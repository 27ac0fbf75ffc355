import type { DockerHost } from '../host/dockerHost.js';
import { DockerUnreachableError } from '../ssh/errors.js';

/** Back-off between the tries of a removal (ms); mutable for tests. */
export const REMOVAL_RETRY = { delaysMs: [500, 1_000, 2_000, 4_000] };

export interface RemovalResult {
  removed: boolean;
  tries: number;
  /** The last error when not removed. */
  error?: string;
}

/**
 * Force-removes a migration's partial target container, retrying with back-off.
 *
 * Why retry: the failure that led here is often the connection to the target itself (an ssh
 * master cut mid-transfer). The first requests after such a cut can still land on pooled
 * Docker connections that rode the dead master; the next ones go over a fresh ssh connection
 * (see SshDialAgent). A forced removal is idempotent: a 404 on a later try means an earlier
 * try (or someone else) removed it, which is what we want.
 */
export async function removePartialTarget(host: DockerHost, id: string, delaysMs: readonly number[] = REMOVAL_RETRY.delaysMs): Promise<RemovalResult> {
  let error = '';
  for (let i = 0; i <= delaysMs.length; i++) {
    try {
      await host.docker.getContainer(id).remove({ force: true, v: true });
      return { removed: true, tries: i + 1 };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return { removed: true, tries: i + 1 };
      error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    }
    if (i < delaysMs.length) await new Promise((r) => setTimeout(r, delaysMs[i]));
  }
  return { removed: false, tries: delaysMs.length + 1, error };
}

/** The command that removes what a failed rollback left: for the message, so nobody has to look it up. */
export function removalCommand(host: Pick<DockerHost, 'endpoint'>, id: string): string {
  const h = host.endpoint.startsWith('unix:///var/run/docker.sock') ? '' : `-H ${host.endpoint} `;
  return `docker ${h}rm -f ${/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id}`;
}

/** What a create whose answer was lost may have left: the container's id, or 'none', or 'unknown' (the host did not answer). */
export type LostCreate = { id: string } | 'none' | 'unknown';

/**
 * The create request may have reached the target's daemon while its answer was lost (the ssh
 * connection cut at the create phase: measured, the container was there and the rollback said
 * "Nothing was created"). Preflight made sure no container had this name, so a container of that
 * name, never started ('created'), from the migration's image, is the one this migration made.
 * Asked over a fresh connection, with the same back-off as the removal.
 */
export async function findLostCreate(host: DockerHost, name: string, image: string, delaysMs: readonly number[] = REMOVAL_RETRY.delaysMs): Promise<LostCreate> {
  for (let i = 0; i <= delaysMs.length; i++) {
    try {
      const info = await host.docker.getContainer(name).inspect();
      return info.State.Status === 'created' && info.Config.Image === image ? { id: info.Id } : 'none';
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return 'none';
    }
    if (i < delaysMs.length) await new Promise((r) => setTimeout(r, delaysMs[i]));
  }
  return 'unknown';
}

/**
 * The request never reached a daemon (its socket refused or missing, locally or behind ssh): a
 * restore that failed so never started the target. Follows `cause` chains (wrapped errors).
 */
export function neverReachedDaemon(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DockerUnreachableError) return true;
    const code = (e as { code?: unknown }).code;
    if ((code === 'ECONNREFUSED' || code === 'ENOENT') && /connect/.test(String((e as { syscall?: unknown }).syscall ?? ''))) return true;
  }
  return false;
}
