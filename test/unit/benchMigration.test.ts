import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  downtimeRatio,
  goalLine,
  judge,
  plainSshArgv,
  rawPipeLine,
  renderTablesMarkdown,
  renderTablesText,
  summarizeMigrationBench,
  summarizeMoves,
  summarizeThroughput,
  throughputRatio,
} from '../../src/core/bench/migration.js';
import { chainOrder, chainRule, summarizeChain, summarizeChainBench } from '../../src/core/bench/chain.js';
import { frozenRatio, summarizePredump, summarizePredumpBench } from '../../src/core/bench/predump.js';
import { shouldStopPreDump } from '../../src/core/engines/preDump.js';
import type { MigrationRecord } from '../../src/core/migrate/types.js';
import type { CheckpointRecord, RestoreRecord } from '../../src/core/records.js';
import type { CriuDumpStats } from '../../src/core/stats/criuStats.js';

const MB = 1024 * 1024;

function mig(method: string, rep: number, o: { transfer: number; downtime?: number; route?: string; direction?: string; sizeMb?: number; dirtyPct?: number; folder?: number; outcome?: MigrationRecord['outcome'] }): MigrationRecord {
  const route = o.route ?? 'local->host-b';
  const [source, target] = route.split('->') as [string, string];
  return {
    kind: 'migration',
    id: `${method}-${rep}-${route}`,
    host: source,
    source,
    target,
    container: 'c',
    startedAt: '2026-11-22T00:00:00.000Z',
    phasesMs: { checkpoint: 100, transfer: o.transfer, restore: 1000 },
    bytes: { image: 0, filesystem: 0, checkpoint: 1000 },
    ...(o.downtime !== undefined ? { downtimeMs: o.downtime } : {}),
    totalMs: o.transfer + 2000,
    outcome: o.outcome ?? 'ok',
    warnings: [],
    tags: { scenario: 'migration', method, rep, route, direction: o.direction ?? 'there', sizeMb: o.sizeMb ?? 256, dirtyPct: o.dirtyPct ?? 0, folderBytes: o.folder ?? 256 * MB },
  };
}

test('rawPipeLine: local source into a plain ssh target, gzip -1 on the wire, paths quoted', () => {
  const ssh = { kind: 'ssh' as const, argv: ['ssh', '-p', '2222', '-T', '--', '127.0.0.1'] };
  const line = rawPipeLine({ kind: 'local' }, '/var/lib/docker/containers/abc/checkpoints/x y', ssh, '/var/lib/cryo/bench/d', true);
  assert.equal(line, "set -o pipefail; tar -C '/var/lib/docker/containers/abc/checkpoints/x y' -cf - . | gzip -1 | ssh -p 2222 -T -- 127.0.0.1 'gzip -dc | tar -C /var/lib/cryo/bench/d -xf -'");
  const plain = rawPipeLine({ kind: 'local' }, '/a', ssh, '/b', false);
  assert.equal(plain, "set -o pipefail; tar -C /a -cf - . | ssh -p 2222 -T -- 127.0.0.1 'tar -C /b -xf -'");
});

test('rawPipeLine: ssh source into the local side, and a quote in a path survives both shells', () => {
  const ssh = { kind: 'ssh' as const, argv: ['ssh', '--', 'vm'] };
  assert.equal(rawPipeLine(ssh, '/a', { kind: 'local' }, '/b', true), "set -o pipefail; ssh -- vm 'tar -C /a -cf - . | gzip -1' | gzip -dc | tar -C /b -xf -");
  const odd = rawPipeLine(ssh, "/it's", ssh, '/b', false);
  assert.equal(odd, `set -o pipefail; ssh -- vm 'tar -C '\\''/it'\\''\\'\\'''\\''s'\\'' -cf - .' | ssh -- vm 'tar -C /b -xf -'`);
});

test('plainSshArgv: the same key, config and known_hosts as Cryo, but its own connection', () => {
  assert.deepEqual(plainSshArgv({ host: '127.0.0.1', user: 'root', port: 2222 }, { identityFile: '/k', knownHostsFile: '/kh' }), [
    'ssh', '-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-i', '/k', '-o', 'IdentitiesOnly=yes', '-o', 'UserKnownHostsFile=/kh', '-l', 'root', '-p', '2222', '-T', '--', '127.0.0.1',
  ]);
  assert.deepEqual(plainSshArgv({ host: 'cryo-vm' }, { sshConfigFile: '/c' }).slice(0, 3), ['ssh', '-F', '/c']);
});

test('throughput: Cryo over the raw pipe is raw time / Cryo time, as ratio of medians and per repetition', () => {
  const recs = [
    mig('stopcopy', 1, { transfer: 1000, downtime: 5000 }),
    mig('stopcopy', 2, { transfer: 2000, downtime: 6000 }),
    mig('raw-pipe', 1, { transfer: 1500 }),
    mig('raw-pipe', 2, { transfer: 1000 }),
    mig('cryo-pipe', 1, { transfer: 1200 }),
  ];
  const r = throughputRatio(recs, 'local->host-b', 256, 0, 'stopcopy', 'raw-pipe');
  assert.equal(r.value, 1250 / 1500);
  assert.equal(r.paired, (1.5 + 0.5) / 2);
  const rows = summarizeThroughput(recs);
  assert.deepEqual(rows.map((x) => x.method), ['stopcopy', 'cryo-pipe', 'raw-pipe']);
  assert.equal(Math.round(rows[0]!.bytesPerSec!), Math.round((256 * MB) / 1.5));
});

test('throughput table only for routes where a pipe ran; the back moves stay out of it', () => {
  const recs = [mig('stopcopy', 1, { transfer: 1000, downtime: 5000 }), mig('stopcopy', 1, { transfer: 900, downtime: 4000, route: 'host-b->local', direction: 'back' })];
  assert.deepEqual(summarizeThroughput(recs), []);
  assert.equal(summarizeMoves(recs).length, 2);
});

test('moves: rows per route in first-seen order, failures counted and never averaged in', () => {
  const recs = [
    mig('stopcopy', 1, { transfer: 1000, downtime: 5000 }),
    mig('stopcopy', 1, { transfer: 900, downtime: 4000, route: 'host-b->local', direction: 'back' }),
    mig('stopcopy', 2, { transfer: 3000, downtime: 9000 }),
    mig('stopcopy', 3, { transfer: 1, downtime: 1, outcome: 'failed' }),
  ];
  const rows = summarizeMoves(recs);
  assert.deepEqual(rows.map((r) => r.route), ['local->host-b', 'host-b->local']);
  assert.equal(rows[0]!.n, 2);
  assert.equal(rows[0]!.failed, 1);
  assert.deepEqual(rows[0]!.downtimeMs, { n: 2, median: 7000, min: 5000, max: 9000 });
  assert.equal(rows[0]!.phasesMs.transfer, 2000);
});

test('downtime ratio pre-copy / stop-and-copy and its goal line', () => {
  const route = 'vm->vm-b';
  const recs = [mig('precopy', 1, { transfer: 100, downtime: 3000, route }), mig('stopcopy', 1, { transfer: 1000, downtime: 10000, route })];
  assert.deepEqual(downtimeRatio(recs, route, 256, 0), { value: 0.3, paired: 0.3 });
  const s = summarizeMigrationBench(recs);
  const g = s.goals.find((x) => x.label.startsWith('downtime'));
  assert.equal(g?.met, true);
  assert.match(goalLine(g!), /0\.30x \(goal <= 0\.3x, per-rep median 0\.30x\) — met/);
});

test('judge: at most / at least, and a missing figure is neither met nor missed', () => {
  assert.equal(judge('x', 0.81, 0.8, false).met, true);
  assert.equal(judge('x', 0.31, 0.3, true).met, false);
  const none = judge('x', undefined, 0.3, true);
  assert.equal(none.met, undefined);
  assert.match(goalLine(none), /n\/a/);
});

test('tables render as aligned text and as markdown', () => {
  const t = { title: 'T', head: ['a', 'bb'], rows: [['123', 'x']] };
  assert.equal(renderTablesText([t]), 'T\na    bb\n---  --\n123  x');
  assert.equal(renderTablesMarkdown([t]), '**T**\n\n| a | bb |\n| --- | --- |\n| 123 | x |\n');
});

function stats(frozenMs: number, pages: number): CriuDumpStats {
  return { freezingTimeUs: 1000, frozenTimeUs: frozenMs * 1000, memdumpTimeUs: 1000, memwriteTimeUs: 1000, pagesScanned: pages, pagesSkippedParent: 0, pagesWritten: pages, pagesLazy: 0 };
}

function cp(method: string, rep: number, frozenMs: number, o: { sizeMb?: number; dirtyPct?: number; chainLength?: number; image?: number; rounds?: number } = {}): CheckpointRecord {
  return {
    kind: 'checkpoint',
    id: `${method}-${rep}-${o.chainLength ?? ''}`,
    host: 'vm',
    container: 'c',
    containerId: 'id',
    image: 'cryo-memhog:latest',
    engine: 'runc',
    options: { leaveRunning: true, preDump: method !== 'direct' },
    checkpointName: 'n',
    startedAt: '2026-11-22T00:00:00.000Z',
    wallMs: frozenMs * 2,
    criu: stats(frozenMs, 100),
    ...(o.image !== undefined ? { imageBytes: o.image } : {}),
    ...(o.rounds ? { preDumpRounds: Array.from({ length: o.rounds }, () => ({ wallMs: 1 })) } : {}),
    outcome: 'ok',
    tags: { method, rep, sizeMb: o.sizeMb ?? 256, dirtyPct: o.dirtyPct ?? 5, ...(o.chainLength !== undefined ? { chainLength: o.chainLength } : {}) },
  };
}

test('pre-dump: frozen ratio over direct, the goal judged at the largest size and 5 %/s', () => {
  const recs = [
    cp('direct', 1, 4000),
    cp('direct', 2, 6000),
    cp('predump', 1, 1000, { rounds: 1 }),
    cp('predump', 2, 1200, { rounds: 1 }),
    cp('direct', 1, 100, { sizeMb: 16 }),
    cp('predump', 1, 90, { sizeMb: 16, rounds: 1 }),
  ];
  assert.deepEqual(frozenRatio(recs, 256, 5, 'predump'), { value: 1100 / 5000, paired: (0.25 + 0.2) / 2 });
  const rows = summarizePredump(recs);
  assert.deepEqual(rows.map((r) => `${r.sizeMb}/${r.method}`), ['16/direct', '16/predump', '256/direct', '256/predump']);
  assert.equal(rows[3]!.rounds, 1);
  const s = summarizePredumpBench(recs);
  const goal = s.goals.find((g) => g.label.includes('the goal cell'));
  assert.ok(goal?.label.includes('256 MB at 5 %/s'));
  assert.equal(goal?.met, true);
  assert.equal(s.goals.filter((g) => g.label.includes('the goal cell')).length, 1);
});

test('chain rule: exactly n rounds, whatever the rounds write', () => {
  const rule = chainRule(3);
  const big = { pagesWritten: 10_000 };
  const tiny = { pagesWritten: 0 };
  assert.equal(shouldStopPreDump([big], rule).stop, false);
  assert.equal(shouldStopPreDump([big, tiny], rule).stop, false);
  assert.equal(shouldStopPreDump([big, tiny, { pagesWritten: 50_000 }], rule).stop, true);
});

test('chain summary: one row per length, ratios to the direct dump, trend note', () => {
  const cps = [0, 1, 4].map((n) => cp(n ? 'predump' : 'direct', 1, 100, { chainLength: n, image: (1 + n) * MB }));
  const rs: RestoreRecord[] = [0, 1, 4].map((n) => ({
    kind: 'restore', id: `r${n}`, host: 'vm', container: 'c', containerId: 'id', checkpointName: 'n', startedAt: '2026-11-22T00:00:00.000Z', wallMs: 1000 * (1 + n / 2), outcome: 'ok', tags: { chainLength: n },
  }));
  const rows = summarizeChain(cps, rs);
  assert.deepEqual(rows.map((r) => r.chainLength), [0, 1, 4]);
  assert.equal(rows[2]!.restoreMs?.median, 3000);
  const s = summarizeChainBench(cps, rs);
  assert.deepEqual(s.tables[0]!.rows[2]!.slice(0, 3), ['4', '5.0 MiB', '5.00x']);
  assert.equal(s.tables[0]!.rows[2]![6], '3.00x');
  assert.match(s.notes[0]!, /length 4 over length 1: restore 2\.00x, size on disk 2\.50x/);
});

test('chain order: up on odd reps, down on even ones, the direct dump always last', () => {
  assert.deepEqual(chainOrder([0, 1, 2, 3], 1), [1, 2, 3, 0]);
  assert.deepEqual(chainOrder([0, 1, 2, 3], 2), [3, 2, 1, 0]);
  assert.deepEqual(chainOrder([2, 1], 1), [1, 2]);
});
