import { abortError } from '../exec/localRunner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { removeWithHolder } from '../restore/holder.js';

export const MEMHOG_IMAGE = 'cryo-memhog:latest';

/** Benchmark containers are named so a person (or a forced cleanup) can find them. */
export const BENCH_PREFIX = 'cryo-bench-';

/**
 * Starts a memhog container (no network) holding sizeMb of anonymous memory and dirtying
 * dirtyPct of it per second, and waits until all of it is resident: memhog writes /count
 * only after touching every page. The caller removes the container (removeContainer).
 */
export async function startMemhog(host: DockerHost, name: string, sizeMb: number, dirtyPct: number, signal?: AbortSignal): Promise<string> {
  if (!name.startsWith(BENCH_PREFIX)) throw new Error(`benchmark container names start with ${BENCH_PREFIX}`);
  const c = await host.docker.createContainer({
    Image: MEMHOG_IMAGE,
    name,
    Cmd: ['/memhog', String(sizeMb), String(dirtyPct)],
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await c.start();
    await waitResident(host, c.id, signal);
  } catch (e) {
    await removeContainer(host, c.id);
    throw e;
  }
  return c.id;
}

/** Polls until memhog prints its first counter line (all pages touched), failing if it exits. */
export async function waitResident(host: DockerHost, id: string, signal?: AbortSignal, timeoutMs = 120_000): Promise<void> {
  const container = host.docker.getContainer(id);
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw abortError();
    // The log API, not the archive's HEAD (dockerode's infoArchive leaves its socket open).
    const logs = await container.logs({ stdout: true, stderr: false, follow: false, tail: 1 });
    if (hasCounterLine(logs)) return;
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`memhog container ${id.slice(0, 12)} stopped (${state.Status}, exit ${state.ExitCode}) before its memory was resident`);
    if (Date.now() > end) throw new Error(`memhog container ${id.slice(0, 12)}: memory not resident after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Docker's non-TTY log stream frames each chunk with an 8-byte header; memhog prints "1\n", "2\n"... */
export function hasCounterLine(logs: Buffer | string): boolean {
  const text = typeof logs === 'string' ? logs : logs.toString('latin1');
  return /(^|[\x00-\x1f])\d+\n/.test(text);
}

/** Removes a benchmark container and, when a restore on Docker 28+ recreated it, its network holder. */
export async function removeContainer(host: DockerHost, id: string): Promise<void> {
  const inspect = await host.docker.getContainer(id).inspect().catch(() => undefined);
  if (!inspect) return;
  await removeWithHolder(host, inspect).catch(() => host.docker.getContainer(id).remove({ force: true }).catch(() => undefined));
}
