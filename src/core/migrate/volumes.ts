import type Docker from 'dockerode';
import { runChecked } from '../exec/runner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { pipeCommands } from './streams.js';
import type { TransferCodec } from './transfer.js';

/**
 * Volumes travel with a migration (issue #9). A named volume of the `local` driver is a folder
 * on the source host: it is copied while the container runs (a GNU tar level-0 dump with a
 * snapshot file kept on the source), then, while the container is frozen, only what changed
 * since (a level-1 dump of the same snapshot: changed files whole, and deletions replayed by
 * tar on the target). Before, a volume's content travelled only by accident, when `docker
 * diff` listed its mountpoint; one on a path of the image (a database's /var/lib/mysql) did
 * not travel at all.
 *
 * What cannot travel is named before anything is frozen: bind mounts of host paths, volumes of
 * other drivers, and local volumes with driver options (an NFS share, a bind of a device).
 */
export type VolumeMode = 'copy' | 'skip';

export interface TravellingVolume {
  name: string;
  destination: string;
  /** The folder on the source host. */
  mountpoint: string;
}

export interface StayingMount {
  destination: string;
  /** What it is, as users read it ("bind mount of /srv/x", "volume db (driver nfs)"). */
  what: string;
  why: string;
}

export interface VolumePlan {
  travel: TravellingVolume[];
  stay: StayingMount[];
}

/** Which of the container's mounts can travel and which cannot; reads the source's volumes, changes nothing. */
export async function planVolumes(source: DockerHost, inspect: Docker.ContainerInspectInfo): Promise<VolumePlan> {
  const plan: VolumePlan = { travel: [], stay: [] };
  for (const m of inspect.Mounts) {
    if (m.Type === 'bind') {
      plan.stay.push({ destination: m.Destination, what: `bind mount of ${m.Source}`, why: 'a host path: the target uses its own folder at that path (it must exist there)' });
    } else if (m.Type === 'volume' && m.Name) {
      const v = (await source.docker.getVolume(m.Name).inspect()) as Docker.VolumeInspectInfo & { Options?: Record<string, string> | null };
      const opts = Object.entries(v.Options ?? {});
      if (v.Driver !== 'local') {
        plan.stay.push({ destination: m.Destination, what: `volume ${m.Name} (driver ${v.Driver})`, why: `the ${v.Driver} driver's data is not a folder Cryo can copy; the target needs the same driver and data` });
      } else if (opts.length) {
        plan.stay.push({ destination: m.Destination, what: `volume ${m.Name} (local, ${opts.map(([k, x]) => `${k}=${x}`).join(',')})`, why: 'a local volume with driver options points at a device or share, not a plain folder' });
      } else {
        plan.travel.push({ name: m.Name, destination: m.Destination, mountpoint: v.Mountpoint });
      }
    }
  }
  return plan;
}

/** One line per mount for the plan shown before the freeze. */
export function describeVolumePlan(plan: VolumePlan, mode: VolumeMode): string[] {
  return [
    ...plan.travel.map((v) => (mode === 'copy' ? `Volume ${v.name} (${v.destination}) is copied: while the container runs, then its changes while it is frozen.` : `Volume ${v.name} (${v.destination}) is NOT copied (volumes: skip): the target gets the volume of that name on its host, empty if new.`)),
    ...plan.stay.map((s) => `${s.destination}: ${s.what} cannot travel (${s.why}).`),
  ];
}

/** Preflight on the target: a volume that already exists there with data would be overwritten. */
export async function targetVolumeProblems(target: DockerHost, plan: VolumePlan): Promise<{ problems: string[]; existing: string[] }> {
  const problems: string[] = [];
  const existing: string[] = [];
  for (const v of plan.travel) {
    const there = await target.docker.getVolume(v.name).inspect().catch(() => undefined);
    if (!there) continue;
    existing.push(v.name);
    const r = await target.runner.run(['find', there.Mountpoint, '-mindepth', '1', '-maxdepth', '1', '-print', '-quit'], { privileged: true, timeoutMs: 15_000 });
    if (r.exitCode !== 0 || r.stdout.trim()) {
      problems.push(`Volume ${v.name} already exists on ${target.name}${r.stdout.trim() ? ' and holds data' : ''}: remove it there first, or migrate without copying volumes (volumes: skip) to use it as it is.`);
    }
  }
  return { problems, existing };
}

// Fixed scripts, the paths as $1/$2. --numeric-owner: a database's files belong to uids of the
// container, which the hosts' /etc/passwd may map to other names (or none).
const SEND = 'mkdir -p "$(dirname "$2")" && tar -C "$1" --numeric-owner --listed-incremental="$2" -cf - .';
// --listed-incremental=/dev/null on extraction replays deletions recorded in a level-1 dump.
const RECEIVE = 'tar -C "$1" --numeric-owner --listed-incremental=/dev/null -xf -';
const PACK: Record<TransferCodec, { c: string; d: string }> = { zstd: { c: 'zstd -1 -T0 -q -c', d: 'zstd -dc -q' }, gzip: { c: 'gzip -1', d: 'gzip -dc' } };

export function volumeSendArgv(codec: TransferCodec, mountpoint: string, snapshot: string): string[] {
  return ['sh', '-c', `${SEND} | ${PACK[codec].c}`, 'sh', mountpoint, snapshot];
}

export function volumeReceiveArgv(codec: TransferCodec, mountpoint: string): string[] {
  return ['sh', '-c', `${PACK[codec].d} | ${RECEIVE}`, 'sh', mountpoint];
}

export interface VolumeCopy {
  volumes: TravellingVolume[];
  /** The same volumes' folders on the target (after the target container created them). */
  targetMountpoints: Map<string, string>;
  snapshots: Map<string, string>;
}

/** After the target container is created (which creates missing volumes): where each one lives there. */
export async function prepareVolumeCopy(source: DockerHost, target: DockerHost, volumes: TravellingVolume[], migrationId: string): Promise<VolumeCopy> {
  const targetMountpoints = new Map<string, string>();
  const snapshots = new Map<string, string>();
  for (const v of volumes) {
    targetMountpoints.set(v.name, (await target.docker.getVolume(v.name).inspect()).Mountpoint);
    snapshots.set(v.name, `${source.cryoStateDir}/volume-snapshots/${migrationId}/${v.name}.snar`);
  }
  return { volumes, targetMountpoints, snapshots };
}

/** One pass over every volume: the first is the full copy (running), the next the changes (frozen). Bytes on the wire, per volume. */
export async function copyVolumes(source: DockerHost, target: DockerHost, copy: VolumeCopy, codec: TransferCodec, signal?: AbortSignal): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  for (const v of copy.volumes) {
    bytes.set(v.name, await pipeCommands(
      { runner: source.runner, argv: volumeSendArgv(codec, v.mountpoint, copy.snapshots.get(v.name)!) },
      { runner: target.runner, argv: volumeReceiveArgv(codec, copy.targetMountpoints.get(v.name)!) },
      { ...(signal ? { signal } : {}), what: `volume ${v.name}` },
    ));
  }
  return bytes;
}

/** The snapshot files on the source (always, success or not). */
export async function dropSnapshots(source: DockerHost, migrationId: string): Promise<void> {
  await runChecked(source.runner, ['rm', '-rf', '--', `${source.cryoStateDir}/volume-snapshots/${migrationId}`], { privileged: true, timeoutMs: 30_000 });
}

/** On rollback: the volumes this migration created on the target go with its partial container. */
export async function removeCreatedVolumes(target: DockerHost, names: readonly string[]): Promise<string[]> {
  const notes: string[] = [];
  for (const n of names) {
    await target.docker.getVolume(n).remove().then(
      () => notes.push(`Volume ${n} created on ${target.name} was removed.`),
      (e: Error) => notes.push(`Volume ${n} created on ${target.name} could not be removed (${e.message}).`),
    );
  }
  return notes;
}

/** Paths under any mount: `docker diff` may list them, but their content is not the container's own layer. */
export function underMount(path: string, destinations: readonly string[]): boolean {
  return destinations.some((d) => path === d || path.startsWith(d.endsWith('/') ? d : `${d}/`));
}
