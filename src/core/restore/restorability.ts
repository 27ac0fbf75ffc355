import type { Feature } from '../probe/capabilities.js';

/**
 * Whether and how a checkpoint of a container can come back on a host, decided BEFORE
 * anything is frozen (checkpoint without leave-running, migration, periodic versions).
 * Pure: the facts are gathered in assess.ts, so every branch is unit-tested.
 *
 * Verified on Docker 28.5.2 (moby issue 50750): `docker start --checkpoint` fails for a
 * container with its own network namespace, but restores in place a container in
 * `container:<other>` network mode, one created with NetworkDisabled, and one in host
 * network mode. Anything else is restored by recreating it in `container:<holder>` form.
 */
export interface NetworkAttachment {
  name: string;
  /** User-given aliases (Docker's automatic short-id alias removed). */
  aliases: string[];
  /** A static address the user asked for (IPAMConfig); dynamic ones may change. */
  ipv4?: string;
  ipv6?: string;
}

export interface RestoreFacts {
  host: { name: string; dockerVersion?: string; restoreInPlace: Feature; privileged: Feature };
  container: {
    name: string;
    /** HostConfig.NetworkMode: none, host, default, bridge, a network name, container:<ref>. */
    networkMode: string;
    networkDisabled: boolean;
    networks: NetworkAttachment[];
    mounts: { type: string; destination: string }[];
    publishesPorts: boolean;
    /** For container:<ref> mode: the container that owns the network, when it exists. */
    networkOwner?: { name: string; running: boolean; cryoHolder: boolean; networkMode?: string };
  };
}

export type RestoreRoute =
  | { route: 'in-place'; note?: string }
  /** Restored by recreating the container under its name in container:<holder> form. */
  | { route: 'recreate'; changes: string[] }
  | { route: 'refused'; reason: string };

const CARRIED_MOUNTS = new Set(['bind', 'volume', 'tmpfs']);

export function decideRestoreRoute(f: RestoreFacts): RestoreRoute {
  const c = f.container;
  const mode = c.networkMode;
  if (mode.startsWith('container:')) {
    if (!c.networkOwner) return { route: 'refused', reason: `${c.name} shares the network of ${mode.slice(10)}, which no longer exists: Docker cannot start it, with or without a checkpoint.` };
    return c.networkOwner.running || !c.networkOwner.cryoHolder
      ? { route: 'in-place' }
      : { route: 'in-place', note: `its network holder ${c.networkOwner.name} is started first` };
  }
  if (f.host.restoreInPlace.ok) return { route: 'in-place' };
  if (mode === 'host') return { route: 'in-place', note: 'host networking has no network namespace of its own, so Docker restores it in place' };
  if (c.networkDisabled) return { route: 'in-place' };

  const why = f.host.restoreInPlace.reason ?? `Docker on ${f.host.name} cannot restore this container in place`;
  if (!f.host.privileged.ok) {
    return { route: 'refused', reason: `${why}. Cryo can restore it only by recreating the container, which needs root on ${f.host.name} to copy Docker's checkpoint folders: ${f.host.privileged.reason ?? 'not privileged'}.` };
  }
  const odd = c.mounts.find((m) => !CARRIED_MOUNTS.has(m.type));
  if (odd) return { route: 'refused', reason: `${why}, and recreating the container cannot carry its mount ${odd.destination} (type ${odd.type}).` };
  return { route: 'recreate', changes: recreateChanges(c) };
}

/** What the user sees change when the container is recreated in container:<holder> form. */
export function recreateChanges(c: RestoreFacts['container']): string[] {
  const changes = ['new container id (same name, configuration, files and checkpoints)'];
  const mode = c.networkMode === 'default' ? 'bridge' : c.networkMode;
  changes.push(`network mode ${mode} → container:<holder>: a small Cryo holder container now owns the network${mode === 'none' ? ' (still none)' : ''}`);
  for (const n of c.networks) {
    if (n.name === 'none') continue;
    const kept = n.aliases.length ? `, aliases ${n.aliases.join(', ')} and the name ${c.name} kept on the holder` : `, the name ${c.name} kept as an alias on the holder`;
    changes.push(`${n.name}: ${n.ipv4 ? `static address ${n.ipv4} kept` : 'IP address assigned anew (may differ)'}${kept}`);
  }
  if (c.publishesPorts) changes.push('published ports move to the holder');
  return changes;
}

export type TargetForm = { form: 'plain' } | { form: 'held'; changes: string[]; why: string } | { form: 'refused'; reason: string };

/**
 * How a migration creates its target so that the restore there works: 'held' puts the
 * network in a holder and the target in container:<holder> form. A source already held by
 * a Cryo holder was dumped with its netns external, which only a netns given by path
 * (container:<holder>) can take, whatever the target's Docker.
 */
export function migrationTargetForm(f: RestoreFacts): TargetForm {
  const c = f.container;
  if (c.networkOwner?.cryoHolder) return { form: 'held', changes: recreateChanges({ ...c, networkMode: c.networkOwner.networkMode ?? 'none' }), why: `${c.name}'s network is held by a Cryo holder` };
  const r = decideRestoreRoute(f);
  if (r.route === 'refused') return { form: 'refused', reason: r.reason };
  if (r.route === 'in-place') return { form: 'plain' };
  return { form: 'held', changes: r.changes.filter((x) => !x.startsWith('new container id')), why: f.host.restoreInPlace.reason ?? 'in-place restore is broken there' };
}

/** One line for a dialog: what a restore of this container will do. */
export function describeRoute(r: RestoreRoute): string {
  if (r.route === 'refused') return `Cannot be restored: ${r.reason}`;
  if (r.route === 'in-place') return r.note ? `Restores in place (${r.note}).` : 'Restores in place.';
  return `Restore will recreate the container: ${r.changes.join('; ')}.`;
}
