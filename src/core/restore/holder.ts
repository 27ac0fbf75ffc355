import type Docker from 'dockerode';
import { ensurePauseImage } from '../docker/pauseImage.js';
import type { DockerHost } from '../host/dockerHost.js';
import type { NetworkAttachment } from './restorability.js';

/**
 * Network holders: a tiny Cryo pause container that owns a container's network (like a
 * Kubernetes pod's pause container) so the container itself runs in container:<holder>
 * mode, which Docker 28 can restore a checkpoint into. Labelled, so Cryo removes a holder
 * with its container and cleans holders whose container is gone.
 */
export const HOLDER_ROLE_LABEL = 'org.cryo.role';
export const HOLDER_ROLE = 'network-holder';
export const HOLDER_FOR_LABEL = 'org.cryo.holder-for';

/** A holder younger than this is never "stale": its container may be about to be created. */
const STALE_AFTER_MS = 5 * 60_000;

export interface HolderPlan {
  create: Docker.ContainerCreateOptions;
  /** Networks beyond the first, connected after create (Docker takes one at create on old APIs). */
  extraNetworks: { name: string; config: Docker.EndpointSettings }[];
  networkMode: string;
}

/** The user-defined part of a container's network attachments (for the holder and the restorability facts). */
export function networkAttachments(inspect: Docker.ContainerInspectInfo): NetworkAttachment[] {
  const shortId = inspect.Id.slice(0, 12);
  return Object.entries(inspect.NetworkSettings?.Networks ?? {}).map(([name, ep]) => {
    const a: NetworkAttachment = { name, aliases: (ep.Aliases ?? []).filter((x: string) => x !== shortId && x !== inspect.Id) };
    const ipam = ep.IPAMConfig as { IPv4Address?: string; IPv6Address?: string } | null | undefined;
    if (ipam?.IPv4Address) a.ipv4 = ipam.IPv4Address;
    if (ipam?.IPv6Address) a.ipv6 = ipam.IPv6Address;
    return a;
  });
}

/**
 * The holder's create options from the container whose network it takes over: network mode,
 * networks with their aliases plus the container's own name (so others still resolve it),
 * hostname (a container:<holder> container takes /etc/hostname and /etc/hosts from it),
 * published ports and DNS settings, which Docker refuses on a container:<…> container.
 * Pure, for unit tests on captured inspect JSON.
 */
export function planHolder(inspect: Docker.ContainerInspectInfo, containerName: string, holderName: string, image: string): HolderPlan {
  const hc = inspect.HostConfig as unknown as Record<string, unknown>;
  const cfg = inspect.Config as unknown as Record<string, unknown>;
  const rawMode = String(hc['NetworkMode'] ?? 'default');
  const attachments = networkAttachments(inspect).filter((n) => n.name !== 'none' && n.name !== 'host');
  const networkMode = rawMode === 'none' ? 'none' : attachments[0]?.name ?? rawMode;
  const hostConfig: Record<string, unknown> = { NetworkMode: networkMode, RestartPolicy: { Name: 'unless-stopped' } };
  for (const k of ['PortBindings', 'PublishAllPorts', 'Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts', 'Links']) {
    const v = hc[k];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) hostConfig[k] = v;
  }
  const create: Record<string, unknown> = {
    name: holderName,
    Image: image,
    Labels: { [HOLDER_ROLE_LABEL]: HOLDER_ROLE, [HOLDER_FOR_LABEL]: containerName },
    HostConfig: hostConfig,
  };
  for (const k of ['Hostname', 'Domainname', 'ExposedPorts']) if (cfg[k]) create[k] = cfg[k];
  const endpoint = (n: NetworkAttachment): Docker.EndpointSettings => {
    const ep: Record<string, unknown> = { Aliases: [...new Set([...n.aliases, containerName])] };
    if (n.ipv4 || n.ipv6) ep['IPAMConfig'] = { ...(n.ipv4 ? { IPv4Address: n.ipv4 } : {}), ...(n.ipv6 ? { IPv6Address: n.ipv6 } : {}) };
    return ep as Docker.EndpointSettings;
  };
  const [first, ...rest] = networkMode === 'none' ? [] : attachments;
  // The default bridge takes no aliases.
  if (first && first.name !== 'bridge') create['NetworkingConfig'] = { EndpointsConfig: { [first.name]: endpoint(first) } };
  return { create: create as Docker.ContainerCreateOptions, extraNetworks: rest.map((n) => ({ name: n.name, config: endpoint(n) })), networkMode };
}

/**
 * The container's own create options in held form: joins the holder's network; what Docker
 * refuses in container:<…> mode (hostname, exposed/published ports, DNS) went to the holder.
 */
export function heldCreateOptions(create: Docker.ContainerCreateOptions, holderId: string): Docker.ContainerCreateOptions {
  const out = { ...create } as Record<string, unknown>;
  for (const k of ['Hostname', 'Domainname', 'ExposedPorts', 'NetworkingConfig', 'MacAddress']) delete out[k];
  const hc = { ...((create.HostConfig ?? {}) as Record<string, unknown>) };
  for (const k of ['PortBindings', 'PublishAllPorts', 'Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts', 'Links']) delete hc[k];
  hc['NetworkMode'] = `container:${holderId}`;
  out['HostConfig'] = hc;
  return out as Docker.ContainerCreateOptions;
}

/** Creates and starts a holder; on any failure nothing is left behind. */
export async function createHolder(host: DockerHost, source: Docker.ContainerInspectInfo, containerName: string): Promise<{ id: string; name: string; plan: HolderPlan }> {
  const image = await ensurePauseImage(host);
  const name = `${containerName}-cryo-net-${Math.random().toString(36).slice(2, 7)}`;
  const plan = planHolder(source, containerName, name, image);
  const created = await host.docker.createContainer(plan.create);
  try {
    for (const n of plan.extraNetworks) await host.docker.getNetwork(n.name).connect({ Container: created.id, EndpointConfig: n.config });
    await created.start();
  } catch (e) {
    await created.remove({ force: true }).catch(() => undefined);
    throw new Error(`Could not start the network holder for ${containerName}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { id: created.id, name, plan };
}

export interface HolderInfo {
  id: string;
  name: string;
  running: boolean;
  inspect: Docker.ContainerInspectInfo;
}

/** The Cryo holder a container's network mode points at, if it is one. */
export async function holderOf(host: DockerHost, inspect: Docker.ContainerInspectInfo): Promise<HolderInfo | undefined> {
  const mode = String(inspect.HostConfig?.NetworkMode ?? '');
  if (!mode.startsWith('container:')) return undefined;
  const h = await host.docker.getContainer(mode.slice('container:'.length)).inspect().catch(() => undefined);
  if (!h || h.Config.Labels?.[HOLDER_ROLE_LABEL] !== HOLDER_ROLE) return undefined;
  return { id: h.Id, name: h.Name.replace(/^\//, ''), running: h.State.Running, inspect: h };
}

/** Removes a container and, when Cryo made one for it, its network holder. Volumes are kept. */
export async function removeWithHolder(host: DockerHost, inspect: Docker.ContainerInspectInfo): Promise<void> {
  const holder = await holderOf(host, inspect);
  await host.docker.getContainer(inspect.Id).remove({ force: true });
  if (holder) await host.docker.getContainer(holder.id).remove({ force: true }).catch(() => undefined);
}

/**
 * Holders whose container is gone (removed with docker rm, or a crash mid-way): removed when
 * Cryo lists the host. Returns their ids; the listing hides holders either way.
 */
export async function cleanStaleHolders(host: DockerHost, all: Docker.ContainerInfo[], now = Date.now()): Promise<string[]> {
  const holders = all.filter((c) => c.Labels?.[HOLDER_ROLE_LABEL] === HOLDER_ROLE);
  if (!holders.length) return [];
  const used = new Set<string>();
  for (const c of all) {
    const mode = c.HostConfig?.NetworkMode ?? '';
    if (mode.startsWith('container:')) used.add(mode.slice('container:'.length));
  }
  const stale = holders.filter((h) => !used.has(h.Id) && !h.Names.some((n) => used.has(n.replace(/^\//, ''))) && now - h.Created * 1000 > STALE_AFTER_MS);
  await Promise.all(stale.map((h) => host.docker.getContainer(h.Id).remove({ force: true }).catch(() => undefined)));
  return stale.map((h) => h.Id);
}

export function isHolder(c: Pick<Docker.ContainerInfo, 'Labels'>): boolean {
  return c.Labels?.[HOLDER_ROLE_LABEL] === HOLDER_ROLE;
}

/** Starts a container's stopped Cryo holder (its netns is gone; the checkpoint joins the new one). */
export async function startHolderOf(host: DockerHost, inspect: Docker.ContainerInspectInfo): Promise<void> {
  const holder = await holderOf(host, inspect);
  if (holder && !holder.running) await host.docker.getContainer(holder.id).start();
}

/** The holder's addresses now, as "network: address" (after a recreation, for the user). */
export async function holderAddresses(host: DockerHost, holderId: string): Promise<string[]> {
  const h = await host.docker.getContainer(holderId).inspect().catch(() => undefined);
  return Object.entries(h?.NetworkSettings?.Networks ?? {})
    .filter(([, ep]) => ep.IPAddress)
    .map(([name, ep]) => `${name}: ${ep.IPAddress}`);
}
