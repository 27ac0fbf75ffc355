import { runChecked } from '../../exec/runner.js';
import { LocalRunner } from '../../exec/localRunner.js';
import { findRuncRoot } from '../../engines/runcEngine.js';
import type { DockerHost } from '../../host/dockerHost.js';
import { memoryInUse, resolveContainer } from '../../ops/resolve.js';
import type { RunRecord } from '../../records.js';
import { DEFAULT_DOCKER_CLI } from '../engines.js';
import { measure, type MethodContext } from '../methods.js';
import { rotate } from '../order.js';
import { intList, ScenarioParamError } from './params.js';
import { BenchSession } from './session.js';
import { brief, groupBy, numTag, okCheckpoints, ratio, secs, selectRun, sortedNumbers, stat, strTag, summaryBase, x } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface StorageParams extends CommonParams {
  sizesMb: number[];
}

export const STORAGE = 'storage';
export const STORAGES = ['disk', 'tmpfs'] as const;
export const TMPFS_PARENT = '/run/cryo-bench-tmpfs';

/** The tmpfs one run mounts (and unmounts): under TMPFS_PARENT, named by the run. */
export function storageTmpfsDir(runId: string): string {
  return `${TMPFS_PARENT}/${runId}`;
}

/**
 * Seed 002 §4.2: where the images go. The same leave-running checkpoint taken with raw
 * `runc checkpoint` into a folder on the host's disk (Cryo's state dir) and into a tmpfs
 * mounted for the run under /run/cryo-bench-tmpfs (unmounted after). Raw runc, because
 * Docker can only restore from its own folder (see methods.ts). Tags: storage, sizeMb, rep,
 * method raw-runc. CRIU does not fsync its images, so "disk" is the page cache unless
 * writeback throttles it.
 */
export async function runStorage(host: DockerHost, p: StorageParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, STORAGE, p, storageSteps(p), opts);
  const engine = await host.engineContext();
  const tmpfs = storageTmpfsDir(s.runId);
  const disk = `${host.cryoStateDir}/bench/storage-${s.runId}`;
  const tmpfsMb = 2 * Math.max(...p.sizesMb) + 64;
  let mounted = false;
  try {
    await runChecked(host.runner, ['mkdir', '-p', '--', tmpfs, disk], { privileged: true });
    await runChecked(host.runner, ['mount', '-t', 'tmpfs', '-o', `size=${tmpfsMb}m,mode=0700`, 'cryo-bench-tmpfs', tmpfs], { privileged: true });
    mounted = true;
    const dirs: Record<(typeof STORAGES)[number], string> = { disk, tmpfs };
    for (const mb of p.sizesMb) {
      s.progress(`starting a ${mb} MB memhog`);
      const id = await s.startMemhog(`${mb}mb`, mb);
      const target = await resolveContainer(host, id);
      const memoryBytes = await memoryInUse(host, id, target.inspect.State.Pid);
      const ctx: MethodContext = { host, engine, local: new LocalRunner(), dockerCli: DEFAULT_DOCKER_CLI, runcRoot: await findRuncRoot(host.runner, id), scratchDir: disk };
      const once = async (rep: number, storage: (typeof STORAGES)[number], warmup: boolean) => {
        if (!warmup) await s.settle();
        s.checkAborted();
        const tags = s.tags({ storage, sizeMb: mb, rep, ...(warmup ? { warmup: true } : {}) });
        const m = await measure('raw-runc', { ...ctx, scratchDir: dirs[storage] }, target, `${warmup ? 'w' : 'a'}${rep}-${storage}`, tags, warmup ? undefined : s.recordStore, memoryBytes);
        s.progress(`${mb} MB to ${storage}: ${brief(m.record)}`, warmup ? 0 : 1);
      };
      for (let w = 1; w <= p.warmup; w++) for (const st of STORAGES) await once(w, st, true);
      for (let rep = 1; rep <= p.reps; rep++) for (const st of rotate(STORAGES, rep)) await once(rep, st, false);
      await s.remove(id);
    }
  } finally {
    await s.close();
    if (mounted) await host.runner.run(['umount', '--', tmpfs], { privileged: true, timeoutMs: 60_000 });
    await host.runner.run(['rmdir', '--', tmpfs], { privileged: true, timeoutMs: 10_000 });
    // Only if no other run still has its tmpfs there.
    await host.runner.run(['rmdir', '--', TMPFS_PARENT], { privileged: true, timeoutMs: 10_000 });
    await host.runner.run(['rm', '-rf', '--', disk], { privileged: true, timeoutMs: 60_000 });
  }
  return summarizeStorage(s.records, s.runId);
}

export function storageSteps(p: Pick<StorageParams, 'sizesMb' | 'reps'>): number {
  return p.reps * p.sizesMb.length * STORAGES.length;
}

export function summarizeStorage(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, STORAGE, runId);
  const out = summaryBase(STORAGE, 'Checkpoint images on disk vs tmpfs (raw runc)', rs, runId);
  const bySize = groupBy(okCheckpoints(rs), (r) => numTag(r, 'sizeMb'));
  const rows: string[][] = [];
  for (const mb of sortedNumbers(bySize.keys())) {
    const g = bySize.get(mb)!;
    const of = (st: string) => g.filter((r) => strTag(r, 'storage') === st);
    const [d, t] = [stat(of('disk').map((r) => r.wallMs)), stat(of('tmpfs').map((r) => r.wallMs))];
    const write = (st: string) => stat(of(st).map((r) => (r.criu ? r.criu.memwriteTimeUs / 1000 : undefined)));
    const [dw, tw] = [write('disk'), write('tmpfs')];
    rows.push([`${mb} MB`, secs(d), secs(t), x(ratio(t?.median, d?.median)), secs(dw), secs(tw)]);
  }
  out.tables.push({ title: 'runc checkpoint --leave-running; seconds, median (min–max)', head: ['memhog', 'disk', 'tmpfs', 'tmpfs / disk', 'CRIU memwrite disk', 'CRIU memwrite tmpfs'], rows });
  out.notes.push('Seed 002 §4.2 (fig. 4.1–4.2, NFS from a remote server): images kept in memory (tmpfs) checkpoint and restore faster than on hard disk.');
  return out;
}

export const storageScenario: ScenarioDef<StorageParams> = {
  name: STORAGE,
  title: 'Storage: checkpoint images on disk vs tmpfs',
  reproduces: 'seed 002 §4.2',
  flags: [{ name: 'sizes', value: '64,256,512', describe: 'memhog sizes in MB' }],
  presets: { quick: { sizes: '64,256', reps: '1', warmup: '0' }, full: { sizes: '64,256,512', reps: '3', warmup: '1' } },
  parse: (f, common) => {
    if (f['engine'] !== undefined && f['engine'] !== 'runc') throw new ScenarioParamError('storage: --engine must be runc (the images go to a chosen folder, which only raw runc can do).');
    return { ...common, engine: 'runc', sizesMb: intList('sizes', f['sizes'] ?? '64,256,512', 1, 16_384) };
  },
  steps: storageSteps,
  describe: (p) => `${p.sizesMb.join(', ')} MB to disk and to tmpfs (raw runc), ${p.reps} rep(s) + ${p.warmup} warm-up`,
  run: runStorage,
  summarize: summarizeStorage,
};
