import type Docker from 'dockerode';
import { listCheckpoints } from '../docker/checkpointApi.js';
import { runChecked } from '../exec/runner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { planTargetContainer } from '../migrate/containerSpec.js';
import { containerChanges, copyFsChanges, planFsCopy } from '../migrate/fsDiff.js';
import { underMount } from '../migrate/volumes.js';
import type { ResolvedContainer } from '../ops/resolve.js';
import { makeNetnsExternal } from './criuNetns.js';
import { createHolder, heldCreateOptions } from './holder.js';
import { verifyRunning } from './verify.js';

export interface RecreateResult {
  newId: string;
  holderId: string;
  /** What the user should know changed (shown in the UI and kept in the RestoreRecord). */
  changes: string[];
  /** Time from the start of the recreation to the new container running (ms), per step. */
  stepsMs: Record<'holder' | 'create' | 'files' | 'checkpoints' | 'restore' | 'swap', number>;
}

/** The folder Docker keeps a container's checkpoints in. */
export function checkpointsDir(rootDir: string, id: string): string {
  return `${rootDir}/containers/${id}/checkpoints`;
}

/** The image the old container ran: its tag if that still names the same image, else the image id. */
async function exactImage(host: DockerHost, inspect: Docker.ContainerInspectInfo): Promise<string> {
  const tagged = await host.docker.getImage(inspect.Config.Image).inspect().catch(() => undefined);
  return tagged?.Id === inspect.Image ? inspect.Config.Image : inspect.Image;
}

/**
 * Restores a stopped container whose in-place restore Docker cannot do (moby 50750) by
 * recreating it in container:<holder> form: a holder takes its network (see holder.ts), a new
 * container gets its configuration, its file-system changes and ALL its checkpoints (hard-
 * linked copies, each made to join the holder's netns, criuNetns.ts), and is started from
 * the checkpoint. Only once it runs is the old container removed and the new one renamed
 * to the old name; before that, any failure removes what was made and leaves the old
 * container and its checkpoints exactly as they were.
 *
 * `start` is the restore itself (docker start --checkpoint with restore.ts's retries).
 */
export async function restoreByRecreating(
  host: DockerHost,
  old: ResolvedContainer,
  checkpoint: string,
  start: (id: string) => Promise<void>,
  signal?: AbortSignal,
): Promise<RecreateResult> {
  const ctx = await host.engineContext();
  const stepsMs = { holder: 0, create: 0, files: 0, checkpoints: 0, restore: 0, swap: 0 };
  const timed = async <T>(k: keyof typeof stepsMs, work: () => Promise<T>): Promise<T> => {
    if (signal?.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      stepsMs[k] += performance.now() - t0;
    }
  };
  const changes: string[] = [];
  let holderId: string | undefined;
  let newId: string | undefined;
  try {
    const holder = await timed('holder', () => createHolder(host, old.inspect, old.name));
    holderId = holder.id;
    const tempName = `${old.name}-cryo-new-${Math.random().toString(36).slice(2, 7)}`;
    newId = await timed('create', async () => {
      // Same host: the new container mounts the very same volumes (nothing to copy or warn about).
      const volumes = new Set(old.inspect.Mounts.flatMap((m) => (m.Type === 'volume' && m.Name ? [m.Name] : [])));
      const plan = planTargetContainer(old.inspect, await exactImage(host, old.inspect), tempName, volumes);
      changes.push(...plan.warnings.filter((w) => w.includes('cannot be carried')));
      return (await host.docker.createContainer(heldCreateOptions(plan.create, holder.id))).id;
    });
    const nid = newId;
    await timed('files', async () => {
      // What lies under a mount is not the layer: the new container mounts the same volumes and folders.
      const mounts = old.inspect.Mounts.map((m) => m.Destination);
      const plan = planFsCopy((await containerChanges(host, old.id)).filter((ch) => !underMount(ch.Path, mounts)));
      await copyFsChanges(host, old.id, host, nid, plan, signal);
      if (plan.deleted.length) changes.push(`files deleted in the old container are back (Docker's archive API cannot delete): ${plan.deleted.slice(0, 5).join(', ')}${plan.deleted.length > 5 ? '…' : ''}`);
    });
    await timed('checkpoints', async () => {
      const names = await listCheckpoints(host.docker.getContainer(old.id));
      const from = checkpointsDir(ctx.dockerRootDir, old.id);
      const to = checkpointsDir(ctx.dockerRootDir, nid);
      // Hard links: instant and no extra space; the old folders stay intact because the
      // only file changed (the netns image) is replaced by a new file, never written in place.
      await runChecked(host.runner, ['mkdir', '-p', to], { privileged: true, timeoutMs: 15_000 });
      const args = names.map((n) => `${from}/${n}`);
      const linked = await host.runner.run(['cp', '-al', '--', ...args, `${to}/`], { privileged: true, timeoutMs: 120_000 });
      if (linked.exitCode !== 0) await runChecked(host.runner, ['cp', '-a', '--', ...args, `${to}/`], { privileged: true, timeoutMs: 600_000 });
      for (const n of names) {
        try {
          await makeNetnsExternal(host.runner, `${to}/${n}`);
        } catch (e) {
          if (n === checkpoint) throw e;
          changes.push(`checkpoint ${n} was copied as it was (${e instanceof Error ? e.message : String(e)}); restoring it may fail`);
        }
      }
    });
    await timed('restore', async () => {
      await start(nid);
      await verifyRunning(host, nid);
    });
  } catch (e) {
    if (newId) await host.docker.getContainer(newId).remove({ force: true }).catch(() => undefined);
    if (holderId) await host.docker.getContainer(holderId).remove({ force: true }).catch(() => undefined);
    throw e;
  }
  // The new container runs: only now does the old one go (its anonymous volumes stay: the new one uses them).
  await timed('swap', async () => {
    await host.docker.getContainer(old.id).remove({ force: true });
    await host.docker.getContainer(newId).rename({ name: old.name });
  });
  return { newId, holderId, changes, stepsMs };
}
