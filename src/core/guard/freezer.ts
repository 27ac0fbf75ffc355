import type { CommandRunner } from '../exec/runner.js';

/**
 * The freezer of a container's cgroup, found from /proc/<pid>/cgroup on the host.
 * CRIU freezes the cgroup, seizes every task with ptrace and thaws it again; a CRIU that
 * dies between the two (killed, or stopped and then killed) leaves the cgroup FROZEN for
 * good, with Docker still calling the container "running" (measured on this host).
 */
export interface FreezerFile {
  version: 1 | 2;
  /** freezer.state (v1: THAWED/FREEZING/FROZEN) or cgroup.freeze (v2: 0/1). */
  path: string;
}

export function freezerOf(procCgroup: string, root = '/sys/fs/cgroup'): FreezerFile | undefined {
  const lines = procCgroup.split('\n');
  for (const l of lines) {
    const m = l.match(/^\d+:([^:]*):(\/.*)$/);
    if (m && m[1]!.split(',').includes('freezer')) return { version: 1, path: `${root}/freezer${trimSlash(m[2]!)}/freezer.state` };
  }
  const v2 = lines.map((l) => l.match(/^0::(\/.*)$/)).find(Boolean);
  return v2 ? { version: 2, path: `${root}${trimSlash(v2[1]!)}/cgroup.freeze` } : undefined;
}

export function isFrozen(f: FreezerFile, content: string): boolean {
  const s = content.trim();
  return f.version === 1 ? s !== 'THAWED' : s === '1';
}

const trimSlash = (p: string) => (p === '/' ? '' : p.replace(/\/$/, ''));

export async function findFreezer(runner: CommandRunner, pid: number): Promise<FreezerFile | undefined> {
  const r = await runner.run(['cat', '--', `/proc/${pid}/cgroup`], { privileged: true, timeoutMs: 10_000 });
  return r.exitCode === 0 ? freezerOf(r.stdout) : undefined;
}

export async function readFreezer(runner: CommandRunner, f: FreezerFile): Promise<string | undefined> {
  const r = await runner.run(['cat', '--', f.path], { privileged: true, timeoutMs: 10_000 });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/**
 * Freezes the cgroup and waits until it is (v1: FROZEN; v2: cgroup.events says frozen 1 —
 * here cgroup.freeze reading 1 is taken as enough). Only used to hand Docker a container it
 * can unpause (see frozenWatchdog.ts).
 */
export async function freezeFreezer(runner: CommandRunner, f: FreezerFile, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  await runner.run(['tee', '--', f.path], { input: f.version === 1 ? 'FROZEN' : '1', privileged: true, timeoutMs: 10_000 });
  for (;;) {
    const now = await readFreezer(runner, f);
    if (now === (f.version === 1 ? 'FROZEN' : '1')) return;
    if (Date.now() > end) throw new Error(`The container's cgroup does not freeze (${f.path}: ${now ?? 'unreadable'}) on ${runner.where}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Thaws the cgroup if it is frozen and waits until the kernel says THAWED (v1 passes
 * through FREEZING). Returns whether it had to thaw; throws when it stays frozen.
 */
export async function thawFreezer(runner: CommandRunner, f: FreezerFile, timeoutMs = 10_000): Promise<boolean> {
  const before = await readFreezer(runner, f);
  if (before === undefined || !isFrozen(f, before)) return false;
  const end = Date.now() + timeoutMs;
  for (;;) {
    await runner.run(['tee', '--', f.path], { input: f.version === 1 ? 'THAWED' : '0', privileged: true, timeoutMs: 10_000 });
    const now = await readFreezer(runner, f);
    if (now !== undefined && !isFrozen(f, now)) return true;
    if (Date.now() > end) throw new Error(`The container's cgroup stays frozen (${f.path}: ${now ?? 'unreadable'}) on ${runner.where}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
