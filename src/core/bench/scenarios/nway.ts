import type { DockerHost } from '../../host/dockerHost.js';
import type { CheckpointRecord, RunRecord } from '../../records.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { BarrierScheduler } from './barrier.js';
import { int } from './params.js';
import { BenchSession, settledAll } from './session.js';
import { batchKey, brief, groupBy, numTag, okCheckpoints, ratio, secs, selectRun, sortedNumbers, stat, summaryBase, x } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface NwayParams extends CommonParams {
  n: number;
  sizeMb: number;
}

export const NWAY = 'nway';

/**
 * Seed 001 fig. 4 and 002 §4.6: 1, 2, ..., N equal containers checkpointed at once. Every
 * repetition walks k = 1..N (down again on even repetitions, so a drifting host load does
 * not always favour small k). Tags: concurrency (k), sizeMb, rep, batch.
 */
export async function runNway(host: DockerHost, p: NwayParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, NWAY, p, nwaySteps(p), opts);
  try {
    await s.withScheduler(new Scheduler({ policy: 'unlimited', concurrency: 1 }), async () => {
      const ids: string[] = [];
      for (let i = 1; i <= p.n; i++) {
        s.progress(`starting memhog ${i}/${p.n} (${p.sizeMb} MB)`);
        ids.push(await s.startMemhog(`${i}`, p.sizeMb));
      }
      const batch = async (k: number, rep: number, warmup: boolean) => {
        const name = `${warmup ? 'w' : 'a'}${rep}-k${k}`;
        if (!warmup) await s.settle();
        const recs = await s.withScheduler(new BarrierScheduler({ policy: 'unlimited', concurrency: 1 }, k), () =>
          settledAll(ids.slice(0, k).map((id) => s.checkpoint(id, name, { concurrency: k, sizeMb: p.sizeMb, rep, batch: name }, { warmup }))),
        );
        for (const id of ids.slice(0, k)) await s.discard(id, name);
        s.progress(`${k} at once: ${recs.map(brief).join(', ')}`, warmup ? 0 : k);
      };
      const ks = Array.from({ length: p.n }, (_, i) => i + 1);
      for (let w = 1; w <= p.warmup; w++) await batch(p.n, w, true);
      for (let rep = 1; rep <= p.reps; rep++) for (const k of rep % 2 ? ks : [...ks].reverse()) await batch(k, rep, false);
    });
  } finally {
    await s.close();
  }
  return summarizeNway(s.records, s.runId);
}

export function nwaySteps(p: Pick<NwayParams, 'n' | 'reps'>): number {
  return (p.reps * p.n * (p.n + 1)) / 2;
}

/** Wall-clock span of a batch: first engine start to last engine end (from startedAt + queuedMs + wallMs). */
export function makespanMs(batch: readonly CheckpointRecord[]): number | undefined {
  const spans = batch.map((r) => {
    const start = Date.parse(r.startedAt) + (r.queuedMs ?? 0);
    return { start, end: start + r.wallMs };
  });
  if (!spans.length || spans.some((s) => !Number.isFinite(s.start))) return undefined;
  return Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
}

export function summarizeNway(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, NWAY, runId);
  const out = summaryBase(NWAY, 'N containers checkpointed at once', rs, runId);
  const ok = okCheckpoints(rs);
  const byK = groupBy(ok, (r) => numTag(r, 'concurrency'));
  const base = stat((byK.get(1) ?? []).map((r) => r.wallMs))?.median;
  const rows: string[][] = [];
  for (const k of sortedNumbers(byK.keys())) {
    const g = byK.get(k)!;
    const each = stat(g.map((r) => r.wallMs));
    const batches = [...groupBy(g, batchKey).values()];
    const slowest = stat(batches.map((b) => Math.max(...b.map((r) => r.wallMs))));
    const span = stat(batches.map(makespanMs));
    const mb = stat(g.map((r) => r.memoryBytes))?.median;
    const rate = span && mb !== undefined ? `${((k * mb) / 2 ** 20 / (span.median / 1000)).toFixed(0)} MB/s` : '–';
    rows.push([String(k), secs(each), x(ratio(each?.median, base)), secs(slowest), secs(span), rate]);
  }
  const size = stat(ok.map((r) => numTag(r, 'sizeMb')))?.median;
  out.tables.push({ title: `${size ?? '?'} MB memhogs; seconds, median (min–max) over checkpoints or batches`, head: ['at once', 'each', 'vs 1', 'slowest of batch', 'batch makespan', 'memory / makespan'], rows });
  out.notes.push('Seed 001 fig. 4: the ubuntu checkpoint grows about linearly with each container added. Seed 002 §4.6: on disk, about 2x per checkpoint with 4 at once.');
  return out;
}

export const nwayScenario: ScenarioDef<NwayParams> = {
  name: NWAY,
  title: 'N-way: 1..N containers checkpointed at once',
  reproduces: 'seed 001 fig. 4, 002 §4.6',
  flags: [
    { name: 'n', value: 'N', describe: 'most containers at once (default 5)' },
    { name: 'size', value: 'MB', describe: 'memhog size in MB (default 64)' },
  ],
  presets: { quick: { n: '3', size: '32', reps: '1', warmup: '0' }, full: { n: '5', size: '64', reps: '3', warmup: '1' } },
  parse: (f, common) => ({ ...common, n: int('n', f['n'] ?? '5', 1, 32), sizeMb: int('size', f['size'] ?? '64', 1, 16_384) }),
  steps: nwaySteps,
  describe: (p) => `1..${p.n} x ${p.sizeMb} MB at once, ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine`,
  run: runNway,
  summarize: summarizeNway,
};
