import type Docker from 'dockerode';
import type { DockerHost } from '../host/dockerHost.js';
import { assertContainerId } from '../names.js';

export interface ResolvedContainer {
  id: string;
  name: string;
  image: string;
  running: boolean;
  state: string;
  inspect: Docker.ContainerInspectInfo;
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Looks a container up by name or id, turning Docker's 404 into a sentence a person can act on. */
export async function resolveContainer(host: DockerHost, ref: string): Promise<ResolvedContainer> {
  let inspect: Docker.ContainerInspectInfo;
  try {
    inspect = await host.docker.getContainer(ref).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw new NotFoundError(`No container "${ref}" on host ${host.name}.`);
    throw e;
  }
  return {
    id: assertContainerId(inspect.Id),
    name: inspect.Name.replace(/^\//, ''),
    image: inspect.Config.Image,
    running: inspect.State.Running,
    state: inspect.State.Status,
    inspect,
  };
}

/** Memory in use by a running container (cgroup usage less reclaimable page cache), or undefined. */
export async function memoryInUse(host: DockerHost, id: string): Promise<number | undefined> {
  try {
    const s = (await host.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as {
      memory_stats?: { usage?: number; stats?: Record<string, number> };
    };
    const usage = s.memory_stats?.usage;
    if (usage === undefined) return undefined;
    const inactive = s.memory_stats?.stats?.['inactive_file'] ?? s.memory_stats?.stats?.['total_inactive_file'] ?? 0;
    return Math.max(0, usage - inactive);
  } catch {
    return undefined;
  }
}
