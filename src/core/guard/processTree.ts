/**
 * Finding the `runc checkpoint` of one container among a host's processes, with CRIU under
 * it, from `ps -eo pid=,ppid=,args=`. Pure, so the selection is unit-tested on captured
 * output. Both engines end in such a process: Cryo's runc engine runs it directly (maybe
 * through sudo), Docker's API has containerd's shim run it.
 */
export interface PsRow {
  pid: number;
  ppid: number;
  args: string;
}

export const PS_ARGV = ['ps', '-eo', 'pid=,ppid=,args='] as const;

export function parsePs(output: string): PsRow[] {
  const rows: PsRow[] = [];
  for (const line of output.split('\n')) {
    const m = line.match(/^\s*(\d+)\s+(\d+)\s+(.*)$/);
    if (m) rows.push({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]!.trim() });
  }
  return rows;
}

/** A runc (or sudo'd runc) checkpoint or pre-dump of exactly this container. */
export function isCheckpointOf(args: string, containerId: string): boolean {
  const tokens = args.split(/\s+/);
  const runc = tokens.findIndex((t) => t === 'runc' || t.endsWith('/runc'));
  return runc >= 0 && tokens.slice(runc + 1).includes('checkpoint') && tokens[tokens.length - 1] === containerId;
}

/**
 * Pids of every runc checkpoint of the container and all their descendants (CRIU and what
 * CRIU forked), parents first, plus a CRIU dumping the container's init pid whose runc is
 * gone (killed with containerd when dockerd died). Our own pid is never in it.
 */
/** A CRIU dumping this task tree ("criu: dump --rpc -t <pid>"), even orphaned by its runc. */
export function isCriuDumpOf(args: string, initPid: number): boolean {
  const tokens = args.split(/\s+/);
  if (!/^criu:?$/.test(tokens[0] ?? '') && !(tokens[0] ?? '').endsWith('/criu')) return false;
  const t = tokens.indexOf('-t');
  return t >= 0 && tokens[t + 1] === String(initPid);
}

export function checkpointProcessTree(rows: readonly PsRow[], containerId: string, self = process.pid, initPid?: number): number[] {
  const children = new Map<number, number[]>();
  for (const r of rows) children.set(r.ppid, [...(children.get(r.ppid) ?? []), r.pid]);
  const out: number[] = [];
  const seen = new Set<number>();
  const queue = rows.filter((r) => isCheckpointOf(r.args, containerId) || (initPid !== undefined && isCriuDumpOf(r.args, initPid))).map((r) => r.pid);
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid) || pid === self || pid <= 1) continue;
    seen.add(pid);
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
