import type { DockerHost } from '../host/dockerHost.js';

/** Bytes used by a folder on the host (du -sb), or undefined when it cannot be read. */
export async function sizeOnDisk(host: DockerHost, dir: string): Promise<number | undefined> {
  const r = await host.runner.run(['du', '-sb', '--', dir], { privileged: true, timeoutMs: 30_000 });
  const n = Number(r.stdout.split(/\s/)[0]);
  return r.exitCode === 0 && Number.isFinite(n) ? n : undefined;
}
