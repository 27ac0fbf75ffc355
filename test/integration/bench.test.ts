import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bench, DockerHost, ResultsStore, type CheckpointRecord } from '../../src/core/index.js';

/**
 * The benchmark scenarios on the real daemon, with the smallest parameters that still say
 * something: the figures must be sane (a checkpoint takes time, a memhog's image is about
 * its memory), interference runs must really overlap, and a cancelled run leaves nothing.
 */
const host = DockerHost.local();
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cryo-it-bench-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function leftovers(prefix: string): Promise<string[]> {
  const list = await host.docker.listContainers({ all: true, filters: { name: [prefix] } });
  return list.flatMap((c) => c.Names).filter((n) => n.replace(/^\//, '').startsWith(prefix));
}

const fast = { reps: 1, warmup: 0, settleMs: 200, engine: 'runc' as const };

function assertSaneMemhog(r: CheckpointRecord): void {
  assert.equal(r.outcome, 'ok', r.error);
  assert.ok(r.wallMs > 0, 'a checkpoint takes time');
  assert.ok(r.memoryBytes && r.imageBytes, 'memory and image size recorded');
  const ratio = r.imageBytes / r.memoryBytes;
  assert.ok(ratio > 0.75 && ratio < 1.25, `image ${r.imageBytes} within 25% of memory in use ${r.memoryBytes} (${ratio.toFixed(2)})`);
}

test('size sweep, 2 sizes, 1 rep: alone and with-others records, tagged, sane figures', { timeout: 180_000 }, async () => {
  const store = new ResultsStore(join(dir, 'sweep.jsonl'));
  const runId = bench.newBenchRunId();
  const before = host.scheduler;
  const summary = await bench.runSizeSweep(host, { ...fast, sizesMb: [16, 64], dirtyPct: 0 }, { store, runId });
  assert.equal(host.scheduler, before, 'the host keeps its own scheduler afterwards');
  const recs = (await store.readAll()).filter((r): r is CheckpointRecord => r.kind === 'checkpoint');
  assert.equal(recs.length, 4);
  for (const r of recs) {
    assertSaneMemhog(r);
    assert.equal(r.tags?.['scenario'], 'size-sweep');
    assert.equal(r.tags?.['benchRun'], runId);
    // The CRIU the host really runs (the provisioning's version changes; the tag must follow it).
    assert.equal(r.tags?.['hostCriu'], (await host.capabilities()).raw.criu.version);
    assert.equal(typeof r.tags?.['hostCpus'], 'number');
    assert.ok([16, 64].includes(r.tags?.['sizeMb'] as number));
    assert.equal(r.tags?.['concurrency'], r.tags?.['mode'] === 'alone' ? 1 : 2);
  }
  assert.equal(summary.records, 4);
  assert.equal(summary.failed, 0);
  assert.equal(summary.tables[0]!.rows.length, 2);
  assert.deepEqual(await leftovers(bench.benchNamePrefix('size-sweep', runId)), []);
});

test('3-way interference: 1, 2 and 3 memhogs checkpointed at once really overlap', { timeout: 180_000 }, async () => {
  const store = new ResultsStore(join(dir, 'nway.jsonl'));
  const runId = bench.newBenchRunId();
  const summary = await bench.runNway(host, { ...fast, n: 3, sizeMb: 32 }, { store, runId });
  const recs = (await store.readAll()).filter((r): r is CheckpointRecord => r.kind === 'checkpoint');
  assert.equal(recs.length, 6, '1 + 2 + 3 checkpoints');
  for (const r of recs) assertSaneMemhog(r);
  const three = recs.filter((r) => r.tags?.['concurrency'] === 3);
  assert.equal(three.length, 3);
  // Every pair of the 3-way batch was dumping at the same moment (not queued one after another).
  const span = (r: CheckpointRecord) => {
    const start = Date.parse(r.startedAt) + (r.queuedMs ?? 0);
    return [start, start + r.wallMs] as const;
  };
  for (const a of three) for (const b of three) if (a !== b) assert.ok(span(a)[0] < span(b)[1] && span(b)[0] < span(a)[1], 'intervals overlap');
  assert.deepEqual(summary.tables[0]!.rows.map((r) => r[0]), ['1', '2', '3']);
  assert.deepEqual(await leftovers(bench.benchNamePrefix('nway', runId)), []);
});

test('dirty, 32 MB, 0 %/s vs untouched: the untouched image is a fraction of the touched one', { timeout: 180_000 }, async () => {
  const store = new ResultsStore(join(dir, 'dirty.jsonl'));
  const runId = bench.newBenchRunId();
  const summary = await bench.runDirty(host, { ...fast, sizesMb: [32], modes: [0, 'untouched'] }, { store, runId });
  const recs = (await store.readAll()).filter((r): r is CheckpointRecord => r.kind === 'checkpoint');
  assert.equal(recs.length, 2);
  const touched = recs.find((r) => r.tags?.['dirtyPct'] === 0);
  const untouched = recs.find((r) => r.tags?.['dirtyMode'] === 'untouched');
  assert.ok(touched && untouched, 'one record per mode');
  assertSaneMemhog(touched);
  assert.equal(untouched.outcome, 'ok', untouched.error);
  assert.ok(untouched.wallMs > 0, 'the untouched checkpoint takes time too');
  assert.equal(untouched.tags?.['dirtyPct'], undefined, 'untouched has no rate');
  assert.ok(untouched.imageBytes && touched.imageBytes);
  // 32 MB mapped but never written: CRIU dumps only the process's own pages.
  assert.ok(untouched.imageBytes < touched.imageBytes / 4, `untouched image ${untouched.imageBytes} < 1/4 of touched ${touched.imageBytes}`);
  assert.ok(untouched.memoryBytes !== undefined && untouched.memoryBytes < 8 * 2 ** 20, `untouched memory in use ${untouched.memoryBytes} is not the 32 MB allocated`);
  assert.deepEqual(summary.tables[0]!.rows.map((r) => r.slice(0, 2)), [['32 MB', '0 %/s'], ['32 MB', 'untouched']]);
  assert.deepEqual(await leftovers(bench.benchNamePrefix('dirty', runId)), []);
});

test('cancelling after the first checkpoint stops the run and removes its containers', { timeout: 180_000 }, async () => {
  const abort = new AbortController();
  const store = new ResultsStore(join(dir, 'cancel.jsonl'));
  const runId = bench.newBenchRunId();
  const prefix = bench.benchNamePrefix('size-sweep', runId);
  const run = bench.runSizeSweep(host, { ...fast, reps: 3, sizesMb: [16, 32], dirtyPct: 0 }, {
    runId,
    store,
    signal: abort.signal,
    onProgress: (p) => {
      if (p.done >= 1) abort.abort();
    },
  });
  await assert.rejects(run, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  const done = (await store.readAll()).filter((r) => r.kind === 'checkpoint' && r.outcome === 'ok');
  assert.ok(done.length >= 1 && done.length < 12, `stopped mid-way (${done.length} of 12 checkpoints)`);
  // Only this run's containers: other engineers' benchmarks may be running on the same daemon.
  assert.deepEqual(await leftovers(prefix), [], `no ${prefix}* container remains`);
});
