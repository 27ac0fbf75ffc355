import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BarrierScheduler } from '../../src/core/bench/scenarios/barrier.js';
import { burstLatencies, burstMakespan } from '../../src/core/bench/scenarios/schedulerSummary.js';
import type { CheckpointRecord } from '../../src/core/records.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('barrier: nothing starts before the whole burst arrived, then the policy sees all of it (sjf: cheapest first)', async () => {
  const s = new BarrierScheduler({ policy: 'sjf', concurrency: 1, now: () => 0 }, 3);
  const started: string[] = [];
  const job = (name: string, cost: number) => s.run(cost, async () => void started.push(name));
  const big = job('big', 100);
  await tick();
  const mid = job('mid', 50);
  await tick();
  assert.deepEqual(started, [], 'held while the burst is incomplete');
  const small = job('small', 1);
  await Promise.all([big, mid, small]);
  assert.deepEqual(started, ['small', 'mid', 'big']);
  assert.ok(s.openedAt !== undefined);
});

test('barrier: opens after the timeout with what arrived (a request that failed early never comes)', async () => {
  const s = new BarrierScheduler({ policy: 'unlimited', concurrency: 1 }, 3, 30);
  const t0 = performance.now();
  assert.equal(await s.run(1, async () => 'ran'), 'ran');
  assert.ok(performance.now() - t0 >= 25);
});

test('barrier: a waiting job is cancelled by its signal', async () => {
  const s = new BarrierScheduler({ policy: 'unlimited', concurrency: 1 }, 2);
  const abort = new AbortController();
  let ran = false;
  const p = s.run(1, async () => void (ran = true), abort.signal);
  abort.abort();
  await assert.rejects(p, (e: unknown) => e instanceof Error && e.name === 'AbortError');
  assert.equal(ran, false);
});

test('burst latency counts from the last request: an early request waiting for the burst is not charged', () => {
  const at = (ms: number) => new Date(Date.parse('2026-11-22T10:00:00Z') + ms).toISOString();
  const rec = (startedAt: string, queuedMs: number, wallMs: number) => ({ startedAt, queuedMs, wallMs }) as CheckpointRecord;
  // Arrived at 0 and 1000; released at 1000; the first waited 1000 (barrier) then ran 300.
  const a = rec(at(0), 1000, 300);
  const b = rec(at(1000), 300, 500);
  const lat = burstLatencies([a, b]);
  assert.equal(lat.get(a), 300);
  assert.equal(lat.get(b), 800);
  assert.equal(burstMakespan([a, b]), 800);
});
