import { abortError } from '../exec/localRunner.js';
import { runChecked, type StreamingCommand } from '../exec/runner.js';
import type { DockerHost } from './dockerHost.js';

/**
 * A lock on a Docker host, shared by every Cryo client of that host (two VS Code windows,
 * a window and the CLI, clients on two machines reaching the same host over SSH).
 *
 * It is held by a process ON THE HOST: `flock FILE tee HOLDER`, started through the host's
 * CommandRunner with its stdin kept open. flock takes the lock before it runs tee; tee echoes
 * what we write to it, so the echo of the holder line proves the lock is ours, and tee leaves
 * that line in a file beside the lock for whoever waits. Closing stdin ends tee and flock lets
 * go. When Cryo dies (crash, kill -9, closed window, dropped SSH connection) the pipe or the
 * ssh session closes, tee sees end of input and the lock is released by the kernel: no stale
 * lock file can ever block the next client.
 */
export interface HostLock {
  readonly key: string;
  /** Lock file on the host. */
  readonly path: string;
  /** Lets go of the lock (idempotent). */
  release(): Promise<void>;
  /** Settles when the holding process ends: after release(), or if it died underneath us. */
  readonly lost: Promise<void>;
}

export interface HostLockOptions {
  signal?: AbortSignal;
  /** How long to wait for the lock; default 60 s; 0 = fail at once when it is held. */
  waitMs?: number;
  /** Who holds it, shown to whoever waits for it (default: pid and process title). */
  holder?: string;
  /** Shared (flock -s): any number of shared holders together, none while an exclusive one holds it. */
  shared?: boolean;
}

export class HostLockTimeoutError extends Error {
  constructor(
    readonly key: string,
    readonly host: string,
    readonly holder: string | undefined,
  ) {
    super(`Another Cryo operation holds the ${key} lock on host ${host}${holder ? ` (${holder})` : ''}; try again when it is done.`);
    this.name = 'HostLockTimeoutError';
  }
}

const DEFAULT_WAIT_MS = 60_000;
/** flock's exit code when it could not get the lock in time (-E), distinct from its own errors. */
const CONFLICT_EXIT = 75;
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function lockDir(host: Pick<DockerHost, 'cryoStateDir'>): string {
  return `${host.cryoStateDir}/locks`;
}

export async function acquireHostLock(host: DockerHost, key: string, opts: HostLockOptions = {}): Promise<HostLock> {
  if (!KEY.test(key)) throw new Error(`Invalid host lock key '${key}' (letters, digits, '.', '_', '-').`);
  if (opts.signal?.aborted) throw abortError();
  const dir = lockDir(host);
  const path = `${dir}/${key}.lock`;
  const holderPath = `${dir}/${key}.holder`;
  const waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
  await runChecked(host.runner, ['mkdir', '-p', '--', dir], { privileged: true, timeoutMs: 15_000, ...(opts.signal ? { signal: opts.signal } : {}) });

  const wait = waitMs <= 0 ? ['-n'] : ['-w', (waitMs / 1000).toFixed(3)];
  // The signal only cancels the wait: once held, the lock lives until release(), so that a
  // cancelled operation can still put things back under it.
  const mode = opts.shared ? ['-s'] : [];
  const proc = host.runner.spawnStream(['flock', '-E', String(CONFLICT_EXIT), ...mode, ...wait, path, 'tee', holderPath], { privileged: true });
  const onAbort = () => {
    proc.stdin.end(); // if flock still gets the lock, tee ends at once (and so does a sudo'd flock)
    proc.kill();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const line = `${(opts.holder ?? defaultHolder()).replace(/\s+/g, ' ').trim()}\n`;
  proc.stdin.write(line);

  const acquired = await Promise.race([echoOf(proc, line).then(() => true), proc.done.then(() => false)]);
  opts.signal?.removeEventListener('abort', onAbort);
  if (!acquired) {
    const { exitCode, stderr } = await proc.done;
    if (opts.signal?.aborted) throw abortError();
    if (exitCode === CONFLICT_EXIT) throw new HostLockTimeoutError(key, host.name, await readHolder(host, holderPath));
    throw new Error(`Could not take the ${key} lock on host ${host.name} (${host.runner.where}): flock exited ${exitCode}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  }

  let released: Promise<void> | undefined;
  const lost = proc.done.then(() => undefined);
  return {
    key,
    path,
    lost,
    release() {
      released ??= (async () => {
        proc.stdin.end();
        // tee ends on end of input; a host that stopped answering must not hang the caller.
        const timer = setTimeout(() => proc.kill(), 10_000);
        await proc.done;
        clearTimeout(timer);
      })();
      return released;
    },
  };
}

/** Runs fn while holding the lock, and always lets go. */
export async function withHostLock<T>(host: DockerHost, key: string, fn: (lock: HostLock) => Promise<T>, opts: HostLockOptions = {}): Promise<T> {
  const lock = await acquireHostLock(host, key, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

function defaultHolder(): string {
  return `${process.title || 'node'} pid ${process.pid} since ${new Date().toISOString()}`;
}

/** Resolves once the process has echoed `line` back (tee runs only after flock got the lock). */
function echoOf(proc: StreamingCommand, line: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer | string) => {
      seen += d.toString();
      if (seen.includes(line)) {
        proc.stdout.removeListener('data', onData);
        proc.stdout.resume(); // keep draining: tee must never block on a full pipe
        resolve();
      }
    };
    proc.stdout.on('data', onData);
  });
}

async function readHolder(host: DockerHost, path: string): Promise<string | undefined> {
  const r = await host.runner.run(['cat', '--', path], { privileged: true, timeoutMs: 5_000 }).catch(() => undefined);
  const text = r?.exitCode === 0 ? r.stdout.trim() : '';
  return text || undefined;
}
