import type { DockerHost } from '../host/dockerHost.js';
import { UnavailableError } from '../ops/checkpoint.js';
import type { ResolvedContainer } from '../ops/resolve.js';
import { restoreRouteOf } from './assess.js';
import { holderAddresses, startHolderOf } from './holder.js';
import { restoreByRecreating, type RecreateResult } from './recreate.js';
import type { RestoreRoute } from './restorability.js';

/**
 * restore.ts's hook: the route a restore takes on this host, refused with the reason when
 * there is none. A container held by a stopped Cryo holder gets its holder started first.
 */
export async function routeForRestore(host: DockerHost, c: ResolvedContainer): Promise<Exclude<RestoreRoute, { route: 'refused' }>> {
  const route = await restoreRouteOf(host, c.inspect);
  if (route.route === 'refused') throw new UnavailableError(`Cannot restore ${c.name} on ${host.name}: ${route.reason}`);
  if (route.route === 'in-place') await startHolderOf(host, c.inspect);
  return route;
}

/** The recreation, with what changed phrased for the user (the holder named, its addresses now). */
export async function recreatedRestore(
  host: DockerHost,
  c: ResolvedContainer,
  checkpoint: string,
  start: (id: string) => Promise<void>,
  route: Extract<RestoreRoute, { route: 'recreate' }>,
  signal?: AbortSignal,
): Promise<RecreateResult> {
  const r = await restoreByRecreating(host, c, checkpoint, start, signal);
  const holder = (await host.docker.getContainer(r.holderId).inspect()).Name.replace(/^\//, '');
  const addresses = await holderAddresses(host, r.holderId);
  const changes = [
    ...route.changes.map((x) => x.replace('container:<holder>', `container:${holder}`)),
    ...(addresses.length ? [`address now ${addresses.join(', ')}`] : []),
    ...r.changes,
  ];
  return { ...r, changes };
}
