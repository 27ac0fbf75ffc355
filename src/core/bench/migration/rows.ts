import type { MigrationPhase, MigrationRecord } from '../../migrate/types.js';
import type { Summary } from '../stats.js';
import { routeLabel } from './params.js';
import { groupBy, medianOf, num, str, summaryOf } from './recordFigures.js';

// The rows of the migration tables, computed from records alone (pure): one row per route,
// size, dirty rate and method, with medians over the successful runs and failures counted.

/** What every row of the migration tables is keyed and counted by. */
export interface BenchRowKey {
  route: string;
  sizeMb: number;
  dirtyPct: number;
  method: string;
  /** The codec(s) on the wire, e.g. 'zstd' ('gzip/zstd' if the runs differ); absent for raw-pipe-nogzip. */
  codec?: string;
  n: number;
  failed: number;
}

/** The codecs the records used, sorted and joined ('gzip/zstd'), or undefined if none says. */
export function codecsOf(records: readonly MigrationRecord[]): string | undefined {
  const used = [...new Set(records.flatMap((r) => (r.codec ? [r.codec] : [])))].sort();
  return used.length ? used.join('/') : undefined;
}

/** A method as the tables show it: with its codec, "stopcopy (zstd)". */
export function methodLabel(r: Pick<BenchRowKey, 'method' | 'codec'>): string {
  return r.codec ? `${r.method} (${r.codec})` : r.method;
}

/** One group's key and counts; `route` is given because the two tables fall back differently. */
function rowKey(group: readonly MigrationRecord[], ok: readonly MigrationRecord[], route: string): BenchRowKey {
  const first = group[0]!;
  const key: BenchRowKey = { route, sizeMb: num(first.tags, 'sizeMb') ?? 0, dirtyPct: num(first.tags, 'dirtyPct') ?? 0, method: str(first.tags, 'method') ?? '?', n: ok.length, failed: group.length - ok.length };
  const codec = codecsOf(ok);
  if (codec) key.codec = codec;
  return key;
}

/** The route tag, or the one a record made outside the bench (no tags) would have had. */
function routeOf(r: MigrationRecord): string {
  return str(r.tags, 'route') ?? routeLabel(r.source, r.target);
}

/** Routes in the order they first appear (the "there" move of a run comes before its "back"). */
function routeOrder(records: readonly MigrationRecord[]): (route: string) => number {
  const seen: string[] = [];
  for (const r of records) {
    const route = routeOf(r);
    if (!seen.includes(route)) seen.push(route);
  }
  return (route) => seen.indexOf(route);
}

/** One measured situation: the route, size and dirty rate methods are compared on. */
export type Cell = { route: string; sizeMb: number; dirtyPct: number };
function byCell(rank: (route: string) => number): (x: Cell, y: Cell) => number {
  return (x, y) => rank(x.route) - rank(y.route) || x.sizeMb - y.sizeMb || x.dirtyPct - y.dirtyPct;
}

/** Whether a record is a migration (precopy/stopcopy), not a pipe timed alone. */
export function isMove(r: MigrationRecord): boolean {
  const m = str(r.tags, 'method');
  return m === 'precopy' || m === 'stopcopy';
}

export interface MoveRow extends BenchRowKey {
  downtimeMs?: Summary;
  /** Median of each phase over the successful runs. */
  phasesMs: Partial<Record<MigrationPhase, number>>;
  totalMs?: Summary;
  frozenMs?: number;
  wireBytes?: number;
  folderBytes?: number;
  rounds?: number;
}

/** Migration rows (precopy/stopcopy) by route, size, dirty rate and method. */
export function summarizeMoves(records: readonly MigrationRecord[]): MoveRow[] {
  const moves = records.filter(isMove);
  const groups = groupBy(moves, (r) => [routeOf(r), num(r.tags, 'sizeMb') ?? 0, num(r.tags, 'dirtyPct') ?? 0, str(r.tags, 'method')].join('\u0000'));
  const rows: MoveRow[] = [];
  for (const g of groups.values()) {
    const ok = g.filter((r) => r.outcome === 'ok');
    const phases: MoveRow['phasesMs'] = {};
    for (const p of ['preflight', 'image', 'create', 'checkpoint', 'filesystem', 'transfer', 'restore', 'verify'] as const) {
      const m = medianOf(ok.map((r) => r.phasesMs[p]));
      if (m !== undefined) phases[p] = m;
    }
    const row: MoveRow = { ...rowKey(g, ok, routeOf(g[0]!)), phasesMs: phases };
    const down = summaryOf(ok.map((r) => r.downtimeMs));
    if (down) row.downtimeMs = down;
    const total = summaryOf(ok.map((r) => r.totalMs));
    if (total) row.totalMs = total;
    const frozen = medianOf(ok.map((r) => (r.criu ? r.criu.frozenTimeUs / 1000 : undefined)));
    if (frozen !== undefined) row.frozenMs = frozen;
    const wire = medianOf(ok.map((r) => r.bytes.checkpoint));
    if (wire !== undefined) row.wireBytes = wire;
    const folder = medianOf(ok.map((r) => num(r.tags, 'folderBytes')));
    if (folder !== undefined) row.folderBytes = folder;
    const rounds = medianOf(ok.map((r) => r.precopyRounds?.length ?? 0));
    if (rounds !== undefined) row.rounds = rounds;
    rows.push(row);
  }
  const cell = byCell(routeOrder(records));
  return rows.sort((x, y) => cell(x, y) || x.method.localeCompare(y.method));
}

export interface ThroughputRow extends BenchRowKey {
  /** Transfer time: Cryo's 'transfer' phase of a stop-and-copy, or a pipe timed alone. */
  ms?: Summary;
  folderBytes?: number;
  /** folderBytes / median time, in bytes per second. */
  bytesPerSec?: number;
}

/** Methods compared on the same folder, in the order the throughput table shows them. */
export const THROUGHPUT_METHODS = ['stopcopy', 'cryo-pipe', 'raw-pipe', 'raw-pipe-nogzip'] as const;

/** Transfer throughput of the same checkpoint folders: Cryo's stop-and-copy transfer phase and the pipes. */
export function summarizeThroughput(records: readonly MigrationRecord[]): ThroughputRow[] {
  const mine = records.filter((r) => str(r.tags, 'direction') === 'there' && (THROUGHPUT_METHODS as readonly string[]).includes(str(r.tags, 'method') ?? ''));
  const groups = groupBy(mine, (r) => [str(r.tags, 'route'), num(r.tags, 'sizeMb'), num(r.tags, 'dirtyPct'), str(r.tags, 'method')].join('\u0000'));
  // Only routes where some pipe ran: a pre-copy-only or pipe-less run has nothing to compare.
  const piped = new Set(mine.filter((r) => str(r.tags, 'method') !== 'stopcopy').map((r) => str(r.tags, 'route')));
  const rows: ThroughputRow[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    if (!piped.has(str(first.tags, 'route'))) continue;
    const ok = g.filter((r) => r.outcome === 'ok' && r.phasesMs.transfer !== undefined);
    const row: ThroughputRow = rowKey(g, ok, str(first.tags, 'route') ?? '?');
    const ms = summaryOf(ok.map((r) => r.phasesMs.transfer));
    if (ms) row.ms = ms;
    const folder = medianOf(ok.map((r) => num(r.tags, 'folderBytes')));
    if (folder !== undefined) row.folderBytes = folder;
    if (ms && folder !== undefined && ms.median > 0) row.bytesPerSec = folder / (ms.median / 1000);
    rows.push(row);
  }
  const rank = (m: string) => (THROUGHPUT_METHODS as readonly string[]).indexOf(m);
  const cell = byCell(routeOrder(records));
  return rows.sort((x, y) => cell(x, y) || rank(x.method) - rank(y.method));
}
