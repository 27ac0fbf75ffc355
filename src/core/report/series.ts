import type { CheckpointRecord, RestoreRecord } from '../records.js';
import { appsCharts } from './appsCharts.js';
import { benchCharts } from './benchCharts.js';
import { grouped, naturalSort, numericSort, type CategoryDataset } from './grouping.js';
import { byStart, engineOf, numTag, scenarioOf, tagOf, type ChartRun } from './runs.js';
import { groupBy, summarize } from './stats.js';

export type { CategoryDataset } from './grouping.js';

/** Every chart the charts view draws, in display order; the apps* ones are appsCharts.ts's, the last four benchCharts.ts's. */
export const CHART_IDS = [
  'checkpointTime',
  'imageSize',
  'timeVsSize',
  'frozenBreakdown',
  'aloneVsConcurrent',
  'nWay',
  'processes',
  'restoreTime',
  'appsTime',
  'appsImage',
  'appsPairwise',
  'predumpFrozen',
  'migrationDowntime',
  'chainSize',
  'chainRestore',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

export function isChartId(x: unknown): x is ChartId {
  return typeof x === 'string' && (CHART_IDS as readonly string[]).includes(x);
}

export interface ScatterDataset {
  label: string;
  data: { x: number; y: number }[];
  colorKey: string;
  /** One line of context per point (container, host, start). */
  tooltips: string[];
}

interface ChartBase {
  id: ChartId;
  title: string;
  xTitle: string;
  yTitle: string;
  /** Shown instead of an empty canvas. */
  emptyNote: string;
}

export interface CategoryChart extends ChartBase {
  kind: 'line' | 'bar' | 'stackedBar';
  labels: string[];
  datasets: CategoryDataset[];
  /** One line of context per label, for per-run charts. */
  tooltips?: string[];
}

export interface ScatterChart extends ChartBase {
  kind: 'scatter';
  datasets: ScatterDataset[];
}

export type ChartSeries = CategoryChart | ScatterChart;

export function isEmptyChart(c: ChartSeries): boolean {
  if (c.kind === 'scatter') return c.datasets.every((d) => d.data.length === 0);
  return c.labels.length === 0 || c.datasets.every((d) => d.data.every((v) => v === null));
}

const NO_RUNS = 'No runs yet — run a benchmark.';
const MIB = 1024 * 1024;

const isOkCheckpoint = (r: ChartRun): r is CheckpointRecord => r.kind === 'checkpoint' && r.outcome === 'ok';
const isOkRestore = (r: ChartRun): r is RestoreRecord => r.kind === 'restore' && r.outcome === 'ok';

function describe(r: ChartRun): string {
  const scenario = scenarioOf(r);
  return [r.container, r.host, engineOf(r), scenario, r.startedAt].filter((s) => s !== undefined && s !== '').join(' · ');
}

/** Per-run series: one label per run in start order, one dataset per engine (null elsewhere). */
function perRun<R extends CheckpointRecord | RestoreRecord>(runs: R[], value: (r: R) => number | undefined, seriesOf: (r: R) => string, tooltips: string[] = runs.map(describe)) {
  const keys = [...new Set(runs.map(seriesOf))].sort(naturalSort);
  const datasets: CategoryDataset[] = keys.map((k) => ({ label: k, colorKey: k, data: new Array<number | null>(runs.length).fill(null) }));
  const index = new Map(keys.map((k, i) => [k, datasets[i]!]));
  runs.forEach((r, i) => {
    const v = value(r);
    if (v !== undefined && Number.isFinite(v)) index.get(seriesOf(r))!.data[i] = v;
  });
  return { labels: runs.map((_, i) => String(i + 1)), datasets, tooltips };
}

/** Alone (concurrency 1, or a scenario saying so) or concurrent; undefined when a run says neither. */
export function concurrencyMode(r: ChartRun): 'alone' | 'concurrent' | undefined {
  const n = numTag(r, 'concurrency');
  if (n !== undefined) return n <= 1 ? 'alone' : 'concurrent';
  const s = scenarioOf(r)?.toLowerCase();
  if (!s) return undefined;
  if (/concurren|parallel|n-way|nway/.test(s)) return 'concurrent';
  if (/alone|solo|single|baseline/.test(s)) return 'alone';
  return undefined;
}

/**
 * CRIU phases of the time a checkpoint stops the container, in milliseconds, as disjoint segments
 * that stack to freezing + frozen. CRIU's timers nest: freezing ends where frozen starts
 * (criu/seize.c), memdump runs inside frozen, and a dump's memwrite (writing the pages to the
 * images, xfer_pages) runs inside memdump (criu/mem.c, __parasite_dump_pages_seized). So
 * memdump's own segment is memdump - memwrite, and the rest of frozen is frozen - memdump.
 */
export const FROZEN_PHASES = ['freezing', 'memdump - memwrite', 'memwrite', 'other frozen'] as const;
export type FrozenPhase = (typeof FROZEN_PHASES)[number];

function phaseMs(r: CheckpointRecord, phase: FrozenPhase): number | undefined {
  const c = r.criu;
  if (!c) return undefined;
  switch (phase) {
    case 'freezing':
      return c.freezingTimeUs / 1000;
    case 'memdump - memwrite':
      // Clamped: timer granularity can make the nested timer read a hair longer than its parent.
      return Math.max(0, c.memdumpTimeUs - c.memwriteTimeUs) / 1000;
    case 'memwrite':
      return c.memwriteTimeUs / 1000;
    case 'other frozen':
      // Everything else CRIU does while the tasks are stopped: files, mounts, sockets, the runc round trips.
      return Math.max(0, c.frozenTimeUs - c.memdumpTimeUs) / 1000;
  }
}

/** The scenario that writes the N-way curve (src/core/bench/scenarios/nway.ts, NWAY). */
export const NWAY_SCENARIO = 'nway';

/** Builds every chart's series from runs that are already filtered. Pure: no DOM, no vscode. */
export function buildCharts(runs: readonly ChartRun[]): ChartSeries[] {
  const ordered = byStart(runs);
  const checkpoints = ordered.filter(isOkCheckpoint);
  const restores = ordered.filter(isOkRestore);
  const engine = (r: ChartRun) => engineOf(r) ?? 'unknown';

  const tips = checkpoints.map(describe);
  const time = perRun(checkpoints, (r) => r.wallMs, engine, tips);
  const size = perRun(checkpoints, (r) => (r.imageBytes !== undefined ? r.imageBytes / MIB : undefined), engine, tips);
  const sized = checkpoints.filter((r) => r.imageBytes !== undefined);
  const scatterKeys = [...new Set(sized.map(engine))].sort(naturalSort);
  const scatter: ScatterDataset[] = scatterKeys.map((k) => {
    const mine = sized.filter((r) => engine(r) === k);
    return { label: k, colorKey: k, data: mine.map((r) => ({ x: r.imageBytes! / MIB, y: r.wallMs })), tooltips: mine.map(describe) };
  });

  // Stacked phases: one bar per scenario (or container when untagged), each segment a median. A
  // benchmark that compares methods (pre-dump vs direct, raw runc vs Cryo) gets a bar per method.
  const withStats = checkpoints.filter((r) => r.criu !== undefined);
  const groupOf = (r: CheckpointRecord) => {
    const method = tagOf(r, 'method');
    const base = scenarioOf(r) ?? r.container;
    return method === undefined ? base : `${base} · ${String(method)}`;
  };
  const frozenLabels = [...new Set(withStats.map(groupOf))].sort(naturalSort);
  const frozenGroups = groupBy(withStats, groupOf);
  const frozen: CategoryDataset[] = withStats.length
    ? FROZEN_PHASES.map((phase) => {
        const sums = frozenLabels.map((l) => summarize((frozenGroups.get(l) ?? []).map((r) => phaseMs(r, phase) ?? NaN)));
        return { label: phase, colorKey: phase, data: sums.map((s) => s?.median ?? null), n: sums.map((s) => s?.n ?? 0) };
      })
    : [];

  const modes = grouped(checkpoints, (r) => r.container, concurrencyMode, (r) => r.wallMs, { series: ['alone', 'concurrent'] });
  // Only the N-way scenario's runs: pairwise and scheduler runs carry a concurrency tag too, and
  // their pairs and queues would bend the seed's curve.
  const nWayRuns = checkpoints.filter((r) => scenarioOf(r) === NWAY_SCENARIO);
  const nWay = grouped(nWayRuns, (r) => numTag(r, 'concurrency')?.toString(), engine, (r) => r.wallMs, { labels: numericSort });
  const procs = grouped(checkpoints, (r) => numTag(r, 'processes')?.toString(), engine, (r) => r.wallMs, { labels: numericSort });
  const restore = perRun(restores, (r) => r.wallMs, () => 'restore');

  return [
    { id: 'checkpointTime', kind: 'line', title: 'Checkpoint time per run', xTitle: 'run (in start order)', yTitle: 'ms', emptyNote: NO_RUNS, ...time },
    { id: 'imageSize', kind: 'bar', title: 'Checkpoint image size per run', xTitle: 'run (in start order)', yTitle: 'MiB', emptyNote: NO_RUNS, ...size },
    { id: 'timeVsSize', kind: 'scatter', title: 'Checkpoint time vs image size', xTitle: 'image size (MiB)', yTitle: 'checkpoint time (ms)', emptyNote: NO_RUNS, datasets: scatter },
    {
      id: 'frozenBreakdown',
      kind: 'stackedBar',
      title: 'Frozen time by CRIU phase (median)',
      xTitle: 'scenario or container',
      yTitle: 'ms',
      emptyNote: 'No CRIU statistics yet — the runc engine records them; run a benchmark with it.',
      labels: withStats.length ? frozenLabels : [],
      datasets: frozen,
    },
    {
      id: 'aloneVsConcurrent',
      kind: 'bar',
      title: 'Alone vs concurrent checkpoint time (median, min–max)',
      xTitle: 'container',
      yTitle: 'ms',
      emptyNote: 'No runs tagged with concurrency or an alone/concurrent scenario yet — run a benchmark.',
      ...modes,
    },
    { id: 'nWay', kind: 'line', title: 'N-way concurrent checkpoints (median, min–max)', xTitle: 'containers checkpointed at once', yTitle: 'ms per checkpoint', emptyNote: 'No N-way runs yet — run a benchmark: cryo bench nway.', ...nWay },
    { id: 'processes', kind: 'line', title: 'Checkpoint time by process count (median, min–max)', xTitle: 'processes in the container', yTitle: 'ms', emptyNote: 'No runs tagged with a process count yet — run a benchmark.', ...procs },
    { id: 'restoreTime', kind: 'line', title: 'Restore time per run', xTitle: 'restore (in start order)', yTitle: 'ms', emptyNote: NO_RUNS, ...restore },
    ...appsCharts(ordered),
    ...benchCharts(ordered),
  ];
}
