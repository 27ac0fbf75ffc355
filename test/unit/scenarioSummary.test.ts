import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointRecord, RestoreRecord, RunRecord } from '../../src/core/records.js';
import { findScenario, renderSummaryMarkdown, renderSummaryText } from '../../src/core/bench/scenarios/index.js';
import { latestRunId, selectRun } from '../../src/core/bench/scenarios/summary.js';
import { makespanMs } from '../../src/core/bench/scenarios/nway.js';
import { burstMakespan, policyFigures, summarizeScheduler } from '../../src/core/bench/scenarios/schedulerSummary.js';
import { reportHtml, jsonForScript } from '../../src/cli/commands/report.js';
import { MB, memhogCheckpoint } from './benchRecords.js';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
let seq = 0;

function cp(tags: Record<string, string | number | boolean>, o: Partial<CheckpointRecord> = {}): CheckpointRecord {
  seq++;
  return memhogCheckpoint(Number(tags['sizeMb'] ?? 16), {
    id: `r${seq}`,
    checkpointName: `n${seq}`,
    startedAt: new Date(T0 + seq * 1000).toISOString(),
    tags: { benchRun: 'run1', hostKernel: '6.18', hostDocker: '20.10', hostCriu: '4.1.1', hostRunc: '1.1.5', hostCpus: 2, hostStorageDriver: 'overlay2', ...tags },
    ...o,
  });
}

const summarize = (name: string, records: RunRecord[], runId?: string) => findScenario(name)!.summarize(records, runId);
const table = (s: ReturnType<typeof summarize>, i = 0) => s.tables[i]!;

test('selectRun keeps one scenario run, leaves warm-ups and other runs out; latestRunId picks the newest', () => {
  const rs = [cp({ scenario: 'nway', concurrency: 1 }), cp({ scenario: 'nway', concurrency: 1, warmup: true }), cp({ scenario: 'nway', benchRun: 'run2', concurrency: 1 }), cp({ scenario: 'pairwise' })];
  assert.equal(selectRun(rs, 'nway', 'run1').length, 1);
  assert.equal(selectRun(rs, 'nway').length, 2);
  assert.equal(latestRunId(rs, 'nway'), 'run2');
  assert.equal(latestRunId(rs, 'dirty'), undefined);
});

test('size sweep: medians alone and with others, the slowdown, image vs memory; failures counted, not averaged', () => {
  const rs = [
    ...[300, 320, 340].map((w) => cp({ scenario: 'size-sweep', sizeMb: 16, mode: 'alone', concurrency: 1 }, { wallMs: w })),
    ...[900, 960].map((w) => cp({ scenario: 'size-sweep', sizeMb: 16, mode: 'with-others', concurrency: 4 }, { wallMs: w })),
    cp({ scenario: 'size-sweep', sizeMb: 16, mode: 'with-others', concurrency: 4 }, { wallMs: 99_000, outcome: 'failed', error: 'x' }),
    cp({ scenario: 'size-sweep', sizeMb: 512, mode: 'alone', concurrency: 1 }, { wallMs: 1000 }),
    cp({ scenario: 'size-sweep', sizeMb: 512, mode: 'with-others', concurrency: 4 }, { wallMs: 1500, imageBytes: 400 * MB }),
  ];
  const s = summarize('size-sweep', rs, 'run1');
  assert.equal(s.records, 8);
  assert.equal(s.failed, 1);
  assert.deepEqual(table(s).rows[0], ['16 MB', '16 MiB', '0.32 (0.30–0.34)', '0.93 (0.90–0.96)', '2.91x', '16 MiB', '1.00x']);
  assert.equal(table(s).rows[1]![0], '512 MB');
  assert.equal(table(s).rows[1]![4], '1.50x');
  assert.match(table(s).title, /all 4 checkpointed at once/);
  assert.equal(s.facts?.hostCriu, '4.1.1');
});

test('pairwise: the subject alone and with each partner, partners sorted by size', () => {
  const rs = [
    cp({ scenario: 'pairwise', role: 'subject', sizeMb: 16, mode: 'alone', concurrency: 1 }, { wallMs: 200 }),
    cp({ scenario: 'pairwise', role: 'subject', sizeMb: 16, mode: 'pair', partnerMb: 256, concurrency: 2 }, { wallMs: 500 }),
    cp({ scenario: 'pairwise', role: 'partner', sizeMb: 256, mode: 'pair', partnerMb: 256, concurrency: 2 }, { wallMs: 900 }),
    cp({ scenario: 'pairwise', role: 'subject', sizeMb: 16, mode: 'pair', partnerMb: 64, concurrency: 2 }, { wallMs: 300 }),
  ];
  const t = table(summarize('pairwise', rs));
  assert.deepEqual(
    t.rows.map((r) => [r[0], r[2]]),
    [
      ['alone', '1.00x'],
      ['with 64 MB', '1.50x'],
      ['with 256 MB', '2.50x'],
    ],
  );
  assert.equal(t.rows[2]![3], '0.90');
});

test('nway: per-checkpoint median against k=1, slowest of a batch, and the batch makespan from start times', () => {
  const at = (s: number) => new Date(T0 + s).toISOString();
  const rs = [
    cp({ scenario: 'nway', concurrency: 1, sizeMb: 64, batch: 'a1-k1' }, { wallMs: 400, startedAt: at(0) }),
    cp({ scenario: 'nway', concurrency: 2, sizeMb: 64, batch: 'a1-k2' }, { wallMs: 600, startedAt: at(10_000) }),
    cp({ scenario: 'nway', concurrency: 2, sizeMb: 64, batch: 'a1-k2' }, { wallMs: 800, startedAt: at(10_050), queuedMs: 0 }),
  ];
  assert.equal(makespanMs(rs.slice(1)), 850);
  const t = table(summarize('nway', rs));
  assert.deepEqual(t.rows[1]!.slice(0, 5), ['2', '0.70 (0.60–0.80)', '1.75x', '0.80', '0.85']);
});

test('processes: checkpoint and restore medians per process count', () => {
  const restore = (n: number, wallMs: number): RestoreRecord => ({ kind: 'restore', id: `x${++seq}`, host: 'local', container: 'f', containerId: 'f', checkpointName: 'a1', startedAt: new Date(T0).toISOString(), wallMs, outcome: 'ok', tags: { scenario: 'processes', benchRun: 'run1', processes: n, engine: 'runc' } });
  const rs: RunRecord[] = [cp({ scenario: 'processes', processes: 1 }, { wallMs: 500 }), restore(1, 600), cp({ scenario: 'processes', processes: 50 }, { wallMs: 900 }), restore(50, 1200)];
  assert.deepEqual(
    table(summarize('processes', rs)).rows.map((r) => r.slice(0, 3)),
    [
      ['1', '0.50', '0.60'],
      ['50', '0.90', '1.20'],
    ],
  );
});

test('dirty and storage: one row per size and rate / per size with both storages', () => {
  const d = summarize('dirty', [cp({ scenario: 'dirty', sizeMb: 100, dirtyPct: 0 }, { wallMs: 400 }), cp({ scenario: 'dirty', sizeMb: 100, dirtyPct: 5 }, { wallMs: 500 }), cp({ scenario: 'dirty', sizeMb: 1, dirtyPct: 0 }, { wallMs: 200 })]);
  assert.deepEqual(table(d).rows.map((r) => r.slice(0, 2)), [['1 MB', '0 %/s'], ['100 MB', '0 %/s'], ['100 MB', '5 %/s']]);
  const s = summarize('storage', [cp({ scenario: 'storage', sizeMb: 64, storage: 'disk' }, { wallMs: 400 }), cp({ scenario: 'storage', sizeMb: 64, storage: 'tmpfs' }, { wallMs: 300 })]);
  assert.deepEqual(table(s).rows[0]!.slice(0, 4), ['64 MB', '0.40', '0.30', '0.75x']);
});

/** One burst of the scheduler scenario: latencies are queued + wall; requests all at t. */
function burst(policy: string, rep: number, t: number, jobs: [number, number, number][]): CheckpointRecord[] {
  return jobs.map(([sizeMb, queuedMs, wallMs]) => cp({ scenario: 'scheduler', policy, cryoPolicy: 'sjf:2', sizeMb, rep, requested: jobs.length, batch: `a${rep}-${policy}` }, { queuedMs, wallMs, startedAt: new Date(T0 + t).toISOString() }));
}

test('scheduler: per-policy latency, makespan, and the goals judged for Cryo against naive parallel', () => {
  const rs = [
    cp({ scenario: 'scheduler', policy: 'alone', sizeMb: 16, rep: 1, cryoPolicy: 'sjf:2' }, { wallMs: 300 }),
    cp({ scenario: 'scheduler', policy: 'alone', sizeMb: 512, rep: 1, cryoPolicy: 'sjf:2' }, { wallMs: 1000 }),
    // naive: both run at once and slow each other: 16 MB done at 900, 512 MB at 1600.
    ...burst('unlimited', 1, 0, [
      [16, 0, 900],
      [512, 0, 1600],
    ]),
    // sjf:2 with concurrency 1 in effect: small first (300), big after (300 + 1000).
    ...burst('sjf:2', 1, 10_000, [
      [16, 0, 300],
      [512, 300, 1000],
    ]),
  ];
  const naive = policyFigures(rs, 'unlimited');
  assert.equal(naive.meanLatency, 1250);
  assert.equal(naive.makespan, 1600);
  assert.equal(burstMakespan(rs.filter((r) => r.tags?.['policy'] === 'sjf:2')), 1300);
  const s = summarizeScheduler(rs, 'run1', 'sjf:2');
  const goals = Object.fromEntries(s.goals.map((g) => [g.label.replace('sjf:2: ', ''), [Number(g.value?.toFixed(3)), g.met]]));
  assert.deepEqual(goals, {
    'mean completion latency / naive parallel': [Number((800 / 1250).toFixed(3)), true],
    "smallest container's latency / its alone time": [1, true],
    'makespan / naive parallel': [Number((1300 / 1600).toFixed(3)), true],
  });
  assert.equal(s.tables[1]!.rows.find((r) => r[0] === 'sjf:2 (Cryo)')?.[3], '0.80');
  // The registered summarize() finds Cryo's policy in the records' tags.
  assert.equal(findScenario('scheduler')!.summarize(rs, 'run1').goals.length, 3);
});

test('scheduler: a burst with a failed checkpoint is left out of the figures and counted', () => {
  const rs = [...burst('unlimited', 1, 0, [[16, 0, 900], [512, 0, 1600]]), ...burst('unlimited', 2, 5000, [[16, 0, 100], [512, 0, 100]])];
  rs[3] = { ...rs[3]!, outcome: 'failed' };
  const f = policyFigures(rs, 'unlimited');
  assert.equal(f.bursts, 1);
  assert.equal(f.incomplete, 1);
  assert.equal(f.meanLatency, 1250);
});

test('summaries render as text and markdown with goals and notes', () => {
  const s = summarize('pairwise', [cp({ scenario: 'pairwise', role: 'subject', sizeMb: 16, mode: 'alone', concurrency: 1 })], 'run1');
  assert.match(renderSummaryText(s), /run run1.*\n\n.*subject's checkpoint time/);
  const md = renderSummaryMarkdown(s);
  assert.match(md, /^### /);
  assert.match(md, /\| checkpointed \| subject \| vs alone \| partner \|\n\| --- \|/);
  assert.match(md, /- Seed 001 fig\. 3/);
});

test('report page: the charts bundle inline under a nonce CSP, records embedded safely, the VS Code API shimmed', () => {
  const evil = cp({ scenario: 'nway', concurrency: 1, note: '</script><script>alert(1)</script>' });
  const html = reportHtml({ script: 'console.log("</script>")', style: 'body{}', records: [evil], title: 'T <b>', theme: 'light', summaries: [], sources: ['r.jsonl'], generatedAt: 'now', nonce: 'abc' });
  assert.ok(html.includes(`content="default-src 'none'; script-src 'nonce-abc'; style-src 'nonce-abc'`));
  assert.equal((html.match(/<\/script>/g) ?? []).length, 4, 'only the four script elements close');
  assert.ok(html.includes('<title>T &lt;b&gt;</title>'));
  assert.ok(html.includes('window.acquireVsCodeApi'));
  assert.ok(html.includes("type: 'records'"));
  const json = jsonForScript({ a: '</script>' });
  assert.ok(!json.includes('<'));
  assert.deepEqual(JSON.parse(json), { a: '</script>' });
});

test('linear fit: slope, intercept and r; undefined for too few points or no spread', async () => {
  const { linearFit } = await import('../../src/core/bench/scenarios/summary.js');
  const f = linearFit([1, 2, 3, 4].map((x) => ({ x, y: 10 + 2 * x })))!;
  assert.deepEqual([f.a, f.b, f.r, f.n], [10, 2, 1, 4]);
  assert.equal(linearFit([{ x: 1, y: 1 }, { x: 2, y: 2 }]), undefined);
  assert.equal(linearFit([1, 1, 1].map((x) => ({ x, y: x }))), undefined);
});
