import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
 * Runs `from` on one host and `to` on another, piping stdout into stdin through this
 * process only (never to disk here). Throws if either side exits non-zero.
 */
export async function pipeCommands(
  src: { runner: CommandRunner; argv: readonly string[] },
  dst: { runner: CommandRunner; argv: readonly string[] },
  signal?: AbortSignal,
): Promise<number> {
  const a: StreamingCommand = src.runner.spawnStream(src.argv, { privileged: true });
  const b: StreamingCommand = dst.runner.spawnStream(dst.argv, { privileged: true });
  let bytes = 0;
  const onAbort = () => {
    a.kill();
    b.kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await pipeline(a.stdout, countBytes((n) => (bytes += n)), b.stdin).catch((e: Error) => {
      a.kill();
      b.kill();
      throw new TransferError(`transfer broke: ${e.message}`);
    });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    if (signal?.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
    if (ra.exitCode !== 0) throw new TransferError(`sending side failed on ${src.runner.where} (exit ${ra.exitCode}): ${ra.stderr.trim()}`);
    if (rb.exitCode !== 0) throw new TransferError(`receiving side failed on ${dst.runner.where} (exit ${rb.exitCode}): ${rb.stderr.trim()}`);
    return bytes;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
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
