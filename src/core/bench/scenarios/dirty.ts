import type { DockerHost } from '../../host/dockerHost.js';
import type { RunRecord } from '../../records.js';
import { rotate } from '../order.js';
import { intList, ScenarioParamError } from './params.js';
import { BenchSession } from './session.js';
import { brief, bytes, groupBy, numTag, okCheckpoints, ratio, secs, selectRun, sortedNumbers, stat, strTag, summaryBase, x } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

/** Memory mapped and never written (seed 002's "allocated but untouched"). */
export const UNTOUCHED = 'untouched';

/** What one memhog does with its memory: rewrite this many %/s of it, or never touch it. */
export type DirtyMode = number | typeof UNTOUCHED;

export interface DirtyParams extends CommonParams {
  sizesMb: number[];
  /** One memhog per mode and size. */
  modes: DirtyMode[];
}

export const DIRTY = 'dirty';

/** "0,5,untouched" -> [0, 5, 'untouched']: whole %/s rates from 0 to 100 or "untouched", each once. */
export function parseDirtyModes(text: string): DirtyMode[] {
  const parts = text.split(',').map((m) => m.trim());
  const modes = parts.map((m): DirtyMode | undefined => (m === UNTOUCHED ? UNTOUCHED : /^\d+$/.test(m) && Number(m) <= 100 ? Number(m) : undefined));
  if (modes.some((m) => m === undefined)) {
    throw new ScenarioParamError(`--modes "${text}": use dirty rates in %/s (whole numbers from 0 to 100) or "untouched" (allocated, never written), separated by commas, e.g. 0,5,untouched.`);
  }
  if (new Set(modes).size !== modes.length) throw new ScenarioParamError(`--modes "${text}": a mode is listed twice.`);
  return modes as DirtyMode[];
}

/** "5 %/s" or "untouched": for progress, descriptions and the summary's rows. */
export function modeLabel(m: DirtyMode): string {
  return m === UNTOUCHED ? UNTOUCHED : `${m} %/s`;
}

/**
 * A rate is tagged as before (dirtyPct, so older records and charts keep reading it);
 * untouched has no rate, so it gets dirtyMode instead and no dirtyPct.
 */
export function modeTags(m: DirtyMode): { dirtyPct: number } | { dirtyMode: typeof UNTOUCHED } {
  return m === UNTOUCHED ? { dirtyMode: UNTOUCHED } : { dirtyPct: m };
}

/** The mode a record was taken in, from modeTags(); undefined for a record without either tag. */
export function modeOf(r: RunRecord): DirtyMode | undefined {
  return strTag(r, 'dirtyMode') === UNTOUCHED ? UNTOUCHED : numTag(r, 'dirtyPct');
}

/** Rates ascending, then untouched. */
export function sortedModes(ms: Iterable<DirtyMode>): DirtyMode[] {
  const all = [...new Set(ms)];
  const rates = sortedNumbers(all.filter((m): m is number => m !== UNTOUCHED));
  return all.includes(UNTOUCHED) ? [...rates, UNTOUCHED] : rates;
}

/**
 * Seed 002 §4.4–4.5 and table 4.3: checkpoint time and image size for 1 MB, 100 MB and
 * 1 GB of memory, still (0 %/s), being rewritten (5 %/s by default) or allocated and never
 * written ("untouched"). One memhog per size and mode, those of one size running side by
 * side and taken in turns (rotated per repetition); leave-running checkpoints.
 * Tags: sizeMb, dirtyPct or dirtyMode (modeTags), rep.
 */
export async function runDirty(host: DockerHost, p: DirtyParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, DIRTY, p, dirtySteps(p), opts);
  try {
    for (const mb of p.sizesMb) {
      // Every mode of one size side by side, taken in a rotated order per repetition, so a
      // drifting host load does not land on one mode.
      const ids = new Map<DirtyMode, string>();
      for (const m of p.modes) {
        s.progress(`starting a ${mb} MB memhog, ${modeLabel(m)}`);
        ids.set(m, await s.startMemhog(`${mb}mb-${m === UNTOUCHED ? m : `${m}pct`}`, mb, m));
      }
      const once = async (m: DirtyMode, rep: number, warmup: boolean) => {
        const id = ids.get(m)!;
        const name = `${warmup ? 'w' : 'a'}${rep}`;
        if (!warmup) await s.settle();
        const r = await s.checkpoint(id, name, { sizeMb: mb, ...modeTags(m), rep }, { warmup });
        await s.discard(id, name);
        s.progress(`${mb} MB, ${modeLabel(m)}: ${brief(r)}`, warmup ? 0 : 1);
      };
      for (let w = 1; w <= p.warmup; w++) for (const m of p.modes) await once(m, w, true);
      for (let rep = 1; rep <= p.reps; rep++) for (const m of rotate(p.modes, rep)) await once(m, rep, false);
      for (const id of ids.values()) await s.remove(id);
    }
  } finally {
    await s.close();
  }
  return summarizeDirty(s.records, s.runId);
}

export function dirtySteps(p: Pick<DirtyParams, 'sizesMb' | 'modes' | 'reps'>): number {
  return p.reps * p.sizesMb.length * p.modes.length;
}

export function summarizeDirty(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, DIRTY, runId);
  const out = summaryBase(DIRTY, 'Memory size x dirty rate: checkpoint time and image size', rs, runId);
  const bySize = groupBy(okCheckpoints(rs), (r) => numTag(r, 'sizeMb'));
  const rows: string[][] = [];
  for (const mb of sortedNumbers(bySize.keys())) {
    const byMode = groupBy(bySize.get(mb)!, modeOf);
    for (const m of sortedModes(byMode.keys())) {
      const g = byMode.get(m)!;
      const mem = stat(g.map((r) => r.memoryBytes))?.median;
      const img = stat(g.map((r) => r.imageBytes))?.median;
      const frozen = stat(g.map((r) => (r.criu ? r.criu.frozenTimeUs / 1000 : undefined)));
      rows.push([`${mb} MB`, modeLabel(m), bytes(mem), secs(stat(g.map((r) => r.wallMs))), frozen ? (frozen.median / 1000).toFixed(2) : '–', bytes(img), x(ratio(img, mem))]);
    }
  }
  out.tables.push({ title: 'Leave-running checkpoints; seconds, median (min–max)', head: ['memory', 'dirty rate', 'memory in use', 'checkpoint', 'CRIU frozen', 'image', 'image / memory'], rows });
  out.notes.push('Seed 002 table 4.3: checkpoint image 1 MB / 100 MB / 1 GB for processes rewriting 1 MB / 100 MB / 1 GB; 175.2 KB for memory allocated but never written.');
  out.notes.push('"untouched": the memory is mapped but never written, so none of it is resident; "memory in use" and the image are the process\'s own few pages, not the size allocated.');
  return out;
}

export const dirtyScenario: ScenarioDef<DirtyParams> = {
  name: DIRTY,
  title: 'Dirty rate: memory size x dirty rate',
  reproduces: 'seed 002 §4.4–4.5, table 4.3',
  flags: [
    { name: 'sizes', value: '1,100,1024', describe: 'memhog sizes in MB' },
    { name: 'modes', value: '0,5,untouched', describe: 'dirty rates in %/s of the memory, and "untouched" (allocated, never written)' },
  ],
  presets: { quick: { sizes: '1,100', modes: '0,5,untouched', reps: '1', warmup: '0' }, full: { sizes: '1,100,1024', modes: '0,5,untouched', reps: '3', warmup: '1' } },
  parse: (f, common) => ({ ...common, sizesMb: intList('sizes', f['sizes'] ?? '1,100,1024', 1, 16_384), modes: parseDirtyModes(f['modes'] ?? '0,5,untouched') }),
  steps: dirtySteps,
  describe: (p) => `${p.sizesMb.join(', ')} MB x ${p.modes.map(modeLabel).join(', ')}, ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine`,
  run: runDirty,
  summarize: summarizeDirty,
};
