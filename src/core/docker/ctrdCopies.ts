import type { CommandRunner } from '../exec/runner.js';

/**
 * containerd (1.6/1.7) copies a checkpoint to /tmp/ctrd-checkpoint<random> for every restore
 * and never removes it. Several restores can run on a host at once (other windows, the CLI,
 * the probe), so a restore must remove only its own copies: a copy belongs to the container
 * whose full id appears in its cgroup.img (CRIU records the container's cgroup path,
 * .../docker/<id> or docker-<id>.scope).
 */
export async function removeContainerdCopiesOf(runner: CommandRunner, containerId: string): Promise<string[]> {
  if (!/^[0-9a-f]{64}$/.test(containerId)) throw new Error(`not a full container id: ${JSON.stringify(containerId)}`);
  const found = await runner.run(
    ['find', '/tmp', '-mindepth', '2', '-maxdepth', '2', '-path', '/tmp/ctrd-checkpoint*/cgroup.img', '-exec', 'grep', '-l', '-F', '-e', containerId, '--', '{}', '+'],
    { privileged: true, timeoutMs: 15_000 },
  );
  const dirs = found.stdout
    .split('\n')
    .filter((p) => /^\/tmp\/ctrd-checkpoint[^/]*\/cgroup\.img$/.test(p))
    .map((p) => p.slice(0, -'/cgroup.img'.length));
  if (dirs.length) await runner.run(['rm', '-rf', '--', ...dirs], { privileged: true, timeoutMs: 60_000 });
  return dirs;
}
