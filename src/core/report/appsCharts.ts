// `cryo bench apps` charts (seed 001 fig. 2 and 3 with real applications): time and image size
// per app alone vs all at once, and the subject's time with each partner. Pure like series.ts.
import type { CheckpointRecord } from '../records.js';
import { finite, grouped, type CategoryDataset } from './grouping.js';
import { scenarioOf, tagOf, type ChartRun } from './runs.js';
import type { CategoryChart } from './series.js';

/** The scenario that writes these runs (src/core/bench/scenarios/appsSummary.ts, APPS_SCENARIO). */
export const APPS_CHART_SCENARIO = 'apps';
/** Chart order of the apps: the seed's, smallest to largest. */
const APP_ORDER = ['base', 'redis', 'nginx', 'postgresql', 'mariadb'];
const MIB = 1024 * 1024;
const NOTE = 'No application runs yet — run a benchmark: cryo bench apps (needs the cryo-apps image).';

const str = (r: ChartRun, key: string) => {
  const v = tagOf(r, key);
  return v === undefined ? undefined : String(v);
};

/** "redis (redis)", "postgresql (mongo)": the app and what the seed ran in its place. */
function appLabel(r: ChartRun): string | undefined {
  const app = str(r, 'app');
  if (app === undefined) return undefined;
  const seed = str(r, 'seedApp');
  return seed === undefined || seed === app ? app : `${app} (${seed})`;
}

function appRank(label: string): number {
  const i = APP_ORDER.indexOf(label.split(' ')[0]!);
  return i < 0 ? APP_ORDER.length : i;
}
const byApp = (a: string, b: string) => appRank(a) - appRank(b) || a.localeCompare(b);

/** alone, or all apps at once; pairs have a chart of their own. */
function modeOf(r: ChartRun): string | undefined {
  const m = str(r, 'mode');
  return m === 'alone' ? 'alone' : m === 'with-others' ? 'all at once' : undefined;
}

/** The shared alone/concurrent colours, so the apps charts read like the alone-vs-concurrent one. */
function recolour(ds: CategoryDataset[]): CategoryDataset[] {
  return ds.map((d) => ({ ...d, colorKey: d.label === 'alone' ? 'alone' : 'concurrent' }));
}

/** Seed 001's fig. 3, for the pairwise chart: ubuntu alone and with each partner (seconds). */
const SEED_PAIRS: Readonly<Record<string, number>> = { alone: 0.351, redis: 0.538, nginx: 0.468, mongo: 0.638, mysql: 0.627 };

function pairwise(runs: readonly CheckpointRecord[]): CategoryChart {
  const subjectAlone = new Set(runs.filter((r) => str(r, 'role') === 'subject').map((r) => str(r, 'app')));
  const seedOf = new Map(runs.map((r) => [str(r, 'app'), str(r, 'seedApp')]));
  // Both dumps of a pair must have worked (runs holds only good ones): a refused partner left the subject alone.
  const batchOf = (r: ChartRun) => `${str(r, 'benchRun') ?? ''}/${str(r, 'batch') ?? ''}`;
  const perBatch = new Map<string, number>();
  for (const r of runs) if (str(r, 'mode') === 'pair') perBatch.set(batchOf(r), (perBatch.get(batchOf(r)) ?? 0) + 1);
  const pick = runs.filter((r) => (str(r, 'role') === 'subject' && str(r, 'partner') !== undefined && perBatch.get(batchOf(r)) === 2) || (str(r, 'mode') === 'alone' && subjectAlone.has(str(r, 'app'))));
  const labelOf = (r: ChartRun) => {
    const partner = str(r, 'partner');
    if (partner === undefined) return 'alone';
    const seed = seedOf.get(partner);
    return seed === undefined || seed === partner ? `with ${partner}` : `with ${partner} (${seed})`;
  };
  const order = (a: string, b: string) => (a === 'alone' ? -1 : b === 'alone' ? 1 : byApp(a.slice(5), b.slice(5)));
  const g = grouped(pick, labelOf, (r) => str(r, 'app'), (r) => finite(r.wallMs / 1000), { labels: order });
  if (g.labels.length) {
    const seedValue = (label: string) => {
      const m = /\((\w+)\)$/.exec(label);
      return label === 'alone' ? SEED_PAIRS['alone'] : SEED_PAIRS[m?.[1] ?? label.slice(5)];
    };
    g.datasets.push({ label: 'seed 001', colorKey: 'seed 001', data: g.labels.map((l) => seedValue(l) ?? null) });
  }
  return { id: 'appsPairwise', kind: 'bar', title: 'Apps pairwise: one container checkpointed alone and with each other app (median, min–max)', xTitle: 'checkpointed', yTitle: 's', emptyNote: NOTE, ...g };
}

/** The three apps charts, from runs already in start order. */
export function appsCharts(runs: readonly ChartRun[]): CategoryChart[] {
  const mine = runs.filter((r): r is CheckpointRecord => r.kind === 'checkpoint' && r.outcome === 'ok' && scenarioOf(r) === APPS_CHART_SCENARIO && tagOf(r, 'warmup') !== true);
  const series = { labels: byApp, series: ['alone', 'all at once'] };
  const time = grouped(mine, appLabel, modeOf, (r) => finite(r.wallMs / 1000), series);
  const image = grouped(mine, appLabel, modeOf, (r) => (r.imageBytes === undefined ? undefined : finite(r.imageBytes / MIB)), series);
  return [
    { id: 'appsTime', kind: 'bar', title: 'Apps: checkpoint time alone vs all at once (median, min–max)', xTitle: 'application (seed 001 name)', yTitle: 's', emptyNote: NOTE, labels: time.labels, datasets: recolour(time.datasets) },
    { id: 'appsImage', kind: 'bar', title: 'Apps: checkpoint image size alone vs all at once (median, min–max)', xTitle: 'application (seed 001 name)', yTitle: 'MiB', emptyNote: NOTE, labels: image.labels, datasets: recolour(image.datasets) },
    pairwise(mine),
  ];
}
