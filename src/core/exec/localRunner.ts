import { spawn } from 'node:child_process';
import { execa } from 'execa';
import type { CommandRunner, RunOptions, RunResult, StreamingCommand } from './runner.js';

/** Runs commands on this machine with execa (no shell). */
export class LocalRunner implements CommandRunner {
  readonly where = 'local';
  private readonly isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const r = await this.exec(argv, options, 'utf8');
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode };
  }

  async runBinary(argv: readonly string[], options: RunOptions = {}) {
    const r = await this.exec(argv, options, 'buffer');
    return { stdout: Buffer.from(r.stdout as Uint8Array), stderr: Buffer.from(r.stderr as Uint8Array).toString('utf8'), exitCode: r.exitCode };
  }

  spawnStream(argv: readonly string[], options: Pick<RunOptions, 'signal' | 'privileged'> = {}): StreamingCommand {
    const [file, ...args] = this.withPrivilege(argv, options.privileged);
    if (!file) throw new Error('empty command');
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.signal ? { signal: options.signal } : {}) });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64_000) stderr += d.toString('utf8');
    });
    // A consumer that stops reading early must not crash the process with EPIPE.
    child.stdin.on('error', () => undefined);
    const done = new Promise<{ exitCode: number; stderr: string }>((resolve) => {
      child.on('error', (e) => resolve({ exitCode: 127, stderr: `${stderr}${e.message}` }));
      child.on('close', (code, sig) => resolve({ exitCode: code ?? (sig ? 128 : 1), stderr }));
    });
    return { stdin: child.stdin, stdout: child.stdout, done, kill: () => child.kill('SIGKILL') };
  }

  private withPrivilege(argv: readonly string[], privileged?: boolean): string[] {
    return privileged && !this.isRoot ? ['sudo', '-n', '--', ...argv] : [...argv];
  }

  private async exec(argv: readonly string[], options: RunOptions, encoding: 'utf8' | 'buffer') {
    const [file, ...args] = this.withPrivilege(argv, options.privileged);
    if (!file) throw new Error('empty command');
    const r = await execa(file, args, {
      reject: false,
      encoding,
      stripFinalNewline: false,
      ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    });
    if (r.isCanceled) throw abortError();
    if (r.exitCode === undefined) {
      // Spawn failure (ENOENT...) or killed by timeout: report it as exit 127/124 with the reason.
      const reason = r.timedOut ? `timed out after ${options.timeoutMs} ms` : r.shortMessage;
      return { stdout: r.stdout, stderr: `${String(r.stderr)}${reason}`, exitCode: r.timedOut ? 124 : 127 };
    }
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }
}

export function abortError(): Error {
  const e = new Error('Cancelled');
  e.name = 'AbortError';
  return e;
}
