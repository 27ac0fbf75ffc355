import type Docker from 'dockerode';

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  /** Docker's state word: running, exited, paused, created... */
  state: string;
  status: string;
}

export interface CheckpointInfo {
  name: string;
  sizeBytes?: number;
  createdAt?: Date;
}

export function toContainerInfo(c: Docker.ContainerInfo): ContainerInfo {
  return {
    id: c.Id,
    name: (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    image: c.Image,
    state: c.State,
    status: c.Status,
  };
}

/** Joins `du -sb` and `stat -c '%n\t%Y'` output (path-keyed) onto the checkpoint names. */
export function parseCheckpointListing(names: readonly string[], base: string, du: string, stat: string): CheckpointInfo[] {
  const sizes = new Map<string, number>();
  for (const line of du.split('\n')) {
    const m = line.match(/^(\d+)\s+(.+)$/);
    if (m) sizes.set(m[2]!.trim(), Number(m[1]));
  }
  const times = new Map<string, number>();
  for (const line of stat.split('\n')) {
    const [path, secs] = line.split('\t');
    if (path && secs) times.set(path, Number(secs));
  }
  return names.map((name) => {
    const path = `${base}/${name}`;
    const info: CheckpointInfo = { name };
    const size = sizes.get(path);
    if (size !== undefined) info.sizeBytes = size;
    const t = times.get(path);
    if (t !== undefined) info.createdAt = new Date(t * 1000);
    return info;
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatAge(from: Date, now: Date = new Date()): string {
  const s = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
