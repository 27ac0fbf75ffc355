import type Docker from 'dockerode';
import type { DockerHost } from '../host/dockerHost.js';
import type { ResolvedContainer } from '../ops/resolve.js';
import { targetFormFor } from '../restore/assess.js';
import { makeNetnsExternal } from '../restore/criuNetns.js';
import { createHolder, heldCreateOptions, holderOf, planHolder } from '../restore/holder.js';
import { checkpointsDir } from '../restore/recreate.js';
import { PreflightError } from './preflight.js';

/**
 * Migration to a host whose Docker cannot restore into a container with its own netns
 * (Docker 28+, moby 50750), or of a container whose network a Cryo holder owns: the target
 * is created in container:<holder> form, which restores there. Decided in preflight, before
 * anything is frozen; a migration that could not be restored on the target is refused then.
 */
export interface HeldTarget {
  /** Whose network the target's holder copies: the source, or the source's own holder. */
  network: Docker.ContainerInspectInfo;
  /** For the confirmation and the record. */
  description: string;
}

/** No `held`: a plain target restores there. A target that could not restore it is refused (PreflightError). */
export async function planHeldTarget(source: DockerHost, target: DockerHost, c: ResolvedContainer, targetName: string): Promise<{ held?: HeldTarget; problems: string[] }> {
  const form = await targetFormFor(source, c.inspect, target);
  if (form.form === 'refused') throw new PreflightError([`${c.name} could not be restored on ${target.name}: ${form.reason}`]);
  if (form.form === 'plain') return { problems: [] };
  const network = (await holderOf(source, c.inspect))?.inspect ?? c.inspect;
  const plan = planHolder(network, targetName, `${targetName}-cryo-net`, 'cryo-pause');
  const networks = [plan.networkMode, ...plan.extraNetworks.map((n) => n.name)].filter((n) => !['none', 'host', 'default', 'bridge'].includes(n));
  const exists = await Promise.all(networks.map((n) => target.docker.getNetwork(n).inspect().then(() => true, () => false)));
  const problems = networks.filter((_, i) => !exists[i]).map((n) => `Network ${n} does not exist on ${target.name}: create it first.`);
  return { held: { network, description: `The target is created in container:<holder> form (${form.why}): ${form.changes.join('; ')}.` }, problems };
}

/** The holder, then the target container joined to it; on failure nothing is left on the target. */
export async function createHeldTarget(target: DockerHost, held: HeldTarget, create: Docker.ContainerCreateOptions, targetName: string): Promise<{ targetId: string; holderId: string }> {
  const holder = await createHolder(target, held.network, targetName);
  try {
    const created = await target.docker.createContainer(heldCreateOptions(create, holder.id));
    return { targetId: created.id, holderId: holder.id };
  } catch (e) {
    await target.docker.getContainer(holder.id).remove({ force: true }).catch(() => undefined);
    throw e;
  }
}

/** The shipped checkpoint joins the holder's netns on restore (criuNetns.ts). */
export async function prepareHeldRestore(target: DockerHost, targetId: string, checkpoint: string): Promise<void> {
  const { dockerRootDir } = await target.engineContext();
  await makeNetnsExternal(target.runner, `${checkpointsDir(dockerRootDir, targetId)}/${checkpoint}`);
}
