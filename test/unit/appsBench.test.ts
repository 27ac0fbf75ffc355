import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointRecord } from '../../src/core/records.js';
import { findScenario, renderSummaryMarkdown, summarizeApps } from '../../src/core/bench/scenarios/index.js';
import { appsSteps } from '../../src/core/bench/scenarios/apps.js';
import { buildCharts, type CategoryChart } from '../../src/core/report/series.js';
import { MB, memhogCheckpoint } from './benchRecords.js';

const T0 = Date.parse('2026-11-30T08:00:00.000Z');
let seq = 0;
const SEED: Record<string, string> = { base: 'ubuntu', redis: 'redis', nginx: 'nginx', postgresql: 'mongo', mariadb: 'mysql' };

function cp(app: string, tags: Record<string, string | number | boolean>, o: Partial<CheckpointRecord> = {}): CheckpointRecord {
  seq++;
  return memhogCheckpoint(8, {
    id: `r${seq}`,
    checkpointName: `n${seq}`,
    container: `cryo-bench-apps-run1-${app}`,
    image: 'cryo-apps:latest',
    startedAt: new Date(T0 + seq * 1000).toISOString(),
    tags: { scenario: 'apps', benchRun: 'run1', engine: 'runc', hostKernel: '6.18', hostDocker: '20.10', hostCriu: '4.2.1', hostRunc: '1.1.5', hostCpus: 2, hostStorageDriver: 'overlay2', app, seedApp: SEED[app]!, ...tags },
    ...o,
  });
}

const alone = (app: string, wallMs: number, imageMb = 8) => cp(app, { mode: 'alone', concurrency: 1, rep: 1 }, { wallMs, imageBytes: imageMb * MB });
const together = (app: string, wallMs: number, imageMb = 8) => cp(app, { mode: 'with-others', concurrency: 3, rep: 1, batch: 'a1-others' }, { wallMs, imageBytes: imageMb * MB });
const pair = (app: string, partner: string, role: 'subject' | 'partner', wallMs: number) => cp(app, { mode: 'pair', concurrency: 2, rep: 1, batch: `a1-with-${role === 'subject' ? partner : app}`, role, partner }, { wallMs });

const records = () => [
  alone('base', 300),
  alone('base', 340),
  alone('mariadb', 2000, 120),
  alone('redis', 400, 10),
  together('base', 900),
  together('redis', 1000, 10),
  together('mariadb', 2600, 121),
  pair('base', 'redis', 'subject', 450),
  pair('redis', 'base', 'partner', 500),
  pair('base', 'mariadb', 'subject', 600),
  pair('mariadb', 'base', 'partner', 2100),
  // Counted as failed, kept out of the medians; warm-ups and other scenarios are left out.
  cp('mariadb', { mode: 'alone', concurrency: 1, rep: 2 }, { wallMs: 99_000, outcome: 'failed', error: 'file locks' }),
  cp('base', { mode: 'alone', concurrency: 1, rep: 0, warmup: true }, { wallMs: 50_000 }),
  cp('base', { scenario: 'pairwise', mode: 'alone', concurrency: 1 }, { wallMs: 70_000 }),
];

test('apps summary: per app alone vs all at once beside the seed, then the subject with each partner', () => {
  const s = summarizeApps(records(), 'run1');
  assert.equal(s.records, 12);
  assert.equal(s.failed, 1);
  const [fig2, fig3] = s.tables;
  assert.deepEqual(
    fig2!.rows.map((r) => [r[0], r[3], r[4], r[5], r[6], r[7]]),
    [
      ['base (ubuntu)', '0.32 (0.30–0.34)', '0.90', '2.81x', '0.360 → 2.287 (6.35x)', '0'],
      ['redis (redis)', '0.40', '1.00', '2.50x', '–', '0'],
      ['mariadb (mysql)', '2.00', '2.60', '1.30x', '3.353 → 4.073 (1.21x)', '1'],
    ],
  );
  assert.equal(fig2!.rows[2]![2], '120 MiB', 'image: median over the app’s checkpoints');
  assert.match(fig2!.title, /the 3 apps checkpointed together/);
  assert.deepEqual(fig3!.rows, [
    ['alone', '0.32 (0.30–0.34)', '1.00x', '–', '0.351', '1.00x'],
    ['with redis (redis)', '0.45', '1.41x', '0.50', '0.538', '1.53x'],
    ['with mariadb (mysql)', '0.60', '1.88x', '2.10', '0.627', '1.79x'],
  ]);
  assert.match(renderSummaryMarkdown(s), /\| base \(ubuntu\) \| 8.0 MiB \| 8.0 MiB \| 0.32 \(0.30–0.34\) \|/);
  // The registry's summarize is this one.
  assert.deepEqual(findScenario('apps')!.summarize(records(), 'run1').tables, s.tables);
});

test('apps summary of no runs: empty tables, no throw', () => {
  const s = summarizeApps([], 'none');
  assert.equal(s.records, 0);
  assert.deepEqual(s.tables[0]!.rows, []);
  assert.equal(s.tables.length, 1, 'no pairwise table without pairs');
});

test('apps flags: the five apps by default, the subject among them, unknown apps refused; steps count every checkpoint', () => {
  const apps = findScenario('apps')!;
  const full = apps.prepare({});
  assert.deepEqual((full.params as { apps: string[] }).apps, ['base', 'redis', 'nginx', 'postgresql', 'mariadb']);
  assert.equal(full.steps, 3 * (5 + 5 + 2 * 4), '3 reps x (5 alone + 5 at once + 4 pairs of 2)');
  assert.equal(appsSteps({ apps: ['base', 'redis'], subject: 'base', reps: 1 }), 2 + 2 + 2);
  assert.throws(() => apps.prepare({ apps: 'base,mongo' }), /--apps "base,mongo": use some of base, redis/);
  assert.throws(() => apps.prepare({ apps: 'redis,nginx', subject: 'base' }), /--subject "base": use one of the apps run/);
  assert.throws(() => apps.prepare({ apps: 'redis,redis' }), /listed twice/);
  assert.throws(() => apps.prepare({ image: 'a b' }), /--image/);
});

test('apps charts: seconds per app alone vs all at once, image MiB, and the pairwise bars beside seed 001', () => {
  const charts = buildCharts(records());
  const get = (id: string) => charts.find((c) => c.id === id) as CategoryChart;
  const time = get('appsTime');
  assert.deepEqual(time.labels, ['base (ubuntu)', 'redis', 'mariadb (mysql)']);
  assert.deepEqual(
    time.datasets.map((d) => [d.label, d.colorKey, d.data]),
    [
      ['alone', 'alone', [0.32, 0.4, 2]],
      ['all at once', 'concurrent', [0.9, 1, 2.6]],
    ],
  );
  assert.deepEqual(get('appsImage').datasets.map((d) => d.data), [[8, 10, 120], [8, 10, 121]]);
  const pairs = get('appsPairwise');
  assert.deepEqual(pairs.labels, ['alone', 'with redis', 'with mariadb (mysql)']);
  assert.deepEqual(
    pairs.datasets.map((d) => [d.label, d.data]),
    [
      ['base', [0.32, 0.45, 0.6]],
      ['seed 001', [0.351, 0.538, 0.627]],
    ],
  );
  // Runs of other scenarios never reach the apps charts.
  assert.equal(get('appsTime').labels.length, 3);
  assert.deepEqual(buildCharts([]).filter((c) => c.id.startsWith('apps')).map((c) => (c as CategoryChart).labels.length), [0, 0, 0]);
});

test('apps pairwise: a pair whose partner was refused is no pair; the row says so instead of timing the subject alone', () => {
  const rs = [
    alone('base', 300),
    pair('base', 'redis', 'subject', 290),
    cp('redis', { mode: 'pair', concurrency: 2, rep: 1, batch: 'a1-with-redis', role: 'partner', partner: 'base' }, { wallMs: 40, outcome: 'failed', error: 'Connected TCP socket' }),
  ];
  const fig3 = summarizeApps(rs, 'run1').tables[1]!;
  assert.deepEqual(fig3.rows[1], ['with redis (redis)', '–', '–', '–; 1 pair(s) failed', '0.538', '1.53x']);
});

test('apps pairwise chart: a pair with a refused partner is left out', () => {
  const rs = [
    alone('base', 300),
    pair('base', 'redis', 'subject', 290),
    cp('redis', { mode: 'pair', concurrency: 2, rep: 1, batch: 'a1-with-redis', role: 'partner', partner: 'base' }, { wallMs: 40, outcome: 'failed', error: 'x' }),
  ];
  const c = buildCharts(rs).find((x) => x.id === 'appsPairwise') as CategoryChart;
  assert.deepEqual(c.labels, ['alone']);
});
