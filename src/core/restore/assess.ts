import type Docker from 'dockerode';
import type { DockerHost } from '../host/dockerHost.js';
import { UnavailableError } from '../ops/checkpoint.js';
import { holderOf, networkAttachments } from './holder.js';
import { decideRestoreRoute, migrationTargetForm, type RestoreFacts, type RestoreRoute, type TargetForm } from './restorability.js';

/** The facts decideRestoreRoute needs, read from the host's probe and the container's inspect data. */
export async function restoreFacts(host: DockerHost, inspect: Docker.ContainerInspectInfo, onHost: DockerHost = host): Promise<RestoreFacts> {
  const report = await onHost.capabilities();
  // The behaviour test's answer (waited for): a container is about to be frozen on it.
  const restoreInPlace = await onHost.restoreInPlace();
  const mode = String(inspect.HostConfig?.NetworkMode ?? 'default');
  const container: RestoreFacts['container'] = {
    name: inspect.Name.replace(/^\//, ''),
    networkMode: mode,
    networkDisabled: (inspect.Config as { NetworkDisabled?: boolean }).NetworkDisabled === true,
    networks: networkAttachments(inspect),
    mounts: (inspect.Mounts ?? []).map((m) => ({ type: String(m.Type), destination: m.Destination })),
    publishesPorts: Object.keys(inspect.HostConfig?.PortBindings ?? {}).length > 0,
  };
  if (mode.startsWith('container:')) {
    const holder = await holderOf(host, inspect);
    if (holder) {
      container.networkOwner = { name: holder.name, running: holder.running, cryoHolder: true, networkMode: String(holder.inspect.HostConfig?.NetworkMode ?? 'none') };
      container.networks = networkAttachments(holder.inspect);
      container.publishesPorts = Object.keys(holder.inspect.HostConfig?.PortBindings ?? {}).length > 0;
    } else {
      const owner = await host.docker.getContainer(mode.slice('container:'.length)).inspect().catch(() => undefined);
      if (owner) container.networkOwner = { name: owner.Name.replace(/^\//, ''), running: owner.State.Running, cryoHolder: false };
    }
  }
  const facts: RestoreFacts = { host: { name: onHost.name, restoreInPlace, privileged: report.privileged }, container };
  if (report.raw.docker.version) facts.host.dockerVersion = report.raw.docker.version;
  return facts;
}

/** How a checkpoint of this container would be restored on its own host. */
export async function restoreRouteOf(host: DockerHost, inspect: Docker.ContainerInspectInfo): Promise<RestoreRoute> {
  return decideRestoreRoute(await restoreFacts(host, inspect));
}

/**
 * Refuses, before anything is frozen, to stop a container that cannot come back; otherwise
 * returns the route its restore will take (for the caller to show).
 */
export async function assertRestorable(host: DockerHost, inspect: Docker.ContainerInspectInfo, what: string): Promise<RestoreRoute> {
  const route = await restoreRouteOf(host, inspect);
  if (route.route === 'refused') throw new UnavailableError(`${what} refused before anything was frozen: ${route.reason}`);
  return route;
}

/** How a migration must create its target on `target` for the restore there to work. */
export async function targetFormFor(source: DockerHost, inspect: Docker.ContainerInspectInfo, target: DockerHost): Promise<TargetForm> {
  return migrationTargetForm(await restoreFacts(source, inspect, target));
}
