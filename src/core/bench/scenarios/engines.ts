import type { DockerHost } from '../../host/dockerHost.js';
import type { RunRecord } from '../../records.js';
import { DEFAULT_SIZES_MB, runEnginesBench } from '../engines.js';
import { METHODS, type BenchMethod } from '../methods.js';
import { goalRatios, summarizeRuns, type MeasuredRun } from '../report.js';
import { intList, ScenarioParamError } from './params.js';
import { brief, bytes, numTag, okCheckpoints, selectRun, strTag, summaryBase } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface EnginesParams extends CommonParams {
  sizesMb: number[];
  methods: BenchMethod[];
}

export const ENGINES = 'engines';

export function parseMethodList(text: string): BenchMethod[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !(METHODS as readonly string[]).includes(p));
  if (bad.length) throw new ScenarioParamError(`--methods: unknown ${bad.map((b) => `"${b}"`).join(', ')} (known: ${METHODS.join(', ')}).`);
  if (new Set(parts).size !== parts.length) throw new ScenarioParamError(`--methods "${text}": a method is listed twice.`);
  return parts as BenchMethod[];
}

/** The existing engine comparison (engines.ts), registered with the other scenarios. */
export async function runEngines(host: DockerHost, p: EnginesParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const total = enginesSteps(p);
  let done = 0;
  const result = await runEnginesBench(host, {
    sizesMb: p.sizesMb,
    reps: p.reps,
    warmup: p.warmup,
    settleMs: p.settleMs,
    methods: p.methods,
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.runId ? { runId: opts.runId } : {}),
    onProgress: (e) => {
      if (e.type === 'container') return opts.onProgress?.({ message: `${e.sizeMb} MB memhog resident`, done, total });
      if (!e.warmup) done++;
      opts.onProgress?.({ message: `${e.sizeMb} MB ${e.warmup ? 'warm-up' : 'rep'} ${e.rep} ${e.measurement.method}: ${brief(e.measurement.record)}`, done, total });
    },
  });
  // Summarised from the measurements (they carry the call time the records do not).
  const out = summarizeEngines(result.measurements.map((m) => m.record), result.runId);
  const rows = summarizeRuns(result.measurements);
  out.tables = [enginesTable(rows)];
  return out;
}

export function enginesSteps(p: Pick<EnginesParams, 'sizesMb' | 'methods' | 'reps'>): number {
  return p.reps * p.sizesMb.length * p.methods.length;
}

function enginesTable(rows: ReturnType<typeof summarizeRuns>) {
  const s = (x?: { median: number; min: number; max: number; n: number }) => (x ? (x.n === 1 ? (x.median / 1000).toFixed(2) : `${(x.median / 1000).toFixed(2)} (${(x.min / 1000).toFixed(2)}–${(x.max / 1000).toFixed(2)})`) : '–');
  // Records do not keep the whole call's time (only a live run's measurements do): no empty column then.
  const withCall = rows.some((r) => r.callMs);
  return {
    title: 'Leave-running checkpoint of one memhog, four ways; seconds, median (min–max)',
    head: ['size', 'method', 'wall', ...(withCall ? ['call'] : []), 'CRIU frozen', 'image', 'failed'],
    rows: rows.map((r) => [`${r.sizeMb} MB`, r.method, s(r.wallMs), ...(withCall ? [s(r.callMs)] : []), r.frozenMs ? (r.frozenMs.median / 1000).toFixed(2) : '–', bytes(r.imageBytes), String(r.failed)]),
  };
}

export function summarizeEngines(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, ENGINES, runId);
  const out = summaryBase(ENGINES, 'Engines: docker CLI vs Cryo (docker, runc) vs raw runc', rs, runId);
  const runs: MeasuredRun[] = rs.flatMap((r) => {
    const method = strTag(r, 'method');
    const sizeMb = numTag(r, 'sizeMb');
    const rep = numTag(r, 'rep');
    return r.kind === 'checkpoint' && method !== undefined && sizeMb !== undefined ? [{ method, sizeMb, ...(rep !== undefined ? { rep } : {}), record: r }] : [];
  });
  const rows = summarizeRuns(runs);
  out.tables.push(enginesTable(rows));
  const sizes = [...new Set(okCheckpoints(rs).map((r) => numTag(r, 'sizeMb')))];
  const at = sizes.includes(256) ? 256 : (sizes[0] ?? 256);
  for (const g of goalRatios(rows, at, runs)) {
    if (g.label.includes('(engine)')) out.goals.push({ label: `${g.label} at ${at} MB`, goal: g.goal, ...(g.value !== undefined ? { value: g.value } : {}), ...(g.met !== undefined ? { met: g.met } : {}) });
  }
  out.notes.push('host-setup.md (this machine, 2026-11-21): docker checkpoint create 7.3–9.1 s vs runc 0.63–1.0 s at 256 MB.');
  return out;
}

export const enginesScenario: ScenarioDef<EnginesParams> = {
  name: ENGINES,
  title: 'Engines: docker CLI vs Cryo vs raw runc',
  reproduces: 'host-setup.md speed table',
  flags: [
    { name: 'sizes', value: '16,256,1024', describe: 'memhog sizes in MB' },
    { name: 'methods', value: METHODS.join(','), describe: 'methods compared' },
  ],
  presets: { quick: { sizes: '16', methods: 'cryo-runc,raw-runc', reps: '2', warmup: '0' }, full: { sizes: '16,256,1024', methods: METHODS.join(','), reps: '3', warmup: '1' } },
  parse: (f, common) => {
    if (f['engine'] !== undefined) throw new ScenarioParamError('engines: use --methods to choose what is compared (--engine does not apply).');
    return { ...common, sizesMb: intList('sizes', f['sizes'] ?? DEFAULT_SIZES_MB.join(','), 1, 16_384), methods: parseMethodList(f['methods'] ?? METHODS.join(',')) };
  },
  steps: enginesSteps,
  describe: (p) => `${p.methods.join(', ')} at ${p.sizesMb.join(', ')} MB, ${p.reps} rep(s) + ${p.warmup} warm-up`,
  run: runEngines,
  summarize: summarizeEngines,
};
