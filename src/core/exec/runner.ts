/**
 * Everything Cryo runs on a Docker host (runc, criu, du, cp...) goes through a
 * CommandRunner, so the same engine code works for the local machine and, later,
 * for a host reached over SSH. Commands are argv arrays: no shell ever sees them.
 */
export interface RunOptions {
  /** Aborts the command (and kills the process) when signalled. */
  signal?: AbortSignal;
  /** Bytes written to the command's stdin. */
  input?: string | Buffer;
  /** Ends the command past this many ms (exit 124). Over ssh a default applies (SSH_LIMITS); 0 = none. */
  timeoutMs?: number;
  /** Run with root rights on the host (directly when already root, else `sudo -n`). */
  privileged?: boolean;
}

/** For commands that legitimately run long (a CRIU dump of a big container): still bounded. */
export const LONG_COMMAND_MS = 60 * 60_000;

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A command whose stdin/stdout are streams: moving checkpoints and images between hosts. */
export interface StreamingCommand {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  /** Settles when the process ends, with its exit code and stderr text (never rejects). */
  done: Promise<{ exitCode: number; stderr: string }>;
  kill(): void;
}

export interface CommandRunner {
  /** A short description for messages, e.g. "local" or "ssh root@host:2222". */
  readonly where: string;
  /** Runs argv; resolves with the exit code instead of throwing on non-zero exit. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Like run, but returns stdout as raw bytes (binary files such as CRIU's stats-dump). */
  runBinary(argv: readonly string[], options?: RunOptions): Promise<{ stdout: Buffer; stderr: string; exitCode: number }>;
  /** Starts argv with piped stdin/stdout, for data too large to buffer. */
  spawnStream(argv: readonly string[], options?: Pick<RunOptions, 'signal' | 'privileged'>): StreamingCommand;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
    readonly where: string,
  ) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    super(`${argv[0] ?? '?'} failed on ${where} (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
    this.name = 'CommandError';
  }
}

/** Runs argv and throws CommandError on a non-zero exit. */
export async function runChecked(runner: CommandRunner, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
  const result = await runner.run(argv, options);
  if (result.exitCode !== 0) throw new CommandError(argv, result, runner.where);
  return result;
}
