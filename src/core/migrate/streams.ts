import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { diskFullLine } from '../criu/diagnose.js';
import { abortError } from '../exec/localRunner.js';
import type { CommandRunner, StreamingCommand } from '../exec/runner.js';

/** A pass-through that reports how many bytes went by (bytes moved is a migration figure). */
export function countBytes(onChunk: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onChunk(chunk.length);
      done(null, chunk);
    },
  });
}

export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

/**
 * How long a transfer may go without moving a byte before it is cut (issue #9): a receiver
 * that stopped reading, a hung ssh connection or a stuck tar otherwise keeps a migration,
 * and the container frozen behind it, waiting forever. An IDLE limit, not a total one: a
 * 50 GB volume is never cut for being long. Mutable so that tests can shorten it.
 */
export const TRANSFER_LIMITS = { idleMs: 60_000 };

export interface PipeOptions {
  signal?: AbortSignal;
  /** What moves, for messages: "the checkpoint", "volume db-data"… */
  what?: string;
  /** Overrides TRANSFER_LIMITS.idleMs. */
  idleMs?: number;
}

/**
 * Runs `from` on one host and `to` on another, piping stdout into stdin through this
 * process only (never to disk here). Throws if either side exits non-zero, or when no byte
 * moved for the idle limit (both sides are then killed).
 */
export async function pipeCommands(
  src: { runner: CommandRunner; argv: readonly string[] },
  dst: { runner: CommandRunner; argv: readonly string[] },
  signalOrOptions?: AbortSignal | PipeOptions,
): Promise<number> {
  const opts: PipeOptions = signalOrOptions instanceof AbortSignal ? { signal: signalOrOptions } : (signalOrOptions ?? {});
  const signal = opts.signal;
  const a: StreamingCommand = src.runner.spawnStream(src.argv, { privileged: true });
  const b: StreamingCommand = dst.runner.spawnStream(dst.argv, { privileged: true });
  let bytes = 0;
  const kill = () => {
    a.kill();
    b.kill();
  };
  signal?.addEventListener('abort', kill, { once: true });
  const idle = watchIdle(opts.idleMs ?? TRANSFER_LIMITS.idleMs, () => {
    kill();
    // Backpressure tells which side hangs: bytes waiting to be written mean the receiver stopped reading.
    const receiverStuck = (b.stdin as Partial<Writable>).writableNeedDrain === true;
    const stuck = receiverStuck ? `the receiving side on ${dst.runner.where} stopped reading` : `nothing came from the sending side on ${src.runner.where}`;
    return new TransferError(
      `${opts.what ?? 'the transfer'} from ${src.runner.where} to ${dst.runner.where} stalled: no byte moved for ${Math.round(idle.limitMs / 1000)} s after ${bytes} bytes (${stuck}); ` +
        'cut so that the container is not left frozen. Check the hosts (disk, load, the ssh connection) and retry.',
    );
  });
  try {
    await pipeline(a.stdout, countBytes((n) => {
      bytes += n;
      idle.touch();
    }), b.stdin).catch((e: Error) => {
      kill();
      throw idle.error ?? new TransferError(`transfer broke: ${e.message}`);
    });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    if (signal?.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
    if (idle.error) throw idle.error;
    if (ra.exitCode !== 0) throw new TransferError(`sending side failed on ${src.runner.where} (exit ${ra.exitCode}): ${why(ra)}`);
    if (rb.exitCode !== 0) throw new TransferError(`receiving side failed on ${dst.runner.where} (exit ${rb.exitCode}): ${why(rb, dst.runner.where)}`);
    return bytes;
  } finally {
    idle.stop();
    signal?.removeEventListener('abort', kill);
  }
}

/** ssh's 255 with nothing said: its connection died under the command (a cut master, a dropped network). */
function why(r: { exitCode: number; stderr: string }, where?: string): string {
  const text = r.stderr.trim();
  const full = where === undefined ? undefined : diskFullLine(text);
  if (full) return `the disk there is full (${full}). Free space on ${where} (old checkpoints, unused images and containers: docker system df) and try again`;
  return text || (r.exitCode === 255 ? 'the ssh connection was lost mid-transfer' : 'no message');
}

export interface IdleWatch {
  readonly limitMs: number;
  /** Set once the limit passed (what onIdle returned). */
  readonly error: Error | undefined;
  /** Something moved: the clock starts again. */
  touch(): void;
  stop(): void;
}

/**
 * Calls onIdle (once) when touch() was not called for limitMs; a pure timer, so that the
 * logic is testable with fake streams. Checks at a quarter of the limit rather than
 * re-arming a timer per chunk (a transfer moves thousands of chunks a second).
 */
export function watchIdle(limitMs: number, onIdle: () => Error, now: () => number = Date.now): IdleWatch {
  let last = now();
  let error: Error | undefined;
  const timer = setInterval(() => {
    if (error || now() - last < limitMs) return;
    clearInterval(timer);
    error = onIdle();
  }, Math.max(10, Math.floor(limitMs / 4)));
  timer.unref?.();
  return {
    limitMs,
    get error() {
      return error;
    },
    touch: () => {
      last = now();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Streams `from` (an HTTP response from one daemon: an archive, a saved image) into `consume`
 * (a request to another daemon), counting bytes. Both ends are watched: when the source breaks
 * mid-stream, the request is aborted at once instead of waiting forever for the rest (with the
 * container frozen); when the request fails, the source is torn down.
 */
export async function streamInto<T>(
  what: string,
  from: NodeJS.ReadableStream,
  consume: (body: Readable, abort: AbortSignal) => Promise<T>,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const counted = countBytes(onBytes);
  const flow = pipeline(from, counted).catch((e: Error) => {
    throw new TransferError(`${what}: the stream broke (${e.message})`);
  });
  const used = consume(counted, ac.signal);
  try {
    const [, result] = await Promise.all([flow, used]);
    return result;
  } catch (e) {
    // When the source broke, the consumer often fails first with a bare "aborted": name the cause.
    const broke: unknown = await Promise.race([flow.then(() => undefined, (f: unknown) => f), new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    ac.abort();
    counted.destroy();
    (from as Partial<Readable>).destroy?.();
    flow.catch(() => undefined);
    used.catch(() => undefined);
    if (signal?.aborted) throw abortError();
    throw broke ?? e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
