import { AsyncLocalStorage } from 'node:async_hooks';
import type { DockerHost } from '../host/dockerHost.js';
import { acquireHostLock, HostLockTimeoutError } from '../host/hostLock.js';

/** What holds a container: shown to whoever finds it busy. */
export type ContainerOperation = 'checkpoint' | 'restore' | 'migrate' | 'periodic checkpoint' | 'delete checkpoint';

/** A user's operation waits this long for the one in progress, then says who holds it. */
export const DEFAULT_BUSY_WAIT_MS = 3_000;

export class ContainerBusyError extends Error {
  constructor(
    message: string,
    /** "checkpoint since 2026-11-30T07:50:00.000Z by cryo CLI pid 42", as the holder wrote it. */
    readonly holder: string | undefined,
  ) {
    super(message);
    this.name = 'ContainerBusyError';
  }
}

/** Who this process is, in a busy message ("VS Code window pid 12", "cryo CLI pid 42"). */
let client = `${process.title || 'node'} pid ${process.pid}`;
export function setLockClientName(name: string): void {
  client = `${name} pid ${process.pid}`;
}

/** The locks this async call chain holds: a migration's own checkpoint and rollback restore pass. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

export interface ContainerLockOptions {
  signal?: AbortSignal;
  /** 0: refuse at once when busy (a periodic tick). Default DEFAULT_BUSY_WAIT_MS. */
  waitMs?: number;
}

/**
 * Runs fn as the only operation on that container: a lock on the container's host (see
 * host/hostLock.ts), so two VS Code windows, a window and the CLI, or two machines reaching
 * the same host all exclude each other, and a crashed Cryo releases it. Re-entrant within
 * one call chain: a migration holding its source lets its own checkpoint and rollback
 * through. A busy container is refused with who holds it, after a short wait.
 */
export async function withContainerLock<T>(host: DockerHost, ref: string, operation: ContainerOperation, fn: () => Promise<T>, opts: ContainerLockOptions = {}): Promise<T> {
  const who = await identify(host, ref);
  // Nothing to lock: the operation itself reports the missing container (or the daemon that does not answer) its own way.
  if (!who) return fn();
  const { id, name } = who;
  const mine = `${host.endpoint}\u0000${id}`;
  const chain = held.getStore();
  if (chain?.has(mine)) return fn();
  let lock;
  try {
    lock = await acquireHostLock(host, `container-${id}`, {
      waitMs: opts.waitMs ?? DEFAULT_BUSY_WAIT_MS,
      holder: `${operation} since ${new Date().toISOString()} by ${client}`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    if (!(e instanceof HostLockTimeoutError)) throw e;
    throw new ContainerBusyError(`Container ${name} is busy: ${e.holder ?? 'another Cryo operation runs on it'}. Try again when it is done.`, e.holder);
  }
  try {
    return await held.run(new Set([...(chain ?? []), mine]), fn);
  } finally {
    await lock.release();
  }
}

/** The full id keys the lock whether the caller named the container by name, short id or id. */
async function identify(host: DockerHost, ref: string): Promise<{ id: string; name: string } | undefined> {
  try {
    const i = await host.docker.getContainer(ref).inspect();
    return { id: i.Id, name: i.Name.replace(/^\//, '') };
  } catch {
    return undefined;
  }
}
