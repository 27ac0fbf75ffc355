import type Docker from 'dockerode';

/**
 * The target container's create options, derived from the source's inspect data.
 * Pure, so what is carried and what is refused can be unit-tested on captured JSON.
 */
export interface CarryPlan {
  create: Docker.ContainerCreateOptions;
  /** Bind-mount sources that must exist on the target host (checked in preflight). */
  bindSources: string[];
  /** Named network the target must have (none/host/default need nothing). */
  network?: string;
  /** Things that are carried only in part; shown to the user before anything is frozen. */
  warnings: string[];
}

// HostConfig fields that shape the process as CRIU sees it (mounts, init, caps, limits):
// a restore into a container that differs in these fails or behaves differently.
const HOST_CONFIG_KEYS = [
  'RestartPolicy', 'Init', 'Privileged', 'CapAdd', 'CapDrop', 'SecurityOpt', 'ReadonlyRootfs', 'Tmpfs', 'ShmSize',
  'Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'CpusetCpus', 'PidsLimit', 'Ulimits', 'Sysctls', 'IpcMode', 'PidMode', 'UTSMode',
  // org.criu.config names the CRIU config file runc uses for this container (Docker >= 24; older daemons ignore it).
  'Annotations',
] as const;

const CONFIG_KEYS = ['Cmd', 'Entrypoint', 'Env', 'WorkingDir', 'User', 'Labels', 'Tty', 'OpenStdin', 'StdinOnce', 'StopSignal', 'ExposedPorts', 'Hostname'] as const;

/**
 * `copiedVolumes`: the volumes whose content the migration copies (volumes.ts); Docker must not
 * fill them from the image first (NoCopy), and they need no warning.
 */
export function planTargetContainer(inspect: Docker.ContainerInspectInfo, imageRef: string, name: string, copiedVolumes: ReadonlySet<string> = new Set()): CarryPlan {
  const warnings: string[] = [];
  const config = inspect.Config as unknown as Record<string, unknown>;
  const host = inspect.HostConfig as unknown as Record<string, unknown>;
  const create: Record<string, unknown> = { name, Image: imageRef };
  for (const k of CONFIG_KEYS) if (config[k] !== undefined && config[k] !== null) create[k] = config[k];
  const hostConfig: Record<string, unknown> = {};
  for (const k of HOST_CONFIG_KEYS) if (host[k] !== undefined && host[k] !== null) hostConfig[k] = host[k];

  const mode = String(host['NetworkMode'] ?? 'default');
  hostConfig['NetworkMode'] = mode;
  const network = ['default', 'bridge', 'none', 'host'].includes(mode) || mode.startsWith('container:') ? undefined : mode;
  if (mode.startsWith('container:')) warnings.push(`Network mode ${mode} shares another container's network; that container must exist on the target.`);
  if (Object.keys((host['PortBindings'] as object | undefined) ?? {}).length) {
    hostConfig['PortBindings'] = host['PortBindings'];
    warnings.push('Published ports are carried; they must be free on the target host.');
  }

  const bindSources: string[] = [];
  const mounts: Docker.MountSettings[] = [];
  for (const m of inspect.Mounts) {
    if (m.Type === 'bind') {
      bindSources.push(m.Source);
      mounts.push({ Type: 'bind', Source: m.Source, Target: m.Destination, ReadOnly: !m.RW });
    } else if (m.Type === 'volume' && m.Name) {
      const driver = (m as { Driver?: string }).Driver;
      const copied = copiedVolumes.has(m.Name);
      const volumeOptions = { ...(copied ? { NoCopy: true } : {}), ...(driver && driver !== 'local' ? { DriverConfig: { Name: driver, Options: {} } } : {}) };
      mounts.push({ Type: 'volume', Source: m.Name, Target: m.Destination, ReadOnly: !m.RW, ...(Object.keys(volumeOptions).length ? { VolumeOptions: volumeOptions as Docker.MountSettings['VolumeOptions'] } : {}) });
      if (!copied) warnings.push(`Volume ${m.Name} (${m.Destination}) is created on the target if missing; its contents are not copied.`);
    } else if (m.Type === 'tmpfs') {
      mounts.push({ Type: 'tmpfs', Source: '', Target: m.Destination });
    } else {
      warnings.push(`Mount ${m.Destination} of type ${m.Type} cannot be carried.`);
    }
  }
  if (mounts.length) hostConfig['Mounts'] = mounts;
  create['HostConfig'] = hostConfig;
  const plan: CarryPlan = { create: create as Docker.ContainerCreateOptions, bindSources, warnings };
  if (network) plan.network = network;
  return plan;
}
