import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointRecord, RestoreRecord } from '../../src/core/records.js';
import {
  applyFilter,
  buildCharts,
  CHART_IDS,
  concurrencyMode,
  csvField,
  filterOptions,
  isEmptyChart,
  summarize,
  toCsv,
  toRuns,
  type CategoryChart,
  type ChartId,
  type ChartSeries,
  type ScatterChart,
} from '../../src/core/report/index.js';

let seq = 0;
function cp(over: Partial<CheckpointRecord> = {}): CheckpointRecord {
  seq++;
  return {
    kind: 'checkpoint',
    id: `cp${seq}`,
    host: 'local',
    container: 'c1',
    containerId: 'abc',
    image: 'cryo-counter:latest',
    engine: 'docker',
    options: { leaveRunning: false, preDump: false },
    checkpointName: `k${seq}`,
    startedAt: `2026-11-22T10:00:${String(seq % 60).padStart(2, '0')}Z`,
    wallMs: 100,
    outcome: 'ok',
    ...over,
  };
}
function rs(over: Partial<RestoreRecord> = {}): RestoreRecord {
  seq++;
  return { kind: 'restore', id: `rs${seq}`, host: 'local', container: 'c1', containerId: 'abc', checkpointName: 'k', startedAt: '2026-11-22T11:00:00Z', wallMs: 50, outcome: 'ok', ...over };
}
const stats = (freezing: number, frozen: number, memdump: number, memwrite: number) => ({
  freezingTimeUs: freezing,
  frozenTimeUs: frozen,
  memdumpTimeUs: memdump,
  memwriteTimeUs: memwrite,
  pagesScanned: 1,
  pagesSkippedParent: 0,
  pagesWritten: 1,
});

function chart<K extends ChartSeries['kind']>(charts: ChartSeries[], id: ChartId): Extract<ChartSeries, { kind: K }> {
  const c = charts.find((x) => x.id === id);
  assert.ok(c, `chart ${id}`);
  return c as Extract<ChartSeries, { kind: K }>;
}

test('summarize: median of odd and even groups, min and max, nothing for no values', () => {
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(summarize([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.deepEqual(summarize([7, NaN]), { median: 7, min: 7, max: 7, n: 1 });
  assert.equal(summarize([]), undefined);
});

test('toRuns keeps checkpoints and restores, skips host facts, malformed migrations and broken lines', () => {
  const good = [cp(), rs()];
  const kept = toRuns([good[0], { kind: 'hostFacts', host: 'local', cpus: 4 }, { kind: 'migration', id: 'm' }, null, 'x', { ...cp(), wallMs: 'slow' }, good[1], { ...rs(), tags: [] }]);
  assert.deepEqual(kept, good);
});

test('every chart is present and empty with a note when there are no runs', () => {
  const charts = buildCharts([]);
  assert.deepEqual(
    charts.map((c) => c.id),
    [...CHART_IDS],
  );
  for (const c of charts) {
    assert.ok(isEmptyChart(c), c.id);
    assert.match(c.emptyNote, /run a benchmark/);
  }
});

test('per-run charts: start order, one series per engine, failed runs left out, sizes in MiB', () => {
  const runs = [
    cp({ engine: 'runc', wallMs: 30, imageBytes: 2 * 1048576, startedAt: '2026-11-22T10:00:02Z' }),
    cp({ engine: 'docker', wallMs: 300, imageBytes: 1048576, startedAt: '2026-11-22T10:00:01Z' }),
    cp({ engine: 'docker', wallMs: 999, outcome: 'failed', startedAt: '2026-11-22T10:00:03Z' }),
    cp({ engine: 'docker', wallMs: 310, startedAt: '2026-11-22T10:00:04Z' }),
  ];
  const charts = buildCharts(runs);
  const time = chart<'line'>(charts, 'checkpointTime') as CategoryChart;
  assert.deepEqual(time.labels, ['1', '2', '3']);
  assert.deepEqual(
    time.datasets.map((d) => [d.label, d.data]),
    [
      ['docker', [300, null, 310]],
      ['runc', [null, 30, null]],
    ],
  );
  assert.match(time.tooltips![0]!, /c1 · local · docker/);
  const size = chart<'bar'>(charts, 'imageSize') as CategoryChart;
  assert.deepEqual(
    size.datasets.map((d) => d.data),
    [
      [1, null, null],
      [null, 2, null],
    ],
  );
  const scatter = chart<'scatter'>(charts, 'timeVsSize') as ScatterChart;
  assert.deepEqual(
    scatter.datasets.map((d) => [d.label, d.data]),
    [
      ['docker', [{ x: 1, y: 300 }]],
      ['runc', [{ x: 2, y: 30 }]],
    ],
  );
  assert.ok(isEmptyChart(chart(charts, 'frozenBreakdown')));
});

test('frozen breakdown stacks median CRIU phases per scenario; memwrite is nested in memdump, so nothing is counted twice', () => {
  const charts = buildCharts([
    cp({ engine: 'runc', tags: { scenario: 'memhog-256' }, criu: stats(1000, 10000, 4000, 2000) }),
    cp({ engine: 'runc', tags: { scenario: 'memhog-256' }, criu: stats(3000, 20000, 8000, 6000) }),
    cp({ engine: 'runc', container: 'plain', criu: stats(500, 1000, 300, 200) }),
    cp({ engine: 'docker', tags: { scenario: 'memhog-256' } }),
  ]);
  const c = chart<'stackedBar'>(charts, 'frozenBreakdown') as CategoryChart;
  assert.equal(c.kind, 'stackedBar');
  assert.deepEqual(c.labels, ['memhog-256', 'plain']);
  assert.deepEqual(
    Object.fromEntries(c.datasets.map((d) => [d.label, d.data])),
    // memdump - memwrite: 2 and 2 ms; other frozen = frozen - memdump: 6 and 12 ms.
    { freezing: [2, 0.5], 'memdump - memwrite': [2, 0.1], memwrite: [4, 0.2], 'other frozen': [9, 0.7] },
  );
  assert.deepEqual(c.datasets[0]!.n, [2, 1]);
  // One run per bar: the segments add up to CRIU's freezing + frozen time exactly.
  const plain = c.datasets.reduce((sum, d) => sum + d.data[1]!, 0);
  assert.ok(Math.abs(plain - (0.5 + 1)) < 1e-9, `plain stacks to ${plain} ms`);
});

test('frozen breakdown: the 512 MB direct dump of the VM run stacks to its frozen time, not 3.2 s more', () => {
  // docs/benchmarks-migration.md §2: frozen 4.22 s, memdump 3.40 s, memwrite 3.21 s (CRIU 3.17).
  const c = chart<'stackedBar'>(buildCharts([cp({ engine: 'runc', tags: { scenario: 'predump', method: 'direct' }, criu: stats(0, 4_220_000, 3_400_000, 3_210_000) })]), 'frozenBreakdown') as CategoryChart;
  assert.deepEqual(c.labels, ['predump · direct']);
  const seg = Object.fromEntries(c.datasets.map((d) => [d.label, d.data[0]!]));
  assert.ok(Math.abs(seg['memdump - memwrite']! - 190) < 1e-6);
  assert.ok(Math.abs(seg['other frozen']! - 820) < 1e-6);
  assert.ok(Math.abs(Object.values(seg).reduce((a, b) => a + b, 0) - 4220) < 1e-6);
});

test('frozen breakdown: a nested timer reading longer than its parent gives an empty segment, not a negative one', () => {
  const c = chart<'stackedBar'>(buildCharts([cp({ engine: 'runc', criu: stats(0, 1000, 500, 501) })]), 'frozenBreakdown') as CategoryChart;
  assert.equal(c.datasets.find((d) => d.label === 'memdump - memwrite')!.data[0], 0);
});

test('alone vs concurrent: by concurrency tag or scenario name, medians with min–max per container', () => {
  assert.equal(concurrencyMode(cp({ tags: { concurrency: 1 } })), 'alone');
  assert.equal(concurrencyMode(cp({ tags: { concurrency: '4' } })), 'concurrent');
  assert.equal(concurrencyMode(cp({ tags: { scenario: 'concurrent-4' } })), 'concurrent');
  assert.equal(concurrencyMode(cp({ tags: { scenario: 'alone' } })), 'alone');
  assert.equal(concurrencyMode(cp({ tags: { scenario: 'memhog' } })), undefined);
  const charts = buildCharts([
    cp({ container: 'a', wallMs: 100, tags: { concurrency: 1 } }),
    cp({ container: 'a', wallMs: 120, tags: { concurrency: 1 } }),
    cp({ container: 'a', wallMs: 140, tags: { concurrency: 1 } }),
    cp({ container: 'a', wallMs: 400, tags: { concurrency: 4 } }),
    cp({ container: 'b', wallMs: 500, tags: { scenario: 'concurrent' } }),
    cp({ container: 'c', wallMs: 1 }),
  ]);
  const c = chart<'bar'>(charts, 'aloneVsConcurrent') as CategoryChart;
  assert.deepEqual(c.labels, ['a', 'b']);
  const [alone, conc] = c.datasets;
  assert.deepEqual([alone!.label, alone!.data, alone!.min, alone!.max, alone!.n], ['alone', [120, null], [100, null], [140, null], [3, 0]]);
  assert.deepEqual([conc!.label, conc!.data], ['concurrent', [400, 500]]);
});

test('N-way and process curves: numeric x in numeric order, one series per engine', () => {
  const runs = [
    cp({ wallMs: 10, tags: { scenario: 'nway', concurrency: 1, processes: 1 } }),
    cp({ wallMs: 80, tags: { scenario: 'nway', concurrency: 16, processes: 100 } }),
    cp({ wallMs: 30, tags: { scenario: 'nway', concurrency: 2, processes: '10' } }),
    cp({ wallMs: 50, tags: { scenario: 'nway', concurrency: 2, processes: '10' } }),
    cp({ engine: 'runc', wallMs: 5, tags: { scenario: 'nway', concurrency: 2 } }),
    cp({ wallMs: 1, tags: { scenario: 'nway', concurrency: 'lots' } }),
  ];
  const charts = buildCharts(runs);
  const n = chart<'line'>(charts, 'nWay') as CategoryChart;
  assert.deepEqual(n.labels, ['1', '2', '16']);
  assert.deepEqual(
    n.datasets.map((d) => [d.label, d.data, d.min, d.max]),
    [
      ['docker', [10, 40, 80], [10, 30, 80], [10, 50, 80]],
      ['runc', [null, 5, null], [null, 5, null], [null, 5, null]],
    ],
  );
  const p = chart<'line'>(charts, 'processes') as CategoryChart;
  assert.deepEqual(p.labels, ['1', '10', '100']);
  assert.deepEqual(p.datasets[0]!.data, [10, 40, 80]);
});

test('N-way curve: only the nway scenario; pairwise, scheduler and untagged runs with a concurrency stay out', () => {
  const charts = buildCharts([
    cp({ wallMs: 100, tags: { scenario: 'nway', concurrency: 1 } }),
    cp({ wallMs: 200, tags: { scenario: 'nway', concurrency: 2 } }),
    cp({ wallMs: 220, tags: { scenario: 'nway', concurrency: 2 } }),
    cp({ wallMs: 9000, tags: { scenario: 'scheduler', concurrency: 2, policy: 'fifo:2' } }),
    cp({ wallMs: 7000, tags: { scenario: 'scheduler', concurrency: 8 } }),
    cp({ wallMs: 3000, tags: { scenario: 'pairwise', concurrency: 1, mode: 'alone' } }),
    cp({ wallMs: 5000, tags: { concurrency: 4 } }),
  ]);
  const n = chart<'line'>(charts, 'nWay') as CategoryChart;
  assert.deepEqual(n.labels, ['1', '2']);
  assert.deepEqual(
    n.datasets.map((d) => [d.label, d.data, d.n]),
    [['docker', [100, 210], [1, 2]]],
  );
  assert.ok(isEmptyChart(chart(buildCharts([cp({ tags: { scenario: 'scheduler', concurrency: 2 } })]), 'nWay')));
});

test('restore times get their own per-run chart', () => {
  const c = chart<'line'>(buildCharts([rs({ wallMs: 7 }), cp(), rs({ wallMs: 9, outcome: 'cancelled' })]), 'restoreTime') as CategoryChart;
  assert.deepEqual(c.datasets.map((d) => d.data), [[7]]);
});

test('filters: host, scenario, engine (restores only when tagged), UTC day range; options list what exists', () => {
  const runs = [
    cp({ host: 'a', engine: 'docker', startedAt: '2026-11-20T23:59:59Z', tags: { scenario: 's1' } }),
    cp({ host: 'b', engine: 'runc', startedAt: '2026-11-21T00:00:00Z', tags: { scenario: 's2' } }),
    rs({ host: 'a', startedAt: '2026-11-22T01:00:00+02:00' }),
    rs({ host: 'a', startedAt: 'garbage', tags: { engine: 'runc' } }),
  ];
  const ids = (f: Parameters<typeof applyFilter>[1]) => applyFilter(runs, f).map((r) => r.id);
  const [a, b, r1, r2] = runs.map((r) => r.id);
  assert.deepEqual(ids({}), [a, b, r1, r2]);
  assert.deepEqual(ids({ host: 'a', engine: '' }), [a, r1, r2]);
  assert.deepEqual(ids({ scenario: 's2' }), [b]);
  assert.deepEqual(ids({ engine: 'runc' }), [b, r2]);
  assert.deepEqual(ids({ from: '2026-11-21' }), [b, r1]);
  assert.deepEqual(ids({ to: '2026-11-20' }), [a]);
  assert.deepEqual(ids({ from: '2026-11-21', to: '2026-11-21' }), [b, r1]);
  assert.deepEqual(filterOptions(runs), { hosts: ['a', 'b'], scenarios: ['s1', 's2'], engines: ['docker', 'runc'], firstDay: '2026-11-20', lastDay: '2026-11-21' });
});

test('CSV: quoted fields, formula-looking text defused, tag columns, start order, CRLF', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('=cmd()'), "'=cmd()");
  assert.equal(csvField(-3), '-3');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(true), 'true');
  const csv = toCsv([
    cp({ id: 'late', startedAt: '2026-11-22T12:00:00Z', imageBytes: 42, tags: { scenario: 'x,y', rep: 2 }, criu: stats(1, 2, 3, 4) }),
    rs({ id: 'early', startedAt: '2026-11-22T01:00:00Z', error: 'line1\nline2' }),
  ]);
  const lines = csv.split('\r\n');
  assert.equal(lines.at(-1), '');
  const header = lines[0]!.split(',');
  assert.deepEqual(header.slice(-2), ['tag:rep', 'tag:scenario']);
  assert.ok(header.includes('frozenTimeUs'));
  assert.match(lines[1]!, /^early,restore,/);
  assert.ok(lines[1]!.includes('"line1\nline2"'));
  assert.match(lines[2]!, /^late,checkpoint,.*,42,.*,2,"x,y"$/);
});
