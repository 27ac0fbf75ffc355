import type Docker from 'dockerode';
import { runChecked } from '../exec/runner.js';
import type { DockerHost } from '../host/dockerHost.js';

/**
 * Exactly once: a container with a restart policy (always, unless-stopped, on-failure) whose
 * process ends under a runc checkpoint is started again FROM SCRATCH by dockerd a second
 * later (Docker's own checkpoint API marks the container, a runc checkpoint behind its back
 * does not), and a migrated one would then run twice. So the policy is held off ('no') for
 * the freeze and given back once the container runs again from its checkpoint.
 *
 * What was held is kept on the host, in the container's own folder under Docker's data root
 * (Docker ignores the file and removes it with the container), so a restore from the CLI, from
 * another window or after a crash of Cryo still gives the policy back.
 * Verified on Docker 20.10.24 and 28.5.2: `update` takes effect on a running container, and
 * giving 'always' back to a stopped one does not start it.
 */
export interface RestartPolicy {
  Name: string;
  MaximumRetryCount?: number;
}

const FILE = 'cryo-held-restart-policy.json';

function heldPath(rootDir: string, containerId: string): string {
  return `${rootDir}/containers/${containerId}/${FILE}`;
}

/** A policy under which dockerd would start the container again on its own. */
export function restarts(p: RestartPolicy | undefined): p is RestartPolicy {
  return !!p && p.Name !== '' && p.Name !== 'no';
}

/**
 * Before a freeze that ends the process: records the container's policy on the host, then
 * sets it to 'no'. Returns what was held (undefined when the policy restarts nothing).
 */
export async function holdRestartPolicy(host: DockerHost, containerId: string, inspect?: Docker.ContainerInspectInfo): Promise<RestartPolicy | undefined> {
  const info = inspect ?? (await host.docker.getContainer(containerId).inspect());
  const policy = info.HostConfig.RestartPolicy as RestartPolicy | undefined;
  if (!restarts(policy)) return undefined;
  const held: RestartPolicy = { Name: policy.Name, ...(policy.MaximumRetryCount ? { MaximumRetryCount: policy.MaximumRetryCount } : {}) };
  const { dockerRootDir } = await host.engineContext();
  // Written first: if Cryo dies between the two steps, the policy can still be given back.
  await runChecked(host.runner, ['dd', `of=${heldPath(dockerRootDir, containerId)}`, 'status=none'], { privileged: true, input: JSON.stringify(held), timeoutMs: 15_000 });
  try {
    await host.docker.getContainer(containerId).update({ RestartPolicy: { Name: 'no' } });
  } catch (e) {
    await forgetHeldRestartPolicy(host, containerId).catch(() => undefined);
    throw new Error(`Could not hold the restart policy '${held.Name}' of the container off for the freeze (dockerd would restart it from scratch): ${e instanceof Error ? e.message : String(e)}`);
  }
  return held;
}

/** The policy held off by an earlier freeze of this container, if any. */
export async function heldRestartPolicy(host: DockerHost, containerId: string): Promise<RestartPolicy | undefined> {
  const { dockerRootDir } = await host.engineContext();
  const r = await host.runner.run(['cat', '--', heldPath(dockerRootDir, containerId)], { privileged: true, timeoutMs: 15_000 });
  if (r.exitCode !== 0) return undefined;
  try {
    const p = JSON.parse(r.stdout) as RestartPolicy;
    return restarts(p) ? p : undefined;
  } catch {
    return undefined; // A damaged note must not fail a restore: the policy then stays 'no'.
  }
}

export async function forgetHeldRestartPolicy(host: DockerHost, containerId: string): Promise<void> {
  const { dockerRootDir } = await host.engineContext();
  await runChecked(host.runner, ['rm', '-f', '--', heldPath(dockerRootDir, containerId)], { privileged: true, timeoutMs: 15_000 });
}

/**
 * Gives the held policy back to `toId` (the same container, or the one a restore recreated
 * under the same name) and forgets it on `fromId`. Returns the policy's name, for the record.
 */
export async function giveBackRestartPolicy(host: DockerHost, fromId: string, policy: RestartPolicy, toId: string = fromId): Promise<string> {
  await host.docker.getContainer(toId).update({ RestartPolicy: policy });
  await forgetHeldRestartPolicy(host, fromId).catch(() => undefined);
  return policy.Name;
}

/**
 * After a failed freeze: a container that still runs gets its policy back at once; one that
 * stopped keeps 'no' (given back by its restore), so dockerd cannot start it from scratch.
 */
export async function giveBackIfRunning(host: DockerHost, containerId: string, policy: RestartPolicy): Promise<boolean> {
  const running = await host.docker.getContainer(containerId).inspect().then((i) => i.State.Running, () => false);
  if (running) await giveBackRestartPolicy(host, containerId, policy);
  return running;
}
