import type Docker from 'dockerode';
import type { DockerHost } from '../host/dockerHost.js';
import { streamInto } from './streams.js';

export interface ImagePlacement {
  /** What the target container is created from: the tag when it names the same image, else the ID. */
  ref: string;
  bytes: number;
  transferred: boolean;
}

async function imageId(host: DockerHost, ref: string): Promise<string | undefined> {
  try {
    return (await host.docker.getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}

/**
 * Makes the source container's exact image (by ID) available on the target: nothing to do
 * when the target has that ID, otherwise `docker save` on the source streamed straight into
 * `docker load` on the target, with no temporary file on this machine.
 */
export async function ensureImage(source: DockerHost, target: DockerHost, inspect: Docker.ContainerInspectInfo, signal?: AbortSignal): Promise<ImagePlacement> {
  const id = inspect.Image;
  const tag = inspect.Config.Image;
  const tagMatchesOnSource = (await imageId(source, tag)) === id;
  if ((await imageId(target, id)) !== undefined) {
    return { ref: tagMatchesOnSource && (await imageId(target, tag)) === id ? tag : id, bytes: 0, transferred: false };
  }
  const ref = tagMatchesOnSource ? tag : id;
  let bytes = 0;
  const saved = (await source.docker.getImage(ref).get()) as NodeJS.ReadableStream;
  const text = await streamInto(
    `copying image ${ref} from ${source.name} to ${target.name}`,
    saved,
    async (body, abortSignal) => {
      const response = (await target.docker.loadImage(body, { abortSignal })) as NodeJS.ReadableStream;
      let out = '';
      for await (const chunk of response as AsyncIterable<Buffer>) out += chunk.toString('utf8');
      return out;
    },
    (n) => (bytes += n),
    signal,
  );
  const error = text.split('\n').map((l) => { try { return (JSON.parse(l) as { error?: string }).error; } catch { return undefined; } }).find(Boolean);
  if (error) throw new Error(`Loading image ${ref} on ${target.name} failed: ${error}`);
  if ((await imageId(target, id)) === undefined) throw new Error(`Image ${ref} did not arrive on ${target.name}`);
  return { ref, bytes, transferred: true };
}
