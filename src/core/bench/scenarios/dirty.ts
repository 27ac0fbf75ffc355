import type { DockerHost } from '../../host/dockerHost.js';
import type { RunRecord } from '../../records.js';
import { rotate } from '../order.js';
import { intList, ScenarioParamError } from './params.js';
import { BenchSession } from './session.js';
import { brief, bytes, groupBy, numTag, okCheckpoints, ratio, secs, selectRun, sortedNumbers, stat, summaryBase, x } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface DirtyParams extends CommonParams {
  sizesMb: number[];
  /** Share of the memory rewritten per second, per container. */
  dirtyPcts: number[];
}

export const DIRTY = 'dirty';

/**
 * cryo-memhog writes every page once before its first tick (so "resident" is known), and
 * has no option to allocate without touching: the seed's "allocated but unchanged" column
 * needs one (e.g. a 4th argument that skips the first-touch loop) in test/images/memhog.c.
 */
export const UNTOUCHED_UNSUPPORTED =
  '--modes untouched: cryo-memhog touches every page before its first tick and has no allocate-only mode; measuring "allocated but untouched" needs a memhog option that skips the first-touch loop (test/images/memhog.c).';

/** "0,5" -> [0, 5] (%/s); "untouched" is refused with the reason. */
export function parseDirtyModes(text: string): number[] {
  if (text.split(',').some((m) => m.trim() === 'untouched')) throw new ScenarioParamError(UNTOUCHED_UNSUPPORTED);
  return intList('modes', text, 0, 100);
}

/**
 * Seed 002 §4.4–4.5 and table 4.3: checkpoint time and image size for 1 MB, 100 MB and
 * 1 GB of memory, still (0 %/s) or being rewritten (5 %/s by default). One memhog per size
 * and rate, those of one size running side by side and taken in turns (rotated per
 * repetition); leave-running checkpoints. Tags: sizeMb, dirtyPct, rep.
 */
export async function runDirty(host: DockerHost, p: DirtyParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, DIRTY, p, dirtySteps(p), opts);
  try {
    for (const mb of p.sizesMb) {
      // Every rate of one size side by side, taken in a rotated order per repetition, so a
      // drifting host load does not land on one rate.
      const ids = new Map<number, string>();
      for (const pct of p.dirtyPcts) {
        s.progress(`starting a ${mb} MB memhog dirtying ${pct} %/s`);
        ids.set(pct, await s.startMemhog(`${mb}mb-${pct}pct`, mb, pct));
      }
      const once = async (pct: number, rep: number, warmup: boolean) => {
        const id = ids.get(pct)!;
        const name = `${warmup ? 'w' : 'a'}${rep}`;
        if (!warmup) await s.settle();
        const r = await s.checkpoint(id, name, { sizeMb: mb, dirtyPct: pct, rep }, { warmup });
        await s.discard(id, name);
        s.progress(`${mb} MB at ${pct} %/s: ${brief(r)}`, warmup ? 0 : 1);
      };
      for (let w = 1; w <= p.warmup; w++) for (const pct of p.dirtyPcts) await once(pct, w, true);
      for (let rep = 1; rep <= p.reps; rep++) for (const pct of rotate(p.dirtyPcts, rep)) await once(pct, rep, false);
      for (const id of ids.values()) await s.remove(id);
    }
  } finally {
    await s.close();
  }
  return summarizeDirty(s.records, s.runId);
}

export function dirtySteps(p: Pick<DirtyParams, 'sizesMb' | 'dirtyPcts' | 'reps'>): number {
  return p.reps * p.sizesMb.length * p.dirtyPcts.length;
}

export function summarizeDirty(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, DIRTY, runId);
  const out = summaryBase(DIRTY, 'Memory size x dirty rate: checkpoint time and image size', rs, runId);
  const bySize = groupBy(okCheckpoints(rs), (r) => numTag(r, 'sizeMb'));
  const rows: string[][] = [];
  for (const mb of sortedNumbers(bySize.keys())) {
    const byPct = groupBy(bySize.get(mb)!, (r) => numTag(r, 'dirtyPct'));
    for (const pct of sortedNumbers(byPct.keys())) {
      const g = byPct.get(pct)!;
      const mem = stat(g.map((r) => r.memoryBytes))?.median;
      const img = stat(g.map((r) => r.imageBytes))?.median;
      const frozen = stat(g.map((r) => (r.criu ? r.criu.frozenTimeUs / 1000 : undefined)));
      rows.push([`${mb} MB`, `${pct} %/s`, bytes(mem), secs(stat(g.map((r) => r.wallMs))), frozen ? (frozen.median / 1000).toFixed(2) : '–', bytes(img), x(ratio(img, mem))]);
    }
  }
  out.tables.push({ title: 'Leave-running checkpoints; seconds, median (min–max)', head: ['memory', 'dirty rate', 'memory in use', 'checkpoint', 'CRIU frozen', 'image', 'image / memory'], rows });
  out.notes.push('Seed 002 table 4.3: checkpoint image 1 MB / 100 MB / 1 GB for processes rewriting 1 MB / 100 MB / 1 GB; 175.2 KB for memory allocated but never written.');
  out.notes.push('Not measured here: "allocated but untouched" (cryo-memhog has no allocate-only mode).');
  return out;
}

export const dirtyScenario: ScenarioDef<DirtyParams> = {
  name: DIRTY,
  title: 'Dirty rate: memory size x dirty rate',
  reproduces: 'seed 002 §4.4–4.5, table 4.3',
  flags: [
    { name: 'sizes', value: '1,100,1024', describe: 'memhog sizes in MB' },
    { name: 'modes', value: '0,5', describe: 'dirty rates in %/s of the memory ("untouched" needs a memhog option it lacks)' },
  ],
  presets: { quick: { sizes: '1,100', modes: '0,5', reps: '1', warmup: '0' }, full: { sizes: '1,100,1024', modes: '0,5', reps: '3', warmup: '1' } },
  parse: (f, common) => ({ ...common, sizesMb: intList('sizes', f['sizes'] ?? '1,100,1024', 1, 16_384), dirtyPcts: parseDirtyModes(f['modes'] ?? '0,5') }),
  steps: dirtySteps,
  describe: (p) => `${p.sizesMb.join(', ')} MB x ${p.dirtyPcts.map((d) => `${d} %/s`).join(', ')}, ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine`,
  run: runDirty,
  summarize: summarizeDirty,
};
