import { execa } from 'execa';
import type { CommandRunner, RunOptions, RunResult } from './runner.js';

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

  private async exec(argv: readonly string[], options: RunOptions, encoding: 'utf8' | 'buffer') {
    const full = options.privileged && !this.isRoot ? ['sudo', '-n', '--', ...argv] : [...argv];
    const [file, ...args] = full;
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
