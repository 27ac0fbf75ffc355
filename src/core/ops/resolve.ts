import type Docker from 'dockerode';
import type { DockerHost } from '../host/dockerHost.js';
import { assertContainerId, assertContainerRef } from '../names.js';

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
  assertContainerRef(ref);
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

// The container's memory cgroup, read on the host (a fixed script, the pid as $1):
// cgroup v2 memory.current less inactive_file, else v1 usage_in_bytes less total_inactive_file.
const CGROUP_MEMORY = [
  'v2=$(sed -n "s/^0:://p" /proc/"$1"/cgroup)',
  'if [ -n "$v2" ] && [ -f "/sys/fs/cgroup$v2/memory.current" ]; then cat "/sys/fs/cgroup$v2/memory.current" && grep "^inactive_file " "/sys/fs/cgroup$v2/memory.stat";',
  'else v1=$(sed -n "s/^[0-9]*:memory://p" /proc/"$1"/cgroup) && cat "/sys/fs/cgroup/memory$v1/memory.usage_in_bytes" && grep "^total_inactive_file " "/sys/fs/cgroup/memory$v1/memory.stat"; fi',
].join('\n');

/**
 * Memory in use by a running container (cgroup usage less reclaimable page cache), or
 * undefined. Read from the cgroup on the host first: Docker paces its stats endpoint to one
 * answer a second across all callers, which would add up to a second to a checkpoint.
 */
export async function memoryInUse(host: DockerHost, id: string, pid?: number): Promise<number | undefined> {
  if (pid) {
    const r = await host.runner.run(['sh', '-c', CGROUP_MEMORY, 'sh', String(pid)], { privileged: true, timeoutMs: 5_000 });
    const m = r.exitCode === 0 ? r.stdout.match(/^(\d+)\s+(?:total_)?inactive_file (\d+)/m) : null;
    if (m) return Math.max(0, Number(m[1]) - Number(m[2]));
  }
  try {
    const stats = host.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false }) as unknown as Promise<{
      memory_stats?: { usage?: number; stats?: Record<string, number> };
    }>;
    const s = await Promise.race([stats, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2_000).unref())]);
    const usage = s?.memory_stats?.usage;
    if (usage === undefined) return undefined;
    const inactive = s?.memory_stats?.stats?.['inactive_file'] ?? s?.memory_stats?.stats?.['total_inactive_file'] ?? 0;
    return Math.max(0, usage - inactive);
  } catch {
    return undefined;
  }
}
