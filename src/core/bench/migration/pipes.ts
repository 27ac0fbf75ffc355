import { abortError } from '../../exec/localRunner.js';
import type { CommandRunner } from '../../exec/runner.js';
import type { DockerHost } from '../../host/dockerHost.js';
import { pipeCommands } from '../../migrate/streams.js';
import { receiveArgv, resolveCodec, sendArgv, type TransferCodec } from '../../migrate/transfer.js';
import type { MigrationRecord } from '../../migrate/types.js';
import { sizeOnDisk } from '../../ops/sizes.js';
import { newRecordId } from '../../records.js';
import { shellQuote } from '../../ssh/quote.js';
import { SshRunner } from '../../ssh/sshRunner.js';
import type { SshOptions, SshTarget } from '../../ssh/target.js';
import type { PipeMethod } from './params.js';

// The transfer-throughput side of the migration benchmark: a checkpoint folder a
// stop-and-copy move left on the source, copied again to the target and timed alone, so
// Cryo's transfer can be held against what a person would type:
//   raw-pipe         tar -C dir -cf - . | gzip -1 | ssh B 'gzip -dc | tar -C dst -xf -'
//   raw-pipe-nogzip  tar -C dir -cf - . | ssh B 'tar -C dst -xf -'
//   cryo-pipe        transfer.ts's scripts with the codec Cryo's transfer picks (zstd -1 when
//                    both hosts have zstd, else gzip -1) through Cryo's own transport
//                    (pipeCommands: the host runners, multiplexed ssh, this process relaying)
// Raw pipes use a fresh ssh connection (ControlPath=none), as a person would type them; the
// raw pipe stays gzip -1, the baseline a person would use. Every record carries its codec.

/** Where one end of a raw pipe runs: on this machine, or behind a plain (unmultiplexed) ssh. */
export type PipeEnd = { kind: 'local' } | { kind: 'ssh'; argv: readonly string[] };

/**
 * ssh argv a person would type for this target: the same key, config and known_hosts as
 * Cryo, but a fresh connection of its own (no ControlMaster), so the pipe pays what a manual
 * copy pays and nothing of Cryo's connection sharing.
 */
export function plainSshArgv(target: SshTarget, options: SshOptions): string[] {
  const argv = ['ssh'];
  if (options.sshConfigFile) argv.push('-F', options.sshConfigFile);
  argv.push('-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none');
  if (options.identityFile) argv.push('-i', options.identityFile, '-o', 'IdentitiesOnly=yes');
  if (options.knownHostsFile) argv.push('-o', `UserKnownHostsFile=${options.knownHostsFile}`);
  if (target.user) argv.push('-l', target.user);
  if (target.port) argv.push('-p', String(target.port));
  argv.push('-T', '--', target.host);
  return argv;
}

export function pipeEndOf(host: DockerHost): PipeEnd {
  if (host.runner instanceof SshRunner) return { kind: 'ssh', argv: plainSshArgv(host.runner.connection.target, host.runner.connection.options) };
  return { kind: 'local' };
}

/**
 * The shell line of a raw pipe: the folder as tar (gzip -1 when asked) from one end into
 * the other. The destination folder must exist. Every path is quoted; a remote script is
 * quoted once more for ssh's command string.
 */
export function rawPipeLine(src: PipeEnd, from: string, dst: PipeEnd, to: string, gzip: boolean): string {
  const send = `tar -C ${shellQuote(from)} -cf - .${gzip ? ' | gzip -1' : ''}`;
  const receive = `${gzip ? 'gzip -dc | ' : ''}tar -C ${shellQuote(to)} -xf -`;
  const at = (end: PipeEnd, script: string) => (end.kind === 'local' ? script : `${end.argv.map(shellQuote).join(' ')} ${shellQuote(script)}`);
  return `set -o pipefail; ${at(src, send)} | ${at(dst, receive)}`;
}

/**
 * Copies `folder` on `from` into `dest` on `to` by `method` and times only that copy. The
 * result is a MigrationRecord whose only phase is `transfer`; a failed copy is its record.
 * `dest` is emptied before and removed after.
 */
export async function timePipe(method: PipeMethod, from: DockerHost, to: DockerHost, folder: string, dest: string, local: CommandRunner, tags: Record<string, string | number | boolean>, container: string, signal?: AbortSignal): Promise<MigrationRecord> {
  if (signal?.aborted) throw abortError();
  await to.runner.run(['rm', '-rf', '--', dest], { privileged: true, timeoutMs: 120_000 });
  await to.runner.run(['mkdir', '-p', '--', dest], { privileged: true, timeoutMs: 10_000 });
  // cryo-pipe: the codec a migration between these hosts would use, chosen (and cached) before the clock starts.
  const cryoCodec = method === 'cryo-pipe' ? await resolveCodec(from, to, 'auto', signal) : undefined;
  const codec: TransferCodec | undefined = cryoCodec ?? (method === 'raw-pipe' ? 'gzip' : undefined);
  const started = new Date();
  const t0 = performance.now();
  let wire = 0;
  let error: string | undefined;
  try {
    if (cryoCodec) {
      wire = await pipeCommands({ runner: from.runner, argv: sendArgv(cryoCodec, folder) }, { runner: to.runner, argv: receiveArgv(cryoCodec, dest) }, signal);
    } else {
      const line = rawPipeLine(pipeEndOf(from), folder, pipeEndOf(to), dest, method === 'raw-pipe');
      const r = await local.run(['bash', '-c', line], { ...(signal ? { signal } : {}), timeoutMs: 30 * 60_000 });
      if (r.exitCode !== 0) error = `exit ${r.exitCode}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const ms = performance.now() - t0;
  const copied = error ? undefined : await sizeOnDisk(to, dest);
  await to.runner.run(['rm', '-rf', '--', dest], { privileged: true, timeoutMs: 120_000 });
  const rec: MigrationRecord = {
    kind: 'migration',
    id: newRecordId(started),
    host: from.name,
    source: from.name,
    target: to.name,
    container,
    startedAt: started.toISOString(),
    phasesMs: { transfer: ms },
    bytes: { image: 0, filesystem: 0, checkpoint: wire },
    ...(codec ? { codec } : {}),
    totalMs: ms,
    outcome: error ? 'failed' : 'ok',
    warnings: [`${method}: only the transfer of the checkpoint folder is timed${method === 'cryo-pipe' ? '' : ' (wire bytes not counted)'}`],
    tags: { ...tags, ...(copied !== undefined ? { copiedBytes: copied } : {}) },
    ...(error ? { error } : {}),
  };
  return rec;
}
