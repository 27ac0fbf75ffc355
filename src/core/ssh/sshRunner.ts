import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { abortError } from '../exec/localRunner.js';
import type { CommandRunner, RunOptions, RunResult, StreamingCommand } from '../exec/runner.js';
import { SshConnection, stopProcess } from './connection.js';
import { classifySshFailure, SshError } from './errors.js';
import type { SshOptions, SshTarget } from './target.js';

const STDERR_LIMIT = 64 * 1024;

/**
 * The limit on a remote command whose caller gave none (issue #9): a hung host or a command
 * stuck on I/O must not keep an operation, and a frozen container behind it, waiting forever.
 * Generous; commands that legitimately run long (a dump, a big copy) pass their own
 * (LONG_COMMAND_MS). Mutable for tests. Streams (spawnStream) are bounded by their consumer's idle limit instead.
 */
export const SSH_LIMITS = { commandMs: 120_000 };

/**
 * Runs argv on a remote host through the system OpenSSH client (so ~/.ssh/config,
 * agents, ProxyJump and known_hosts all apply), over one shared connection.
 * Every argument is shell-quoted for the remote shell (see quote.ts).
 *
 * Like LocalRunner, run() resolves with the exit code; when ssh itself fails (exit 255
 * with a known message: host key, unreachable, auth) the result says so in stderr.
 * Use connect() to get that failure as a typed SshError instead.
 */
export class SshRunner implements CommandRunner {
  readonly where: string;

  constructor(readonly connection: SshConnection) {
    this.where = connection.where;
  }

  static create(target: SshTarget, options: SshOptions = {}): SshRunner {
    return new SshRunner(new SshConnection(target, options));
  }

  /** Connects (or reuses the connection); rejects with SshError when it cannot. */
  async connect(signal?: AbortSignal): Promise<void> {
    await this.connection.connect(signal);
  }

  /** Whether the remote account is root (from the `id -u` of the first connection). */
  async isRoot(): Promise<boolean> {
    return (await this.connection.connect()).uid === 0;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const r = await this.exec(argv, options);
    return { stdout: r.stdout.toString('utf8'), stderr: r.stderr, exitCode: r.exitCode };
  }

  runBinary(argv: readonly string[], options: RunOptions = {}): Promise<{ stdout: Buffer; stderr: string; exitCode: number }> {
    return this.exec(argv, options);
  }

  /**
   * Starts argv remotely with stdin and stdout as streams (returns at once; the process
   * starts once the connection is up). `done` never rejects: when the host cannot be
   * reached it resolves with exit 255 and the reason, and stdout simply ends.
   * Example, a folder as a tar stream into a local file:
   *   const p = runner.spawnStream(['tar', '-C', dir, '-cf', '-', '.'], { privileged: true });
   *   p.stdin.end(); await pipeline(p.stdout, createWriteStream(file)); const { exitCode, stderr } = await p.done;
   */
  spawnStream(argv: readonly string[], options: Pick<RunOptions, 'signal' | 'privileged'> = {}): StreamingCommand {
    if (argv.length === 0) throw new Error('empty command');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let child: ChildProcess | undefined;
    let killed = false;
    const kill = () => {
      killed = true;
      if (child) void stopProcess(child);
    };
    options.signal?.addEventListener('abort', kill, { once: true });
    const fail = (exitCode: number, stderr: string) => {
      stdin.resume(); // whatever a writer still sends goes nowhere
      stdout.end();
      return { exitCode, stderr };
    };
    const done = (async (): Promise<{ exitCode: number; stderr: string }> => {
      try {
        child = await this.start(argv, options.privileged ?? false, true, options.signal);
      } catch (e) {
        if (e instanceof SshError) return fail(e.kind === 'no-client' ? 127 : 255, e.message);
        return fail(130, e instanceof Error ? e.message : String(e)); // aborted before it started
      }
      if (killed) void stopProcess(child);
      const stderr = captureStderr(child);
      child.stdin!.on('error', () => undefined); // EPIPE when the remote side exits early
      // stdin keeps pipe(): when the remote side exits early, what a writer still sends is
      // drained below and the exit code tells why. stdout goes through pipeline so that a
      // broken ssh stream errors the reader instead of leaving it waiting for an end.
      stdin.pipe(child.stdin!);
      pipeline(child.stdout!, stdout).catch(() => undefined);
      const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child!.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s])));
      stdin.unpipe(child.stdin!);
      stdin.resume();
      return this.result(code, sig, stderr());
    })().finally(() => options.signal?.removeEventListener('abort', kill));
    return { stdin, stdout, done, kill };
  }

  /** Closes the shared connection and kills every ssh process it started. */
  dispose(): Promise<void> {
    return this.connection.dispose();
  }

  private async start(argv: readonly string[], privileged: boolean, stdin: boolean, signal?: AbortSignal): Promise<ChildProcess> {
    if (argv.length === 0) throw new Error('empty command');
    const id = await this.connection.connect(signal);
    const full = privileged && id.uid !== 0 ? ['sudo', '-n', '--', ...argv] : [...argv];
    return this.connection.open(full, { stdin, ...(signal ? { signal } : {}) });
  }

  private async exec(argv: readonly string[], options: RunOptions): Promise<{ stdout: Buffer; stderr: string; exitCode: number }> {
    if (options.signal?.aborted) throw abortError();
    // The timeout covers waiting for the connection and a session slot too.
    const timeoutMs = options.timeoutMs ?? SSH_LIMITS.commandMs;
    const timeout = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => timeout.abort(), timeoutMs) : undefined;
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    const timedOut = () => timeout.signal.aborted && !options.signal?.aborted;
    const timedOutResult = () => ({ stdout: Buffer.alloc(0), stderr: `timed out after ${timeoutMs} ms on ${this.where}: ${argv[0] ?? '?'} did not finish (the host may be hung or overloaded)`, exitCode: 124 });
    try {
      let child: ChildProcess;
      try {
        child = await this.start(argv, options.privileged ?? false, options.input !== undefined, signal);
      } catch (e) {
        if (timedOut()) return timedOutResult();
        if (e instanceof SshError) return { stdout: Buffer.alloc(0), stderr: e.message, exitCode: e.kind === 'no-client' ? 127 : 255 };
        throw e;
      }
      const onAbort = () => void stopProcess(child);
      signal.addEventListener('abort', onAbort, { once: true });
      const out: Buffer[] = [];
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      const stderr = captureStderr(child);
      if (options.input !== undefined) {
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(options.input);
      }
      const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s])));
      signal.removeEventListener('abort', onAbort);
      if (timedOut()) return timedOutResult();
      if (options.signal?.aborted) throw abortError();
      return { stdout: Buffer.concat(out), ...this.result(code, sig, stderr()) };
    } finally {
      clearTimeout(timer);
    }
  }

  private result(code: number | null, signal: NodeJS.Signals | null, stderr: string): { exitCode: number; stderr: string } {
    const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
    if (exitCode === 255) {
      // Possibly the shared connection died (ssh's own 255): the next command goes through a new one.
      this.connection.noteLost();
      const err = classifySshFailure(stderr, this.connection.target, this.connection.options);
      if (err) return { exitCode, stderr: err.message };
    }
    return { exitCode, stderr };
  }
}

function captureStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    if (text.length < STDERR_LIMIT) text += c;
  });
  return () => text;
}
