import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abortError } from '../exec/localRunner.js';
import { classifySshFailure, SshError, sshSpawnError } from './errors.js';
import { remoteCommandLine } from './quote.js';
import { DEFAULT_MAX_SESSIONS, describeTarget, sshBaseArgs, sshCommandArgs, sshExitMasterArgs, validateTarget, type SshOptions, type SshTarget } from './target.js';

/** What the first call learns about the remote account. */
export interface RemoteIdentity {
  uid: number;
}

/** After a failed connect, calls within this window get the same error instead of another wait. */
const FAILURE_MEMORY_MS = 5_000;

/**
 * One shared SSH connection to one target, through the system OpenSSH client:
 * the first call becomes the ControlMaster (ControlPersist keeps it in the background),
 * every later ssh process is a cheap multiplexed session over it. The control socket
 * lives in a private (0700) temp folder of its own, with a short path (unix socket
 * paths are limited to ~100 bytes).
 *
 * Concurrent first calls would each try to become master, so every call waits for one
 * shared handshake (`id -u`, which also tells whether sudo is needed) before it starts.
 */
export class SshConnection {
  readonly where: string;
  private controlDir: string | undefined;
  private ready: Promise<RemoteIdentity> | undefined;
  private failure: { at: number; error: SshError } | undefined;
  private readonly children = new Set<ChildProcess>();
  private readonly slots: Semaphore;
  private disposed = false;
  /** `ready` has resolved: the connection was up once (noteLost may then ask for a new one). */
  private settled = false;
  private reconnects = 0;

  constructor(
    readonly target: SshTarget,
    readonly options: SshOptions = {},
  ) {
    validateTarget(target);
    this.where = `ssh ${describeTarget(target)}`;
    this.slots = new Semaphore(options.maxSessions ?? DEFAULT_MAX_SESSIONS);
  }

  get sshPath(): string {
    return this.options.sshPath ?? 'ssh';
  }

  /** The control socket's path (its folder is made on first use). */
  get controlPath(): string {
    this.controlDir ??= mkdtempSync(join(existsSync('/tmp') ? '/tmp' : tmpdir(), 'cryo-ssh-'));
    return join(this.controlDir, 'cm');
  }

  /** The ssh options of every call (before "--" and the destination). */
  baseArgs(): string[] {
    return sshBaseArgs(this.target, this.options, this.controlPath);
  }

  /** Full ssh argv for running argv on the remote side (each argument shell-quoted). */
  commandArgs(remoteArgv: readonly string[]): string[] {
    return sshCommandArgs(this.baseArgs(), this.target, remoteCommandLine(remoteArgv));
  }

  /** Connects once (shared by all callers) and learns the remote uid. Rejects with SshError. */
  connect(signal?: AbortSignal): Promise<RemoteIdentity> {
    if (this.disposed) return Promise.reject(new Error(`The SSH connection to ${describeTarget(this.target)} was closed.`));
    if (this.failure && Date.now() - this.failure.at < FAILURE_MEMORY_MS) return Promise.reject(this.failure.error);
    if (!this.ready) {
      const ready = this.handshake().then(
        (id) => {
          if (this.ready === ready) this.settled = true;
          return id;
        },
        (e: unknown) => {
          if (this.ready === ready) this.ready = undefined;
          if (e instanceof SshError) this.failure = { at: Date.now(), error: e };
          throw e;
        },
      );
      this.ready = ready;
    }
    return raceAbort(this.ready, signal);
  }

  /**
   * A session ended the way ssh ends when its connection dies (exit 255, or killed): the
   * ControlMaster may be gone. The next calls then wait for ONE new handshake, which becomes the
   * new master, instead of each finding the stale socket and racing to become master (with
   * ControlMaster=auto every one would; a loser can unlink the winner's socket and leave a
   * master nobody reaches or closes). Over a live master the new handshake is just one more
   * session. A handshake in progress is left alone: it is already the fresh connection.
   */
  noteLost(): void {
    if (this.disposed || !this.settled) return;
    this.ready = undefined;
    this.settled = false;
    this.reconnects++;
  }

  /** How many times noteLost() sent the next call through a new handshake (for tests and logs). */
  get reconnectCount(): number {
    return this.reconnects;
  }

  /** Forget a remembered failure (an explicit retry by the user). */
  forgetFailure(): void {
    this.failure = undefined;
  }

  private async handshake(): Promise<RemoteIdentity> {
    const child = await this.spawnRaw(['id', '-u'], false);
    const { code, stdout, stderr } = await collect(child);
    if (code === 0 && /^\d+$/.test(stdout.trim())) {
      this.failure = undefined;
      return { uid: Number(stdout.trim()) };
    }
    if (code === 255 || code === null) {
      throw classifySshFailure(stderr, this.target, this.options) ?? new SshError('unreachable', `SSH to ${describeTarget(this.target)} failed: ${lastLine(stderr) || `exit ${code ?? 'by signal'}`}`, stderr);
    }
    // The account works but `id` does not: still usable, assume not root.
    return { uid: -1 };
  }

  /**
   * Starts ssh running argv on the remote side, once connected and once a session slot is
   * free (sshd refuses more than MaxSessions per connection). The slot is held until the
   * process exits. Rejects with SshError when the connection cannot be made.
   */
  async open(remoteArgv: readonly string[], opts: { stdin: boolean; signal?: AbortSignal }): Promise<ChildProcess> {
    await this.connect(opts.signal);
    return this.spawnRaw(remoteArgv, opts.stdin, opts.signal);
  }

  private async spawnRaw(remoteArgv: readonly string[], stdin: boolean, signal?: AbortSignal): Promise<ChildProcess> {
    const argv = this.commandArgs(remoteArgv);
    const release = await this.slots.acquire(signal);
    if (this.disposed) {
      release();
      throw new Error(`The SSH connection to ${describeTarget(this.target)} was closed.`);
    }
    const child = spawn(this.sshPath, argv, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      this.children.delete(child);
      release();
    };
    child.once('close', done);
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (e) {
      done();
      throw sshSpawnError(e as NodeJS.ErrnoException, this.sshPath);
    }
    child.on('error', () => undefined); // e.g. a kill() that races the exit; 'close' still follows
    return child;
  }

  /** ssh processes this connection started that still run (not counting the background master). */
  get activeProcesses(): number {
    return this.children.size;
  }

  /** Closes the shared connection (`ssh -O exit`), kills every ssh child, removes the socket folder. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const exited = [...this.children].map((child) => stopProcess(child));
    if (this.controlDir && existsSync(join(this.controlDir, 'cm'))) {
      const exit = spawn(this.sshPath, sshExitMasterArgs(this.baseArgs(), this.target), { stdio: 'ignore' });
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          exit.kill('SIGKILL');
          resolve();
        }, 5_000);
        exit.once('close', () => (clearTimeout(t), resolve()));
        exit.once('error', () => (clearTimeout(t), resolve()));
      });
    }
    await Promise.all(exited);
    if (this.controlDir) rmSync(this.controlDir, { recursive: true, force: true });
  }
}

/**
 * Ends an ssh child: SIGTERM, its pipes closed at once (nothing may keep 'close' waiting),
 * SIGKILL if it is still there after 2 s. Resolves when it has exited.
 */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
    for (const s of [child.stdin, child.stdout, child.stderr]) s?.destroy();
  });
}

/** Waits for a child to exit and returns its output (for short commands only). */
export function collect(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

export function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

/** Rejects with an AbortError when signal fires first; the promise itself keeps going. */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** A counting semaphore whose waiters can give up (AbortSignal). */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`invalid semaphore size ${size}`);
    this.free = size;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError());
    const releaser = () => {
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const next = this.waiters.shift();
        if (next) next();
        else this.free++;
      };
    };
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(releaser());
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }
}
