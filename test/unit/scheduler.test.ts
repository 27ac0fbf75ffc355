import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from '../../src/core/scheduler/scheduler.js';
import { idealBurst } from '../../src/core/scheduler/ideal.js';
import { DEFAULT_COST_MODEL, expectedCostMs, fitCostModel } from '../../src/core/scheduler/costModel.js';
import type { CheckpointRecord } from '../../src/core/records.js';

/** A job whose completion the test controls, so ordering is observed, not timed. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}
const tick = () => new Promise((r) => setImmediate(r));

test('sjf: a burst starts the cheapest jobs first and never exceeds the limit', async () => {
  const s = new Scheduler({ concurrency: 2, policy: 'sjf', now: () => 0 });
  const order: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const job = (name: string, cost: number) => {
    const g = gate();
    gates.set(name, g);
    return s.run(cost, async () => {
      order.push(name);
      await g.p;
      return name;
    });
  };
  const all = [job('512', 512), job('256', 256), job('16', 16), job('128', 128), job('64', 64)];
  await tick();
  assert.deepEqual(order, ['16', '64']);
  assert.equal(s.snapshot().running, 2);
  assert.equal(s.snapshot().queued, 3);
  gates.get('64')!.open();
  await tick();
  assert.deepEqual(order, ['16', '64', '128']);
  for (const g of gates.values()) g.open();
  for (let i = 0; i < 5; i++) {
    await tick();
    for (const g of gates.values()) g.open();
  }
  assert.deepEqual(await Promise.all(all), ['512', '256', '16', '128', '64']);
  assert.deepEqual(order, ['16', '64', '128', '256', '512']);
  assert.equal(s.snapshot().maxRunning, 2);
});

test('fifo keeps arrival order; unlimited starts everything at once', async () => {
  for (const [policy, expectRunning] of [['fifo', 1], ['unlimited', 3]] as const) {
    const s = new Scheduler({ concurrency: 1, policy });
    const order: number[] = [];
    const g = gate();
    const jobs = [30, 10, 20].map((cost) => s.run(cost, async () => { order.push(cost); await g.p; }));
    await tick();
    assert.equal(s.snapshot().running, expectRunning, policy);
    g.open();
    await Promise.all(jobs);
    assert.deepEqual(order, [30, 10, 20], policy);
  }
});

test('aging lets a big job overtake newer small ones after waiting long enough', async () => {
  let now = 0;
  const s = new Scheduler({ concurrency: 1, policy: 'sjf', agingPerMs: 1, now: () => now });
  const order: string[] = [];
  const first = gate();
  const blocker = s.run(1, async () => { order.push('blocker'); await first.p; });
  await tick();
  const big = s.run(1000, async () => { order.push('big'); });
  now = 2000; // the big job has waited 2 s
  const small = s.run(100, async () => { order.push('small'); });
  await tick();
  first.open();
  await Promise.all([blocker, big, small]);
  assert.deepEqual(order, ['blocker', 'big', 'small']);
});

test('a queued job can be cancelled; a failing job frees its slot', async () => {
  const s = new Scheduler({ concurrency: 1, policy: 'sjf' });
  const g = gate();
  const running = s.run(1, () => g.p);
  const abort = new AbortController();
  let ran = false;
  const queued = s.run(2, async () => { ran = true; }, abort.signal);
  await tick();
  abort.abort();
  await assert.rejects(queued, { name: 'AbortError' });
  g.open();
  await running;
  assert.equal(ran, false);
  await assert.rejects(s.run(1, async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await s.run(1, async () => 'next'), 'next');
  assert.equal(s.snapshot().running, 0);
  assert.throws(() => new Scheduler({ concurrency: 0, policy: 'sjf' }), /at least 1/);
});

test('cost model fits time against memory per host and engine', () => {
  const rec = (mb: number, ms: number, host = 'local', engine: 'runc' | 'docker' = 'runc'): CheckpointRecord => ({
    kind: 'checkpoint', id: String(mb), host, container: 'c', containerId: 'x', image: 'i', memoryBytes: mb * 2 ** 20, engine,
    options: { leaveRunning: true, preDump: false }, checkpointName: 'cp', startedAt: '', wallMs: ms, outcome: 'ok',
  });
  const records = [rec(16, 260), rec(256, 1000), rec(1024, 3900), rec(100, 99_999, 'other'), rec(64, 50_000, 'local', 'docker')];
  const m = fitCostModel(records, 'local', 'runc');
  assert.equal(m.samples, 3);
  assert.ok(Math.abs(m.msPerMiB - 3.6) < 0.2, String(m.msPerMiB));
  assert.ok(m.fixedMs > 100 && m.fixedMs < 300, String(m.fixedMs));
  assert.ok(expectedCostMs(m, 512 * 2 ** 20) > expectedCostMs(m, 16 * 2 ** 20));
  assert.deepEqual(fitCostModel(records.slice(0, 2), 'local'), DEFAULT_COST_MODEL, 'too few samples: the prior');
});

test('idealBurst: shortest first onto the first free core, the mean-optimal schedule', () => {
  // The alone times measured on this host: 16..512 MB.
  const b = idealBurst([450, 230, 340, 250, 280], 2)!;
  // core A: 230, 230+280=510, 510+450=960; core B: 250, 250+340=590
  assert.equal(b.meanMs, (230 + 250 + 510 + 590 + 960) / 5);
  assert.equal(b.makespanMs, 960);
  assert.deepEqual(idealBurst([100, 200], 8), { meanMs: 150, makespanMs: 200 }, 'more cores than jobs: each alone');
  assert.deepEqual(idealBurst([100, 200, 300], 1), { meanMs: (100 + 300 + 600) / 3, makespanMs: 600 }, 'one core: a strict queue');
  assert.equal(idealBurst([], 2), undefined);
  assert.equal(idealBurst([100], 0), undefined);
  assert.equal(idealBurst([NaN], 2), undefined);
});
