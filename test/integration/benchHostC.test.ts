import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { bench, type CheckpointRecord, type RestoreRecord } from '../../src/core/index.js';
import { hostC, tempResultsStore } from './helpers.js';

/**
 * The benchmarks on Docker 28 (host C), where a restore recreates the container under a new
 * id: each step after the first restore must follow the restored container (it kept the old
 * id and failed with "No container …"), and the run must leave neither the containers nor
 * the network holders the recreation made.
 */
const host = hostC();
after(() => host.dispose());

async function leftovers(prefix: string): Promise<string[]> {
  const list = await host.docker.listContainers({ all: true, filters: { name: [prefix] } });
  return list.flatMap((c) => c.Names).filter((n) => n.replace(/^\//, '').startsWith(prefix));
}

test('processes scenario, 2 reps on host C: every checkpoint and restore works on the recreated container, nothing left', { timeout: 300_000 }, async () => {
  const store = tempResultsStore('cryo-it-bench-c-');
  const runId = bench.newBenchRunId();
  const summary = await bench.runProcesses(host, { counts: [1], reps: 2, warmup: 0, settleMs: 200, engine: 'runc' }, { store, runId });
  const recs = await store.readAll();
  const cps = recs.filter((r): r is CheckpointRecord => r.kind === 'checkpoint');
  const rss = recs.filter((r): r is RestoreRecord => r.kind === 'restore');
  assert.deepEqual(cps.map((r) => r.outcome), ['ok', 'ok'], JSON.stringify(cps.map((r) => r.error)));
  assert.deepEqual(rss.map((r) => r.outcome), ['ok', 'ok'], JSON.stringify(rss.map((r) => r.error)));
  // Docker 28 restores a --network none container by recreation (the new one, holder-networked, then restores in place).
  assert.ok(rss[0]!.recreated, 'the first restore recreated the container');
  assert.equal(cps[1]!.containerId, rss[0]!.containerId, 'the second checkpoint followed the restored container');
  assert.equal(summary.failed, 0);
  assert.deepEqual(await leftovers(bench.benchNamePrefix('processes', runId)), [], 'no container or network holder left');
});

test('chain bench (direct dumps), 2 reps on host C: the second rep checkpoints the restored container, nothing left', { timeout: 300_000 }, async () => {
  const runId = bench.newBenchRunId();
  const r = await bench.runChainBench(host, { sizeMb: 16, dirtyPct: 5, lengths: [0], reps: 2, settleMs: 200, runId });
  assert.deepEqual(r.checkpoints.map((c) => c.outcome), ['ok', 'ok'], JSON.stringify(r.checkpoints.map((c) => c.error)));
  assert.deepEqual(r.restores.map((c) => c.outcome), ['ok', 'ok'], JSON.stringify(r.restores.map((c) => c.error)));
  assert.equal(r.checkpoints[1]!.containerId, r.restores[0]!.containerId);
  assert.notEqual(r.restores[0]!.containerId, r.checkpoints[0]!.containerId, 'recreated under a new id');
  assert.deepEqual(await leftovers(bench.migrationBenchPrefix(runId, 'chain')), []);
});
