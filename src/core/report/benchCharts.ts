// The v0.4 benchmarks' charts: pre-dump vs direct frozen time, migration downtime by method,
// and checkpoint chains by length. Pure like series.ts, which lists them with the others.
import type { CheckpointRecord, MigrationRecord, RestoreRecord } from '../records.js';
import { finite, grouped, naturalSort, numericSort } from './grouping.js';
import { numTag, scenarioOf, tagOf, type ChartRun } from './runs.js';
import type { CategoryChart } from './series.js';

const MIB = 1024 * 1024;

/** `tags.method` of `cryo bench predump`, in the order the bars stand (src/core/bench/predump.ts). */
export const PREDUMP_METHODS = ['direct', 'predump', 'predump-phaul'] as const;
/** Migration methods with a downtime: `cryo bench migration`'s raw pipes time only a transfer. */
export const MIGRATION_METHODS = ['stopcopy', 'precopy'] as const;

const isOk = (r: ChartRun) => r.outcome === 'ok';

/** "256 MB · 5 %/s" from the benchmark tags, "256 MB" without a dirty rate; undefined without a size. */
function sizeDirtyLabel(r: ChartRun): string | undefined {
  const size = numTag(r, 'sizeMb');
  if (size === undefined) return undefined;
  const dirty = numTag(r, 'dirtyPct');
  return dirty === undefined ? `${size} MB` : `${size} MB · ${dirty} %/s`;
}

type SortKey = (string | number)[];

/**
 * Orders labels by the key of their first run, numbers numerically: "16 MB · 5 %/s" must come
 * before "16 MB · 50 %/s" and after "16 MB · 0.5 %/s", which a text order does not promise.
 */
function byKey<R extends ChartRun>(runs: readonly R[], labelOf: (r: R) => string | undefined, keyOf: (r: R) => SortKey): (a: string, b: string) => number {
  const keys = new Map<string, SortKey>();
  for (const r of runs) {
    const l = labelOf(r);
    if (l !== undefined && !keys.has(l)) keys.set(l, keyOf(r));
  }
  return (a, b) => {
    const ka = keys.get(a) ?? [];
    const kb = keys.get(b) ?? [];
    for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
      const x = ka[i];
      const y = kb[i];
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return naturalSort(String(x ?? ''), String(y ?? ''));
    }
    return naturalSort(a, b);
  };
}

/** Size, then dirty rate; runs without a size last. */
const sizeDirtyKey = (r: ChartRun): SortKey => [numTag(r, 'sizeMb') ?? Infinity, numTag(r, 'dirtyPct') ?? -1];

/**
 * A checkpoint's pre-dump method: `tags.method` when it is one of PREDUMP_METHODS. Links of a
 * checkpoint chain carry the same method names but are measured by length (the chain charts),
 * so records with a `chainLength` stay out.
 */
export function predumpMethodOf(r: CheckpointRecord): string | undefined {
  const m = tagOf(r, 'method');
  if (typeof m !== 'string' || !(PREDUMP_METHODS as readonly string[]).includes(m)) return undefined;
  return tagOf(r, 'chainLength') === undefined ? m : undefined;
}

/**
 * stopcopy or precopy: `tags.method` from the benchmark; an untagged migration (made from the
 * tree) by whether it shipped pre-copy rounds. Other tagged methods (raw-pipe, cryo-pipe) time a
 * transfer only and have no downtime.
 */
export function migrationMethodOf(r: MigrationRecord): string | undefined {
  const m = tagOf(r, 'method');
  if (m === undefined) return r.precopyRounds?.length ? 'precopy' : 'stopcopy';
  return (MIGRATION_METHODS as readonly string[]).includes(String(m)) ? String(m) : undefined;
}

function routeOf(r: MigrationRecord): string {
  const t = tagOf(r, 'route');
  return typeof t === 'string' && t !== '' ? t : `${r.source}->${r.target}`;
}

/** Pre-dump vs direct: median CRIU frozen time of the final dump per size and dirty rate, one bar per method. */
function predumpFrozen(checkpoints: readonly CheckpointRecord[]): CategoryChart {
  const runs = checkpoints.filter((r) => predumpMethodOf(r) !== undefined && r.criu !== undefined);
  const g = grouped(runs, sizeDirtyLabel, predumpMethodOf, (r) => finite(r.criu!.frozenTimeUs / 1000), { labels: byKey(runs, sizeDirtyLabel, sizeDirtyKey), series: PREDUMP_METHODS });
  return {
    id: 'predumpFrozen',
    kind: 'bar',
    title: 'Pre-dump vs direct: CRIU frozen time (median, min–max)',
    xTitle: 'memory · dirty rate',
    yTitle: 'frozen ms',
    emptyNote: 'No pre-dump vs direct runs yet — run a benchmark: cryo bench predump (needs soft-dirty tracking on the host).',
    ...g,
  };
}

/**
 * Migration downtime (source frozen -> target running) per memory size, one bar per method. The
 * route and the dirty rate join the label when the runs span several: a VM's downtime is ~10x
 * the host's, and one median over both would describe neither. Untagged migrations (made from
 * the tree) are labelled by container.
 */
function migrationDowntime(migrations: readonly MigrationRecord[]): CategoryChart {
  const runs = migrations.filter((r) => migrationMethodOf(r) !== undefined && finite(r.downtimeMs) !== undefined);
  const routes = new Set(runs.map(routeOf)).size > 1;
  const dirtyRates = new Set(runs.map((r) => numTag(r, 'dirtyPct'))).size > 1;
  const labelOf = (r: MigrationRecord) => {
    const size = numTag(r, 'sizeMb');
    const dirty = numTag(r, 'dirtyPct');
    const parts = [routes ? routeOf(r) : undefined, size === undefined ? r.container : `${size} MB`, dirtyRates && dirty !== undefined ? `${dirty} %/s` : undefined];
    return parts.filter((p) => p !== undefined).join(' · ');
  };
  const order = byKey(runs, labelOf, (r) => [routes ? routeOf(r) : '', ...sizeDirtyKey(r), r.container]);
  const g = grouped(runs, labelOf, migrationMethodOf, (r) => r.downtimeMs! / 1000, { labels: order, series: MIGRATION_METHODS });
  return {
    id: 'migrationDowntime',
    kind: 'bar',
    title: 'Migration downtime, stop-and-copy vs pre-copy (median, min–max)',
    xTitle: ['route', 'memory', 'dirty rate'].filter((_, i) => [routes, true, dirtyRates][i]).join(' · '),
    yTitle: 'downtime (s)',
    emptyNote: 'No migrations yet — run a benchmark: cryo bench migration (pre-copy needs soft-dirty tracking on the source).',
    ...g,
  };
}

const chainLengthOf = (r: ChartRun) => (scenarioOf(r) === 'chain' ? numTag(r, 'chainLength')?.toString() : undefined);
/** One line per chain configuration (memory and dirty rate), usually one. */
const chainSeriesOf = (r: ChartRun) => sizeDirtyLabel(r) ?? 'chain';
const CHAIN_X = 'pre-dump rounds in the chain (0 = direct dump)';
const CHAIN_NOTE = 'No checkpoint chains yet — run a benchmark: cryo bench chain.';

/** Chain size on disk (every round's images plus the final dump) by chain length. */
function chainSize(checkpoints: readonly CheckpointRecord[]): CategoryChart {
  const g = grouped(checkpoints, chainLengthOf, chainSeriesOf, (r) => (r.imageBytes === undefined ? undefined : finite(r.imageBytes / MIB)), { labels: numericSort });
  return { id: 'chainSize', kind: 'line', title: 'Checkpoint chain: size on disk by length (median, min–max)', xTitle: CHAIN_X, yTitle: 'MiB', emptyNote: CHAIN_NOTE, ...g };
}

/** Restore time from the chain's last checkpoint by chain length (Docker reads every link). */
function chainRestore(restores: readonly RestoreRecord[]): CategoryChart {
  const g = grouped(restores, chainLengthOf, chainSeriesOf, (r) => r.wallMs / 1000, { labels: numericSort });
  return { id: 'chainRestore', kind: 'line', title: 'Checkpoint chain: restore time by length (median, min–max)', xTitle: CHAIN_X, yTitle: 'restore (s)', emptyNote: CHAIN_NOTE, ...g };
}

/** The v0.4 charts, from runs already in start order. */
export function benchCharts(runs: readonly ChartRun[]): CategoryChart[] {
  const checkpoints = runs.filter((r): r is CheckpointRecord => r.kind === 'checkpoint' && isOk(r));
  const restores = runs.filter((r): r is RestoreRecord => r.kind === 'restore' && isOk(r));
  const migrations = runs.filter((r): r is MigrationRecord => r.kind === 'migration' && isOk(r));
  return [predumpFrozen(checkpoints), migrationDowntime(migrations), chainSize(checkpoints), chainRestore(restores)];
}
