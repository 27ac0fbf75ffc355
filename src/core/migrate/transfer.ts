import { abortError } from '../exec/localRunner.js';
import { removePreDumpRounds } from '../engines/runcEngine.js';
import type { CommandRunner } from '../exec/runner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { pipeCommands } from './streams.js';

/** How a checkpoint folder is compressed on the wire. */
export type TransferCodec = 'zstd' | 'gzip';
/** What a caller may ask for: 'auto' is zstd when both ends have it, else gzip. */
export type CodecChoice = 'auto' | TransferCodec;

/**
 * Fixed scripts with the folder passed as $1: a path never becomes part of a shell line.
 * sendFinal leaves out pre-dump rounds (pd1, pd2...), which pre-copy has shipped already.
 * zstd -1 because gzip -1 is what limits the transfer (~200 MB/s on a loaded 2-core host;
 * zstd -1 packed the same 256 MiB checkpoint in 0.19 s instead of 1.2-1.5 s, and 6x smaller:
 * docs/benchmarks-migration.md §1); -T0 uses every core, -q keeps stderr for real errors.
 * gzip stays for hosts without zstd (the VM's Debian minbase has only gzip).
 */
export const TRANSFER_SCRIPTS: Readonly<Record<TransferCodec, { readonly send: string; readonly sendFinal: string; readonly receive: string }>> = {
  zstd: {
    send: 'tar -C "$1" -cf - . | zstd -1 -T0 -q -c',
    sendFinal: 'tar -C "$1" --exclude="./pd[0-9]*" -cf - . | zstd -1 -T0 -q -c',
    receive: 'mkdir -p "$1" && zstd -dc -q | tar -C "$1" -xf -',
  },
  gzip: {
    send: 'tar -C "$1" -cf - . | gzip -1',
    sendFinal: 'tar -C "$1" --exclude="./pd[0-9]*" -cf - . | gzip -1',
    receive: 'mkdir -p "$1" && gzip -dc | tar -C "$1" -xf -',
  },
};

/** argv that writes `folder` as a compressed tar on stdout (finalOnly: without pre-dump rounds). */
export function sendArgv(codec: TransferCodec, folder: string, finalOnly = false): string[] {
  const s = TRANSFER_SCRIPTS[codec];
  return ['sh', '-c', finalOnly ? s.sendFinal : s.send, 'sh', folder];
}

/** argv that unpacks what sendArgv wrote into `folder`, creating it. */
export function receiveArgv(codec: TransferCodec, folder: string): string[] {
  return ['sh', '-c', TRANSFER_SCRIPTS[codec].receive, 'sh', folder];
}

/** The codec both ends can run: zstd only when both have it, unless gzip is asked for. */
export function chooseCodec(sourceHasZstd: boolean, targetHasZstd: boolean, wanted: CodecChoice = 'auto'): TransferCodec {
  if (wanted === 'gzip') return 'gzip';
  if (sourceHasZstd && targetHasZstd) return 'zstd';
  if (wanted === 'zstd') throw new CodecUnavailableError([...(sourceHasZstd ? [] : ['the source']), ...(targetHasZstd ? [] : ['the target'])]);
  return 'gzip';
}

export class CodecUnavailableError extends Error {
  constructor(readonly hosts: readonly string[]) {
    super(`zstd was asked for, but ${hosts.join(' and ')} ${hosts.length > 1 ? 'have' : 'has'} no zstd on the PATH: install it there (apt-get install zstd) or use codec 'auto' (falls back to gzip)`);
    this.name = 'CodecUnavailableError';
  }
}

// The transfer runs privileged, so the probe does too: sudo's secure_path is the PATH that
// matters. It prints its answer so that an ssh failure (exit 255, no output) is not taken for
// "no zstd" and cached: that case falls back to gzip once and asks again next time.
const ZSTD_PROBE = 'if command -v zstd >/dev/null 2>&1; then echo yes; else echo no; fi';
// Per runner, i.e. for the DockerHost's lifetime: one probe per host, not one per migration
// or pre-copy round. A host that gets zstd later uses it once Cryo reconnects to it.
const zstdOn = new WeakMap<CommandRunner, Promise<boolean>>();

/**
 * Whether `zstd` is on the host's PATH (asked once per runner). No signal: the answer is
 * shared by every migration on this host, and one being cancelled must not fail another's.
 */
export function hasZstd(runner: CommandRunner): Promise<boolean> {
  const known = zstdOn.get(runner);
  if (known) return known;
  const forget = () => {
    if (zstdOn.get(runner) === asked) zstdOn.delete(runner);
  };
  const asked: Promise<boolean> = runner.run(['sh', '-c', ZSTD_PROBE], { privileged: true, timeoutMs: 30_000 }).then((r) => {
    const answer = r.stdout.trim();
    if (answer !== 'yes' && answer !== 'no') forget();
    return answer === 'yes';
  });
  // A probe that failed (ssh down, timeout) must not stay cached.
  asked.catch(forget);
  zstdOn.set(runner, asked);
  return asked;
}

/** The codec for moving checkpoints from `source` to `target`; 'gzip' asks nothing. */
export async function resolveCodec(source: DockerHost, target: DockerHost, wanted: CodecChoice = 'auto', signal?: AbortSignal): Promise<TransferCodec> {
  if (wanted === 'gzip') return 'gzip';
  const [s, t] = await Promise.all([hasZstd(source.runner), hasZstd(target.runner)]);
  if (signal?.aborted) throw abortError();
  try {
    return chooseCodec(s, t, wanted);
  } catch (e) {
    // The same refusal, with the hosts' names instead of their roles.
    if (e instanceof CodecUnavailableError) throw new CodecUnavailableError([...(s ? [] : [source.name]), ...(t ? [] : [target.name])]);
    throw e;
  }
}

export interface TransferPart {
  /** Only this sub-folder (a pre-dump round, e.g. pd1). */
  subdir?: string;
  /** Everything but the pre-dump rounds. */
  finalOnly?: boolean;
}

export interface TransferResult {
  /** Compressed bytes that went through this process. */
  bytes: number;
  codec: TransferCodec;
}

/**
 * Streams a checkpoint folder (or one part of it) from the source container's checkpoints
 * into the target container's, where `docker start --checkpoint` finds it. Compressed with
 * a fast level: CRIU's page images shrink a lot (zero and repeated pages are common).
 * A migration resolves the codec once, before the freeze, and passes it in.
 */
export async function transferCheckpoint(
  source: DockerHost,
  sourceId: string,
  target: DockerHost,
  targetId: string,
  name: string,
  signal?: AbortSignal,
  part: TransferPart = {},
  codec: CodecChoice = 'auto',
): Promise<TransferResult> {
  const [s, t, c] = await Promise.all([source.engineContext(), target.engineContext(), resolveCodec(source, target, codec, signal)]);
  const sub = part.subdir ? `/${part.subdir}` : '';
  const from = `${s.dockerRootDir}/containers/${sourceId}/checkpoints/${name}${sub}`;
  const to = `${t.dockerRootDir}/containers/${targetId}/checkpoints/${name}${sub}`;
  const bytes = await pipeCommands({ runner: source.runner, argv: sendArgv(c, from, part.finalOnly) }, { runner: target.runner, argv: receiveArgv(c, to) }, { ...(signal ? { signal } : {}), what: `the checkpoint ${name}${sub}` });
  return { bytes, codec: c };
}

/**
 * After a pre-copy that ended with a full dump, the rounds shipped to the target are of no
 * use, and Docker would copy them on restore: remove them (pd1, pd2… in the target folder).
 */
export async function removeShippedRounds(target: DockerHost, targetId: string, name: string): Promise<void> {
  const t = await target.engineContext();
  const dir = `${t.dockerRootDir}/containers/${targetId}/checkpoints/${name}`;
  await removePreDumpRounds(target.runner, dir);
}
