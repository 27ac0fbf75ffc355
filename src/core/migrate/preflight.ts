import type { DockerHost } from '../host/dockerHost.js';
import type { ResolvedContainer } from '../ops/resolve.js';
import { memoryInUse } from '../ops/resolve.js';
import type { CarryPlan } from './containerSpec.js';

export class PreflightError extends Error {
  constructor(readonly problems: string[]) {
    super(`Migration refused before anything was frozen:\n- ${problems.join('\n- ')}`);
    this.name = 'PreflightError';
  }
}

/**
 * Everything that can be known before the freeze: if any check fails, the source is
 * untouched. Each problem is a sentence that says what to do about it.
 */
export async function preflight(source: DockerHost, target: DockerHost, c: ResolvedContainer, plan: CarryPlan, targetName: string): Promise<{ memoryBytes?: number }> {
  const problems: string[] = [];
  const [srcCaps, dstCaps] = await Promise.all([source.capabilities(), target.capabilities()]);
  if (!c.running) problems.push(`${c.name} is ${c.state} on ${source.name}: only a running container can be migrated.`);
  for (const [host, caps] of [[source, srcCaps], [target, dstCaps]] as const) {
    if (!caps.docker.ok) problems.push(`${host.name}: ${caps.docker.reason}`);
    else if (!caps.engines.runc.ok && !caps.engines.docker.ok) problems.push(`${host.name} cannot checkpoint/restore: ${caps.engines.docker.reason}`);
  }
  if (problems.length) throw new PreflightError(problems);

  const [cpu, nameFree, arch, binds, network, disk] = await Promise.all([
    cpuCompatible(source, target),
    target.docker.getContainer(targetName).inspect().then(() => false, () => true),
    architectures(source, target, c),
    missingBindSources(target, plan.bindSources),
    plan.network ? target.docker.getNetwork(plan.network).inspect().then(() => true, () => false) : Promise.resolve(true),
    diskCheck(source, target, c.id),
  ]);
  if (cpu) problems.push(cpu);
  if (!nameFree) problems.push(`A container named ${targetName} already exists on ${target.name}: remove or rename it first.`);
  if (arch) problems.push(arch);
  for (const b of binds) problems.push(`Bind mount source ${b} does not exist on ${target.name}: create it there first (its contents are not copied).`);
  if (!network) problems.push(`Network ${plan.network} does not exist on ${target.name}: create it first.`);
  if (disk.problem) problems.push(disk.problem);
  if (problems.length) throw new PreflightError(problems);
  return disk.memoryBytes !== undefined ? { memoryBytes: disk.memoryBytes } : {};
}

/** CRIU's own verdict: `criu cpuinfo dump` on the source, `criu cpuinfo check` on the target. */
async function cpuCompatible(source: DockerHost, target: DockerHost): Promise<string | undefined> {
  const srcDir = await mktemp(source);
  const dstDir = await mktemp(target);
  try {
    const dump = await source.runner.run(['criu', 'cpuinfo', 'dump', '-D', srcDir], { privileged: true, timeoutMs: 20_000 });
    if (dump.exitCode !== 0) return `criu cpuinfo dump failed on ${source.name}: ${dump.stderr.trim() || dump.stdout.trim()}`;
    const img = await source.runner.runBinary(['cat', '--', `${srcDir}/cpuinfo.img`], { privileged: true });
    const put = await target.runner.run(['dd', `of=${dstDir}/cpuinfo.img`, 'status=none'], { privileged: true, input: img.stdout });
    if (put.exitCode !== 0) return `could not copy the CPU description to ${target.name}: ${put.stderr.trim()}`;
    const check = await target.runner.run(['criu', 'cpuinfo', 'check', '-D', dstDir], { privileged: true, timeoutMs: 20_000 });
    if (check.exitCode !== 0) {
      const why = `${check.stdout}\n${check.stderr}`.split('\n').filter((l) => /Error|mismatch|not supported|fail/i.test(l)).slice(-3).join('; ');
      return `CRIU says the CPU of ${target.name} cannot run a process dumped on ${source.name} (criu cpuinfo check failed${why ? `: ${why}` : ''}).`;
    }
    return undefined;
  } finally {
    await Promise.all([source.runner.run(['rm', '-rf', '--', srcDir], { privileged: true }), target.runner.run(['rm', '-rf', '--', dstDir], { privileged: true })]);
  }
}

async function mktemp(host: DockerHost): Promise<string> {
  const r = await host.runner.run(['mktemp', '-d', '/tmp/cryo-cpuinfo.XXXXXX'], { privileged: true });
  if (r.exitCode !== 0) throw new Error(`mktemp failed on ${host.name}: ${r.stderr}`);
  return r.stdout.trim();
}

async function architectures(source: DockerHost, target: DockerHost, c: ResolvedContainer): Promise<string | undefined> {
  const [img, info] = await Promise.all([source.docker.getImage(c.inspect.Image).inspect(), target.docker.info() as Promise<{ Architecture?: string }>]);
  const norm = (a: string) => ({ x86_64: 'amd64', aarch64: 'arm64' })[a] ?? a;
  if (info.Architecture && img.Architecture && norm(info.Architecture) !== norm(img.Architecture)) {
    return `The image is ${img.Architecture} but ${target.name} is ${info.Architecture}.`;
  }
  return undefined;
}

async function missingBindSources(target: DockerHost, paths: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const p of paths) if ((await target.runner.run(['test', '-e', p], { privileged: true })).exitCode !== 0) missing.push(p);
  return missing;
}

/** The checkpoint is about the size of the memory in use; ask for that plus a margin. */
async function diskCheck(source: DockerHost, target: DockerHost, id: string): Promise<{ problem?: string; memoryBytes?: number }> {
  const memoryBytes = await memoryInUse(source, id);
  const root = (await target.engineContext()).dockerRootDir;
  const df = await target.runner.run(['df', '-B1', '--output=avail', root], { privileged: true });
  const avail = Number(df.stdout.trim().split('\n').pop());
  if (memoryBytes === undefined || !Number.isFinite(avail)) return memoryBytes !== undefined ? { memoryBytes } : {};
  const need = Math.ceil(memoryBytes * 1.2) + 64 * 1024 * 1024;
  if (avail < need) return { memoryBytes, problem: `${target.name} has ${Math.round(avail / 2 ** 20)} MiB free under ${root}; the checkpoint needs about ${Math.round(need / 2 ** 20)} MiB.` };
  return { memoryBytes };
}
