// The v0.4 charts (pre-dump vs direct, migration downtime, checkpoint chains) and migration
// records in the report: validated, kept out of the checkpoint charts, shown in CSV and filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointRecord, MigrationRecord, RestoreRecord } from '../../src/core/records.js';
import {
  applyFilter,
  buildCharts,
  CHART_IDS,
  filterOptions,
  isChartId,
  isChartRun,
  isEmptyChart,
  migrationMethodOf,
  predumpMethodOf,
  timeMsOf,
  toCsv,
  toRuns,
  type CategoryChart,
  type ChartId,
  type ChartSeries,
} from '../../src/core/report/index.js';

let seq = 0;
const at = () => `2026-11-22T10:${String(Math.floor(seq / 60) % 60).padStart(2, '0')}:${String(seq % 60).padStart(2, '0')}Z`;
const stats = (frozenUs: number) => ({ freezingTimeUs: 1000, frozenTimeUs: frozenUs, memdumpTimeUs: 500, memwriteTimeUs: 400, pagesScanned: 1, pagesSkippedParent: 0, pagesWritten: 1 });

function cp(over: Partial<CheckpointRecord> = {}): CheckpointRecord {
  seq++;
  return {
    kind: 'checkpoint',
    id: `cp${seq}`,
    host: 'vm',
    container: 'memhog',
    containerId: 'abc',
    image: 'cryo-memhog:latest',
    engine: 'runc',
    options: { leaveRunning: true, preDump: false },
    checkpointName: `k${seq}`,
    startedAt: at(),
    wallMs: 1000,
    outcome: 'ok',
    ...over,
  };
}
function rs(over: Partial<RestoreRecord> = {}): RestoreRecord {
  seq++;
  return { kind: 'restore', id: `rs${seq}`, host: 'vm', container: 'memhog', containerId: 'abc', checkpointName: 'k', startedAt: at(), wallMs: 500, outcome: 'ok', ...over };
}
function mig(over: Partial<MigrationRecord> = {}): MigrationRecord {
  seq++;
  return {
    kind: 'migration',
    id: `mg${seq}`,
    host: 'local',
    source: 'local',
    target: 'host-b',
    container: 'memhog',
    startedAt: at(),
    phasesMs: { checkpoint: 400, transfer: 300, restore: 1200 },
    bytes: { image: 0, filesystem: 2048, checkpoint: 110_000 },
    downtimeMs: 2000,
    totalMs: 3500,
    outcome: 'ok',
    warnings: [],
    ...over,
  };
}
/** A pre-dump benchmark checkpoint: size, dirty rate, method, CRIU frozen time in ms. */
const pd = (sizeMb: number, dirtyPct: number, method: string, frozenMs: number, over: Partial<CheckpointRecord> = {}) =>
  cp({ tags: { scenario: 'predump', sizeMb, dirtyPct, method, rep: 1 }, criu: stats(frozenMs * 1000), ...over });
/** A migration benchmark record: route, size, method, downtime in ms. */
const mb = (route: string, sizeMb: number, method: string, downtimeMs: number, over: Partial<MigrationRecord> = {}) =>
  mig({ tags: { scenario: 'migration', route, sizeMb, dirtyPct: 5, method }, downtimeMs, ...over });

function chart(charts: ChartSeries[], id: ChartId): CategoryChart {
  const c = charts.find((x) => x.id === id);
  assert.ok(c && c.kind !== 'scatter', `category chart ${id}`);
  return c;
}
const rows = (c: CategoryChart) => c.datasets.map((d) => [d.label, d.data]);

test('the new charts are listed, after the per-run and grouped ones, and accepted as export ids', () => {
  assert.deepEqual(CHART_IDS.slice(-4), ['predumpFrozen', 'migrationDowntime', 'chainSize', 'chainRestore']);
  for (const id of ['predumpFrozen', 'migrationDowntime', 'chainSize', 'chainRestore']) assert.ok(isChartId(id), id);
  const notes = Object.fromEntries(buildCharts([]).map((c) => [c.id, c.emptyNote]));
  assert.match(notes.predumpFrozen!, /cryo bench predump/);
  assert.match(notes.migrationDowntime!, /cryo bench migration/);
  assert.match(notes.chainSize!, /cryo bench chain/);
  assert.match(notes.chainRestore!, /cryo bench chain/);
  assert.match(notes.nWay!, /cryo bench nway/);
});

test('pre-dump vs direct: median frozen ms per size · dirty rate (numeric order), one bar per method in method order', () => {
  const c = chart(
    buildCharts([
      pd(16, 5, 'predump-phaul', 1630),
      pd(16, 5, 'predump', 1160),
      pd(16, 5, 'predump', 1800),
      pd(16, 5, 'direct', 2450),
      pd(16, 5, 'direct', 1880),
      pd(16, 50, 'direct', 1510),
      pd(16, 0.5, 'direct', 1700),
      pd(16, 0, 'direct', 1900),
      pd(128, 5, 'direct', 1680),
      pd(128, 5, 'predump', 1160),
    ]),
    'predumpFrozen',
  );
  assert.equal(c.kind, 'bar');
  assert.deepEqual(c.labels, ['16 MB · 0 %/s', '16 MB · 0.5 %/s', '16 MB · 5 %/s', '16 MB · 50 %/s', '128 MB · 5 %/s']);
  assert.deepEqual(rows(c), [
    ['direct', [1900, 1700, 2165, 1510, 1680]],
    ['predump', [null, null, 1480, null, 1160]],
    ['predump-phaul', [null, null, 1630, null, null]],
  ]);
  const predump = c.datasets[1]!;
  assert.deepEqual([predump.min![2], predump.max![2], predump.n![2]], [1160, 1800, 2]);
  assert.deepEqual(
    c.datasets.map((d) => d.colorKey),
    ['direct', 'predump', 'predump-phaul'],
  );
});

test('pre-dump vs direct: chain links, other methods, failed runs and runs without CRIU stats stay out', () => {
  const c = chart(
    buildCharts([
      pd(32, 5, 'direct', 1000),
      cp({ tags: { scenario: 'chain', sizeMb: 32, dirtyPct: 5, chainLength: 3, method: 'predump' }, criu: stats(9_000_000) }),
      cp({ tags: { scenario: 'engines', sizeMb: 32, method: 'cryo-runc' }, criu: stats(9_000_000) }),
      pd(32, 5, 'direct', 9000, { outcome: 'failed' }),
      cp({ engine: 'docker', tags: { scenario: 'predump', sizeMb: 32, dirtyPct: 5, method: 'predump' } }),
      // Any checkpoint with a pre-dump method counts, whatever its scenario says.
      cp({ tags: { sizeMb: 32, dirtyPct: 5, method: 'predump' }, criu: stats(600_000) }),
    ]),
    'predumpFrozen',
  );
  assert.deepEqual(c.labels, ['32 MB · 5 %/s']);
  assert.deepEqual(rows(c), [
    ['direct', [1000]],
    ['predump', [600]],
  ]);
  assert.equal(predumpMethodOf(cp({ tags: { method: 'predump', chainLength: 0 } })), undefined);
  assert.equal(predumpMethodOf(cp({ tags: { method: 'raw-runc' } })), undefined);
});

test('migration downtime: median seconds per size, stopcopy then precopy; raw pipes and failed moves stay out', () => {
  const c = chart(
    buildCharts([
      mb('vm->vm-b', 256, 'precopy', 160_000),
      mb('vm->vm-b', 16, 'stopcopy', 15_000),
      mb('vm->vm-b', 16, 'stopcopy', 17_000),
      mb('vm->vm-b', 16, 'precopy', 15_880),
      mb('vm->vm-b', 128, 'stopcopy', 53_190),
      mb('vm->vm-b', 256, 'stopcopy', 116_640),
      mb('vm->vm-b', 16, 'raw-pipe', 1, { phasesMs: { transfer: 600 } }),
      mb('vm->vm-b', 16, 'stopcopy', 1, { outcome: 'failed', error: 'restore failed' }),
      mb('vm->vm-b', 16, 'stopcopy', 1, { outcome: 'ok', downtimeMs: undefined }),
    ]),
    'migrationDowntime',
  );
  assert.equal(c.kind, 'bar');
  assert.equal(c.xTitle, 'memory');
  assert.deepEqual(c.labels, ['16 MB', '128 MB', '256 MB']);
  assert.deepEqual(rows(c), [
    ['stopcopy', [16, 53.19, 116.64]],
    ['precopy', [15.88, null, 160]],
  ]);
  assert.deepEqual([c.datasets[0]!.min![0], c.datasets[0]!.max![0], c.datasets[0]!.n![0]], [15, 17, 2]);
});

test('migration downtime: several routes (or dirty rates) get their own labels instead of one median over both', () => {
  const c = chart(
    buildCharts([
      mb('vm->vm-b', 16, 'stopcopy', 15_000),
      mb('local->host-b', 256, 'stopcopy', 6_400),
      mb('local->host-b', 16, 'stopcopy', 1_800),
      mb('host-b->local', 16, 'stopcopy', 1_900, { host: 'host-b', source: 'host-b', target: 'local' }),
    ]),
    'migrationDowntime',
  );
  assert.equal(c.xTitle, 'route · memory');
  assert.deepEqual(c.labels, ['host-b->local · 16 MB', 'local->host-b · 16 MB', 'local->host-b · 256 MB', 'vm->vm-b · 16 MB']);
  assert.deepEqual(rows(c), [['stopcopy', [1.9, 1.8, 6.4, 15]]]);
  const dirty = chart(buildCharts([mb('vm->vm-b', 16, 'precopy', 2000), mb('vm->vm-b', 16, 'precopy', 9000, { tags: { route: 'vm->vm-b', sizeMb: 16, dirtyPct: 50, method: 'precopy' } })]), 'migrationDowntime');
  assert.deepEqual(dirty.labels, ['16 MB · 5 %/s', '16 MB · 50 %/s']);
});

test('migration downtime: a migration made from the tree (no tags) counts by whether it shipped pre-copy rounds, labelled by container', () => {
  const plain = mig({ container: 'web', downtimeMs: 3000 });
  const pre = mig({ container: 'web', downtimeMs: 1000, precopyRounds: [{ wallMs: 900, bytes: 1, pagesWritten: 10 }] });
  assert.equal(migrationMethodOf(plain), 'stopcopy');
  assert.equal(migrationMethodOf(pre), 'precopy');
  assert.equal(migrationMethodOf(mig({ tags: { method: 'cryo-pipe' } })), undefined);
  const c = chart(buildCharts([plain, pre]), 'migrationDowntime');
  assert.deepEqual(c.labels, ['web']);
  assert.deepEqual(rows(c), [
    ['stopcopy', [3]],
    ['precopy', [1]],
  ]);
});

test('checkpoint chain: size on disk (MiB) and restore time (s) by chain length, in numeric order', () => {
  const MiB = 1024 * 1024;
  const tags = (chainLength: number) => ({ scenario: 'chain', sizeMb: 32, dirtyPct: 5, rep: 1, chainLength, method: chainLength === 0 ? 'direct' : 'predump' });
  const runs = [
    cp({ tags: tags(10), imageBytes: 45 * MiB }),
    cp({ tags: tags(0), imageBytes: 32 * MiB }),
    cp({ tags: tags(1), imageBytes: 33 * MiB }),
    cp({ tags: tags(2), imageBytes: 35 * MiB }),
    cp({ tags: tags(2), imageBytes: 37 * MiB }),
    cp({ tags: tags(3), outcome: 'failed', imageBytes: 99 * MiB }),
    rs({ tags: { ...tags(10), engine: 'runc' }, wallMs: 12_060 }),
    rs({ tags: { ...tags(0), engine: 'runc' }, wallMs: 11_190 }),
    rs({ tags: { ...tags(1), engine: 'runc' }, wallMs: 11_440 }),
    rs({ tags: { ...tags(2), engine: 'runc' }, wallMs: 10_380 }),
    // Not a chain: another scenario's lengths-alike tag, and an untagged restore.
    rs({ tags: { scenario: 'processes', chainLength: 5 }, wallMs: 1 }),
    rs({ wallMs: 1 }),
  ];
  const charts = buildCharts(runs);
  const size = chart(charts, 'chainSize');
  assert.equal(size.kind, 'line');
  assert.deepEqual(size.labels, ['0', '1', '2', '10']);
  assert.deepEqual(rows(size), [['32 MB · 5 %/s', [32, 33, 36, 45]]]);
  assert.deepEqual([size.datasets[0]!.min![2], size.datasets[0]!.max![2]], [35, 37]);
  const restore = chart(charts, 'chainRestore');
  assert.deepEqual(restore.labels, ['0', '1', '2', '10']);
  assert.deepEqual(rows(restore), [['32 MB · 5 %/s', [11.19, 11.44, 10.38, 12.06]]]);
  assert.equal(restore.yTitle, 'restore (s)');
});

test('migration records never reach the checkpoint and restore charts, even with CRIU stats and benchmark tags', () => {
  const m = mig({ engine: 'runc', criu: stats(800_000), memoryBytes: 16 * 1024 * 1024, tags: { scenario: 'nway', concurrency: 2, processes: 10, sizeMb: 16, method: 'stopcopy', chainLength: 1 } });
  const charts = buildCharts([m]);
  for (const c of charts) {
    if (c.id === 'migrationDowntime') assert.equal(isEmptyChart(c), false);
    else assert.ok(isEmptyChart(c), `${c.id} stays empty`);
  }
  // Next to real checkpoints, the per-run charts still count only the checkpoints.
  const mixed = buildCharts([cp({ wallMs: 10 }), m, cp({ wallMs: 20 })]);
  assert.deepEqual(chart(mixed, 'checkpointTime').labels, ['1', '2']);
  assert.deepEqual(chart(mixed, 'restoreTime').labels, []);
});

test('toRuns keeps well-formed migrations and drops ones with missing or odd fields', () => {
  const good = mig({ engine: 'runc', criu: stats(1), precopyRounds: [], memoryBytes: 5 });
  assert.ok(isChartRun(good));
  assert.ok(isChartRun(mig({ downtimeMs: undefined, outcome: 'failed', error: 'x', failedPhase: 'restore' })));
  const bad: unknown[] = [
    { ...good, source: undefined },
    { ...good, target: 3 },
    { ...good, totalMs: '5' },
    { ...good, totalMs: Infinity },
    { ...good, downtimeMs: 'fast' },
    { ...good, downtimeMs: NaN },
    { ...good, phasesMs: null },
    { ...good, phasesMs: { restore: '1' } },
    { ...good, bytes: { image: 0, filesystem: 0 } },
    { ...good, bytes: undefined },
    { ...good, warnings: 'none' },
    { ...good, warnings: [1] },
    { ...good, engine: 7 },
    { ...good, criu: 'stats' },
    { ...good, precopyRounds: {} },
    { ...good, tags: [] },
    { ...good, outcome: 'done' },
    { ...good, startedAt: 0 },
  ];
  for (const b of bad) assert.equal(isChartRun(b), false, JSON.stringify(b).slice(0, 120));
  assert.deepEqual(toRuns([good, ...bad, { kind: 'migration', id: 'm' }]), [good]);
});

test('CSV and runs table: a migration row has its kind, route, downtime as the time, and its final dump stats', () => {
  const m = mig({ id: 'm1', startedAt: '2026-11-22T09:00:00Z', engine: 'runc', criu: stats(800_000), downtimeMs: 2500, totalMs: 4000, tags: { method: 'stopcopy' } });
  assert.equal(timeMsOf(m), 2500);
  assert.equal(timeMsOf(mig({ downtimeMs: undefined })), undefined);
  assert.equal(timeMsOf(cp({ wallMs: 7 })), 7);
  const [head, first, second] = toCsv([cp({ id: 'c1', startedAt: '2026-11-22T10:00:00Z', wallMs: 42 }), m]).split('\r\n');
  const cols = head!.split(',');
  const cell = (line: string, name: string) => line.split(',')[cols.indexOf(name)];
  assert.equal(cell(first!, 'id'), 'm1');
  assert.equal(cell(first!, 'kind'), 'migration');
  assert.equal(cell(first!, 'host'), 'local');
  assert.equal(cell(first!, 'target'), 'host-b');
  assert.equal(cell(first!, 'wallMs'), '2500');
  assert.equal(cell(first!, 'downtimeMs'), '2500');
  assert.equal(cell(first!, 'totalMs'), '4000');
  assert.equal(cell(first!, 'engine'), 'runc');
  assert.equal(cell(first!, 'frozenTimeUs'), '800000');
  assert.equal(cell(first!, 'checkpointName'), '');
  assert.equal(cell(first!, 'tag:method'), 'stopcopy');
  assert.equal(cell(second!, 'kind'), 'checkpoint');
  assert.equal(cell(second!, 'wallMs'), '42');
  assert.equal(cell(second!, 'target'), '');
});

test('filters treat a migration like any run: its source host, scenario, engine and day', () => {
  const m = mig({ host: 'vm', engine: 'runc', startedAt: '2026-11-21T12:00:00Z', tags: { scenario: 'migration' } });
  const c = cp({ host: 'local', engine: 'docker', startedAt: '2026-11-22T12:00:00Z' });
  const ids = (f: Parameters<typeof applyFilter>[1]) => applyFilter([m, c], f).map((r) => r.id);
  assert.deepEqual(ids({ host: 'vm' }), [m.id]);
  assert.deepEqual(ids({ scenario: 'migration' }), [m.id]);
  assert.deepEqual(ids({ engine: 'runc' }), [m.id]);
  assert.deepEqual(ids({ to: '2026-11-21' }), [m.id]);
  assert.deepEqual(filterOptions([m, c]), { hosts: ['local', 'vm'], scenarios: ['migration'], engines: ['docker', 'runc'], firstDay: '2026-11-21', lastDay: '2026-11-22' });
});
