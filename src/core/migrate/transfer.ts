import type { DockerHost } from '../host/dockerHost.js';
import { pipeCommands } from './streams.js';

// Fixed scripts with the folder passed as $1: the path never becomes part of a shell line.
const SEND = 'tar -C "$1" -cf - . | gzip -1';
const SEND_RAW = 'tar -C "$1" -cf - .';
const RECEIVE = 'mkdir -p "$1" && gzip -dc | tar -C "$1" -xf -';
const RECEIVE_RAW = 'mkdir -p "$1" && tar -C "$1" -xf -';

/**
 * Streams a checkpoint folder from the source container's checkpoints into the target
 * container's, where `docker start --checkpoint` finds it. Compressed when it crosses a
 * network (ssh); plain between daemons of one machine, where gzip would only cost CPU.
 */
export async function transferCheckpoint(source: DockerHost, sourceId: string, target: DockerHost, targetId: string, name: string, signal?: AbortSignal): Promise<number> {
  const [s, t] = await Promise.all([source.engineContext(), target.engineContext()]);
  const from = `${s.dockerRootDir}/containers/${sourceId}/checkpoints/${name}`;
  const to = `${t.dockerRootDir}/containers/${targetId}/checkpoints/${name}`;
  const compress = source.runner.where !== 'local' || target.runner.where !== 'local';
  return pipeCommands(
    { runner: source.runner, argv: ['sh', '-c', compress ? SEND : SEND_RAW, 'sh', from] },
    { runner: target.runner, argv: ['sh', '-c', compress ? RECEIVE : RECEIVE_RAW, 'sh', to] },
    signal,
  );
}
