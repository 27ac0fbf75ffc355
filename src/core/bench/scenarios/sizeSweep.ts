import type { DockerHost } from '../../host/dockerHost.js';
import type { RunRecord } from '../../records.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { rotate } from '../order.js';
import { BarrierScheduler } from './barrier.js';
import { int, intList } from './params.js';
import { BenchSession, settledAll } from './session.js';
import { brief, bytes, groupBy, numTag, okCheckpoints, ratio, secs, selectRun, sortedNumbers, stat, strTag, summaryBase, x } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface SizeSweepParams extends CommonParams {
  sizesMb: number[];
  dirtyPct: number;
}

export const SIZE_SWEEP = 'size-sweep';

/**
 * Seed 000/001 fig. 2: checkpoint time against memory size, each container alone, then all
 * of them checkpointed at once ("with others", released together by a BarrierScheduler). One memhog per size for the whole run;
 * every repetition takes each alone (in a rotated order) and one simultaneous batch, and
 * alternates which of the two comes first. host.scheduler is 'unlimited' meanwhile, so the
 * batch really runs at once. Tags: sizeMb, rep, mode (alone | with-others), concurrency.
 */
export async function runSizeSweep(host: DockerHost, p: SizeSweepParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, SIZE_SWEEP, p, sizeSweepSteps(p), opts);
  try {
    await s.withScheduler(new Scheduler({ policy: 'unlimited', concurrency: 1 }), async () => {
      const ids = new Map<number, string>();
      for (const mb of p.sizesMb) {
        s.progress(`starting a ${mb} MB memhog`);
        ids.set(mb, await s.startMemhog(`${mb}mb`, mb, p.dirtyPct));
      }
      const n = p.sizesMb.length;
      const alone = async (rep: number, warmup: boolean) => {
        for (const mb of rotate(p.sizesMb, rep)) {
          const name = `${warmup ? 'w' : 'a'}${rep}-alone`;
          if (!warmup) await s.settle();
          const r = await s.checkpoint(ids.get(mb)!, name, { sizeMb: mb, rep, mode: 'alone', concurrency: 1, dirtyPct: p.dirtyPct }, { warmup });
          await s.discard(ids.get(mb)!, name);
          s.progress(`${mb} MB alone: ${brief(r)}`, warmup ? 0 : 1);
        }
      };
      const together = async (rep: number, warmup: boolean) => {
        const name = `${warmup ? 'w' : 'a'}${rep}-others`;
        if (!warmup) await s.settle();
        await s.withScheduler(new BarrierScheduler({ policy: 'unlimited', concurrency: 1 }, n), () =>
          settledAll(
            p.sizesMb.map(async (mb) => {
              const r = await s.checkpoint(ids.get(mb)!, name, { sizeMb: mb, rep, mode: 'with-others', concurrency: n, batch: name, dirtyPct: p.dirtyPct }, { warmup });
              s.progress(`${mb} MB with ${n - 1} others: ${brief(r)}`, warmup ? 0 : 1);
            }),
          ),
        );
        for (const mb of p.sizesMb) await s.discard(ids.get(mb)!, name);
      };
      for (let w = 1; w <= p.warmup; w++) {
        s.progress(`warm-up ${w}`);
        await alone(w, true);
        await together(w, true);
      }
      for (let rep = 1; rep <= p.reps; rep++) {
        if (rep % 2) {
          await alone(rep, false);
          await together(rep, false);
        } else {
          await together(rep, false);
          await alone(rep, false);
        }
      }
    });
  } finally {
    await s.close();
  }
  return summarizeSizeSweep(s.records, s.runId);
}

export function sizeSweepSteps(p: Pick<SizeSweepParams, 'sizesMb' | 'reps'>): number {
  return p.reps * p.sizesMb.length * 2;
}

export function summarizeSizeSweep(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, SIZE_SWEEP, runId);
  const out = summaryBase(SIZE_SWEEP, 'Checkpoint time vs memory size, alone and with others', rs, runId);
  const ok = okCheckpoints(rs);
  const bySize = groupBy(ok, (r) => numTag(r, 'sizeMb'));
  const rows: string[][] = [];
  for (const mb of sortedNumbers(bySize.keys())) {
    const g = bySize.get(mb)!;
    const alone = stat(g.filter((r) => strTag(r, 'mode') === 'alone').map((r) => r.wallMs));
    const others = stat(g.filter((r) => strTag(r, 'mode') === 'with-others').map((r) => r.wallMs));
    const mem = stat(g.map((r) => r.memoryBytes))?.median;
    const img = stat(g.map((r) => r.imageBytes))?.median;
    rows.push([`${mb} MB`, bytes(mem), secs(alone), secs(others), x(ratio(others?.median, alone?.median)), bytes(img), x(ratio(img, mem))]);
  }
  const n = stat(ok.filter((r) => strTag(r, 'mode') === 'with-others').map((r) => numTag(r, 'concurrency')))?.max;
  out.tables.push({ title: `Checkpoint time in s, median (min–max); "with others" = all ${n ?? '?'} checkpointed at once`, head: ['memhog', 'memory in use', 'alone', 'with others', 'slowdown', 'image', 'image / memory'], rows });
  out.notes.push('Seed 001 fig. 2 (Docker engine, SATA SSD): alone 0.36 s (ubuntu, 63 MB image) to 3.35 s (mysql, 447 MB); with 5 checkpointed at once ubuntu 2.29 s (6.4x), mysql 4.07 s (1.2x): the smallest suffers most.');
  return out;
}

export const sizeSweepScenario: ScenarioDef<SizeSweepParams> = {
  name: SIZE_SWEEP,
  title: 'Size sweep: time and image size vs memory, alone and with others',
  reproduces: 'seed 000/001 fig. 2',
  flags: [
    { name: 'sizes', value: '16,64,256,512', describe: 'memhog sizes in MB' },
    { name: 'dirty', value: 'PCT', describe: 'share of memory each memhog dirties per second (default 0)' },
  ],
  presets: { quick: { sizes: '16,64', reps: '1', warmup: '0' }, full: { sizes: '16,64,256,512', reps: '3', warmup: '1' } },
  parse: (f, common) => ({ ...common, sizesMb: intList('sizes', f['sizes'] ?? '16,64,256,512', 1, 16_384), dirtyPct: int('dirty', f['dirty'] ?? '0', 0, 100) }),
  steps: sizeSweepSteps,
  describe: (p) => `${p.sizesMb.join(', ')} MB, alone and all at once, ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine`,
  run: runSizeSweep,
  summarize: summarizeSizeSweep,
};
