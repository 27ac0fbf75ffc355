import assert from 'node:assert/strict';
import { test } from 'node:test';
import { max, mean, median, min, percentile, summarize } from '../../src/core/bench/stats.js';
import { goalRatios, renderMarkdown, renderText, summarizeRuns, type MeasuredRun } from '../../src/core/bench/report.js';
import { benchContainerName } from '../../src/core/bench/engines.js';
import { balancedOrder, rotate } from '../../src/core/bench/order.js';
import { hasCounterLine } from '../../src/core/bench/memhog.js';
import { hostFactTags } from '../../src/core/bench/hostFacts.js';
import { interpret } from '../../src/core/probe/capabilities.js';

test('median of odd and even samples, unsorted input left untouched', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
});

test('min, max and mean', () => {
  assert.equal(min([3, -1, 2]), -1);
  assert.equal(max([3, -1, 2]), 3);
  assert.equal(mean([1, 2, 3, 6]), 3);
});

test('percentile interpolates between closest ranks (numpy default)', () => {
  const xs = [10, 20, 30, 40];
  assert.equal(percentile(xs, 0), 10);
  assert.equal(percentile(xs, 100), 40);
  assert.equal(percentile(xs, 50), 25);
  assert.ok(Math.abs(percentile(xs, 90) - 37) < 1e-9);
  assert.equal(percentile([1, 2, 3, 4, 5], 25), 2);
});

test('summary is {n, median, min, max}', () => {
  assert.deepEqual(summarize([0.9, 0.7, 0.8]), { n: 3, median: 0.8, min: 0.7, max: 0.9 });
});

test('empty samples, NaN and out-of-range percentiles are refused', () => {
  for (const f of [median, min, max, mean, summarize]) assert.throws(() => f([]), RangeError);
  assert.throws(() => median([1, NaN]), RangeError);
  assert.throws(() => percentile([1], 101), RangeError);
  assert.throws(() => percentile([1], -1), RangeError);
});

function run(method: string, sizeMb: number, wallMs: number, extra: Partial<MeasuredRun> = {}, outcome: 'ok' | 'failed' = 'ok'): MeasuredRun {
  return { method, sizeMb, record: { wallMs, outcome }, ...extra };
}

const RUNS: MeasuredRun[] = [
  ...[8000, 7300, 9100].map((ms, i) => run('docker-cli', 256, ms, { rep: i + 1, record: { wallMs: ms, outcome: 'ok', imageBytes: 268_000_000 } })),
  ...[700, 650, 900].map((ms, i) => run('cryo-runc', 256, ms, { rep: i + 1, callMs: ms + 200, record: { wallMs: ms, outcome: 'ok', criu: { freezingTimeUs: 1, frozenTimeUs: 500_000 + i, memdumpTimeUs: 0, memwriteTimeUs: 0, pagesScanned: 0, pagesSkippedParent: 0, pagesWritten: 0 } } })),
  ...[640, 600, 1000].map((ms, i) => run('raw-runc', 256, ms, { rep: i + 1 })),
  run('raw-runc', 16, 250),
  run('raw-runc', 16, 99_999, {}, 'failed'),
];

test('runs summarize per size x method, failures counted but not averaged', () => {
  const rows = summarizeRuns([...RUNS].reverse());
  assert.deepEqual(rows.map((r) => `${r.sizeMb}/${r.method}`), ['16/raw-runc', '256/docker-cli', '256/cryo-runc', '256/raw-runc']);
  const small = rows[0]!;
  assert.deepEqual(small.wallMs, { n: 1, median: 250, min: 250, max: 250 });
  assert.equal(small.failed, 1);
  const cryo = rows.find((r) => r.method === 'cryo-runc')!;
  assert.deepEqual(cryo.callMs, { n: 3, median: 900, min: 850, max: 1100 });
  assert.equal(cryo.frozenMs?.median, 500.001);
  assert.equal(rows.find((r) => r.method === 'docker-cli')?.imageBytes, 268_000_000);
});

test('goal ratios: runc engine vs docker CLI (<= 0.2) and vs raw runc (<= 1.15), engine and call', () => {
  const ratios = goalRatios(summarizeRuns(RUNS), 256, RUNS);
  const by = Object.fromEntries(ratios.map((r) => [r.label, r]));
  assert.ok(Math.abs(by['cryo-runc (engine) / docker-cli']!.value! - 700 / 8000) < 1e-12);
  assert.equal(by['cryo-runc (engine) / docker-cli']!.met, true);
  assert.ok(Math.abs(by['cryo-runc (engine) / raw-runc']!.value! - 700 / 640) < 1e-12);
  assert.equal(by['cryo-runc (engine) / raw-runc']!.met, true);
  assert.equal(by['cryo-runc (call) / raw-runc']!.met, false);
  // Per rep: 700/640, 650/600, 900/1000 -> median 650/600.
  assert.ok(Math.abs(by['cryo-runc (engine) / raw-runc']!.paired! - 650 / 600) < 1e-12);
  const missing = goalRatios(summarizeRuns(RUNS), 1024);
  assert.ok(missing.every((r) => r.value === undefined && r.met === undefined));
});

test('text and markdown tables show median (min–max) seconds and the verdicts', () => {
  const rows = summarizeRuns(RUNS);
  const ratios = goalRatios(rows, 256, RUNS);
  const text = renderText(rows, ratios);
  assert.match(text, /256 MB\s+docker-cli\s+8\.00 \(7\.30–9\.10\)/);
  assert.match(text, /cryo-runc \(engine\) \/ raw-runc at 256 MB: 1\.09x \(goal <= 1\.15x, per-rep median 1\.08x\) — met/);
  const md = renderMarkdown(rows, ratios, { title: 'Engines', lines: ['Host: test'] });
  assert.match(md, /^## Engines/);
  assert.match(md, /\| 256 MB \| cryo-runc \| 0\.70 \(0\.65–0\.90\) \| 0\.90 \(0\.85–1\.10\) \| 0\.50 \|/);
  assert.match(md, /- cryo-runc \(call\) \/ raw-runc at 256 MB: 1\.41x .* NOT met/);
});

test('rotation, and a Williams order where every method follows every other once', () => {
  assert.deepEqual(rotate(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  assert.deepEqual(rotate(['a', 'b', 'c'], 4), ['b', 'c', 'a']);
  assert.deepEqual(rotate([], 2), []);
  const m = ['a', 'b', 'c', 'd'];
  const rows = [0, 1, 2, 3].map((k) => balancedOrder(m, k));
  assert.deepEqual(rows[0], ['a', 'b', 'd', 'c']);
  for (const row of rows) assert.deepEqual([...row].sort(), m);
  assert.deepEqual(rows.map((r) => r[0]).sort(), m, 'each method starts once');
  const pairs = new Set(rows.flatMap((r) => r.slice(1).map((x, i) => `${r[i]}>${x}`)));
  assert.equal(pairs.size, 12, 'all 12 ordered neighbour pairs occur, each once');
  assert.deepEqual(balancedOrder([], 1), []);
});

test('bench container names carry the prefix and run id', () => {
  assert.equal(benchContainerName('r1', 256), 'cryo-bench-engines-r1-256mb');
});

test('memhog is resident once a counter line shows in its (framed) log', () => {
  assert.equal(hasCounterLine(Buffer.from([1, 0, 0, 0, 0, 0, 0, 2, 0x31, 0x0a])), true);
  assert.equal(hasCounterLine(Buffer.alloc(0)), false);
  assert.equal(hasCounterLine('12\n'), true);
});

test('host facts come from the probe', () => {
  const report = interpret({
    docker: { reachable: true, version: '20.10.24', experimental: true, kernel: '6.18.0', cpus: 2, storageDriver: 'overlay2' },
    criu: { found: true, version: '4.1.1', checkExit: 0 },
    runc: { found: true, version: '1.1.5' },
    privileged: { isRoot: true, sudo: false },
  });
  assert.deepEqual(hostFactTags(report), { hostKernel: '6.18.0', hostDocker: '20.10.24', hostCriu: '4.1.1', hostRunc: '1.1.5', hostCpus: 2, hostStorageDriver: 'overlay2' });
});
