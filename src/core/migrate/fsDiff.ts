import { dirname } from 'node:path/posix';
import type { DockerHost } from '../host/dockerHost.js';
import { abortError } from '../exec/localRunner.js';
import { streamInto } from './streams.js';

/** Docker's change kinds (GET /containers/{id}/changes). */
export const CHANGE_MODIFIED = 0;
export const CHANGE_ADDED = 1;
export const CHANGE_DELETED = 2;

export interface Change {
  Path: string;
  Kind: number;
}

export interface CopyPlan {
  /** Paths whose archives are copied; each goes into its parent folder on the target. */
  copy: string[];
  /** Deleted paths cannot be replayed through the archive API; they are reported. */
  deleted: string[];
}

/**
 * From `docker diff` to the fewest archive copies: an added folder is copied whole
 * (its children come with it), a modified path only when nothing below it changed
 * (so "C /" never copies the whole filesystem).
 */
export function planFsCopy(changes: readonly Change[]): CopyPlan {
  const paths = changes.map((c) => c.Path);
  const kinds = new Map(changes.map((c) => [c.Path, c.Kind]));
  const hasDescendant = (p: string) => paths.some((q) => q !== p && q.startsWith(p === '/' ? '/' : `${p}/`));
  const addedAncestor = (p: string) => {
    for (let d = dirname(p); d !== '/' && d !== '.'; d = dirname(d)) if (kinds.get(d) === CHANGE_ADDED) return true;
    return false;
  };
  const copy: string[] = [];
  const deleted: string[] = [];
  for (const c of changes) {
    if (c.Kind === CHANGE_DELETED) {
      if (!addedAncestor(c.Path)) deleted.push(c.Path);
    } else if (c.Kind === CHANGE_ADDED) {
      if (!addedAncestor(c.Path)) copy.push(c.Path);
    } else if (!hasDescendant(c.Path) && !addedAncestor(c.Path)) {
      copy.push(c.Path);
    }
  }
  return { copy: copy.sort(), deleted: deleted.sort() };
}

/** Copies the planned paths from the (stopped) source container into the created target one. */
export async function copyFsChanges(source: DockerHost, sourceId: string, target: DockerHost, targetId: string, plan: CopyPlan, signal?: AbortSignal): Promise<number> {
  let bytes = 0;
  for (const path of plan.copy) {
    if (signal?.aborted) throw abortError();
    const archive = (await source.docker.getContainer(sourceId).getArchive({ path, ...(signal ? { abortSignal: signal } : {}) })) as NodeJS.ReadableStream;
    // Streamed from daemon to daemon: no copy of a large file lands on this machine.
    await streamInto(
      `copying ${path} from ${source.name} to ${target.name}`,
      archive,
      (body, abortSignal) => target.docker.getContainer(targetId).putArchive(body, { path: dirname(path), abortSignal }),
      (n) => (bytes += n),
      signal,
    );
  }
  return bytes;
}

/**
 * `docker diff` as a list. For a container without changes Docker answers `null`, which
 * dockerode hands back unparsed (a Buffer holding "null\n"): a redis that wrote nothing
 * failed to migrate with "Iterator value 0 is not an entry object".
 */
export async function containerChanges(host: DockerHost, id: string): Promise<Change[]> {
  const raw: unknown = await host.docker.getContainer(id).changes();
  return parseChanges(raw);
}

export function parseChanges(raw: unknown): Change[] {
  const value: unknown = Buffer.isBuffer(raw) || typeof raw === 'string' ? JSON.parse(raw.toString().trim() || 'null') : raw;
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`unexpected answer to docker diff: ${JSON.stringify(value).slice(0, 120)}`);
  return value as Change[];
}
