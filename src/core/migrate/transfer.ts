import type { DockerHost } from '../host/dockerHost.js';
import { pipeCommands } from './streams.js';

// Fixed scripts with the folders passed as $1: a path never becomes part of a shell line.
// SEND_FINAL leaves out pre-dump rounds (pd1, pd2...), which pre-copy has shipped already.
const SEND = 'tar -C "$1" -cf - . | gzip -1';
const SEND_FINAL = 'tar -C "$1" --exclude="./pd[0-9]*" -cf - . | gzip -1';
const RECEIVE = 'mkdir -p "$1" && gzip -dc | tar -C "$1" -xf -';

export interface TransferPart {
  /** Only this sub-folder (a pre-dump round, e.g. pd1). */
  subdir?: string;
  /** Everything but the pre-dump rounds. */
  finalOnly?: boolean;
}

/**
 * Streams a checkpoint folder (or one part of it) from the source container's checkpoints
 * into the target container's, where `docker start --checkpoint` finds it. gzip -1 costs
 * little CPU and shrinks CRIU's page images a lot (zero and repeated pages are common).
 */
export async function transferCheckpoint(source: DockerHost, sourceId: string, target: DockerHost, targetId: string, name: string, signal?: AbortSignal, part: TransferPart = {}): Promise<number> {
  const [s, t] = await Promise.all([source.engineContext(), target.engineContext()]);
  const sub = part.subdir ? `/${part.subdir}` : '';
  const from = `${s.dockerRootDir}/containers/${sourceId}/checkpoints/${name}${sub}`;
  const to = `${t.dockerRootDir}/containers/${targetId}/checkpoints/${name}${sub}`;
  return pipeCommands(
    { runner: source.runner, argv: ['sh', '-c', part.finalOnly ? SEND_FINAL : SEND, 'sh', from] },
    { runner: target.runner, argv: ['sh', '-c', RECEIVE, 'sh', to] },
    signal,
  );
}
