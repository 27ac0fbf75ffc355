import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointTicker, formatPeriod, ownVersions, parsePeriod, PlanError, validatePlan, versionName, type PeriodicPlan, type TickerEvent, type TickerOps, type TickerTimers } from '../../src/core/index.js';

/** Timers that only move when the test says so; version names use this clock too. */
class FakeClock implements TickerTimers {
  t = Date.UTC(2026, 0, 2, 3, 4, 5);
  private queue: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    this.queue.push({ at: this.t + ms, fn, id: ++this.ids });
    return this.ids;
  };
  clearTimeout = (h: unknown) => {
    this.queue = this.queue.filter((x) => x.id !== h);
  };
  get pending(): number {
    return this.queue.length;
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush(); // what already started runs first, as it would on a real clock
    for (;;) {
      const next = [...this.queue].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next || next.at > end) break;
      this.queue = this.queue.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Lets every promise chain the ticker started run to its next real wait. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** A container in memory: its checkpoint names, whether it runs, and dumps that can fail or hang. */
class FakeOps implements TickerOps {
  names: string[];
  running = true;
  calls: string[] = [];
  removed: string[] = [];
  /** Which checkpoint calls (1-based) fail. */
  failOn: (call: number) => boolean = () => false;
  hold = false;
  private gates: (() => void)[] = [];
  constructor(names: string[] = []) {
    this.names = [...names];
  }
  async checkpoint(name: string) {
    this.calls.push(name);
    const call = this.calls.length;
    if (this.hold) await new Promise<void>((r) => this.gates.push(r));
    if (this.failOn(call)) throw new Error(`criu failed: type DUMP (call ${call})\nmore detail`);
    this.names.push(name);
    return { wallMs: 42 };
  }
  async list() {
    return [...this.names];
  }
  async remove(name: string) {
    this.removed.push(name);
    this.names = this.names.filter((n) => n !== name);
  }
  async isRunning() {
    return this.running;
  }
  release(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

function setup(plan: Partial<PeriodicPlan> = {}, names: string[] = []) {
  const clock = new FakeClock();
  const ops = new FakeOps(names);
  const events: TickerEvent[] = [];
  const ticker = new CheckpointTicker(ops, { everyMs: 1000, keep: 5, ...plan }, { timers: clock, label: 'web', onEvent: (e) => events.push(e) });
  const kinds = () => events.map((e) => e.kind);
  return { clock, ops, events, ticker, kinds };
}

describe('schedule', () => {
  test('the first version at once, then one every period, named by UTC time and number', async () => {
    const { clock, ops, ticker, events } = setup();
    ticker.start();
    await flush();
    assert.deepEqual(ops.calls, ['auto-20260102-030405-1']);
    await clock.advance(999);
    assert.equal(ops.calls.length, 1);
    await clock.advance(1);
    assert.deepEqual(ops.calls, ['auto-20260102-030405-1', 'auto-20260102-030406-2']);
    await clock.advance(2000);
    assert.equal(ops.calls.length, 4);
    const v = events.filter((e) => e.kind === 'version');
    assert.deepEqual(v.map((e) => e.seq), [1, 2, 3, 4]);
    assert.deepEqual(v[0]!.stats, { wallMs: 42 });
    await ticker.stop();
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  test('a slow dump does not shift the schedule (fixed rate)', async () => {
    const { clock, ops, ticker } = setup();
    ops.hold = true;
    ticker.start();
    await clock.advance(500);
    ops.release();
    await clock.advance(500);
    assert.equal(ops.calls.length, 2, 'second version at start + 1 s, not 1 s after the first finished');
    ops.hold = false;
    ops.release();
    await ticker.stop();
  });

  test('stops after count versions', async () => {
    const { clock, ticker, events } = setup({ count: 2 });
    ticker.start();
    await clock.advance(5000);
    const s = await ticker.done;
    assert.equal(s.reason, 'count');
    assert.equal(s.versions, 2);
    assert.equal(events.filter((e) => e.kind === 'stopped').length, 1);
    assert.equal(clock.pending, 0);
  });
});

test('no overlap: ticks during a slow dump are skipped and counted, not queued', async () => {
  const { clock, ops, ticker, events, kinds } = setup();
  ops.hold = true;
  ticker.start();
  await clock.advance(2500);
  assert.equal(ops.calls.length, 1, 'one dump at a time');
  assert.deepEqual(kinds(), ['skipped', 'skipped']);
  const skipped = events.filter((e) => e.kind === 'skipped');
  assert.deepEqual(skipped.map((e) => [e.busyWith, e.skipped]), [['auto-20260102-030405-1', 1], ['auto-20260102-030405-1', 2]]);
  ops.hold = false;
  ops.release();
  await flush();
  assert.equal(ops.calls.length, 1, 'the skipped ticks do not run late');
  await clock.advance(500);
  assert.equal(ops.calls.length, 2, 'next version on the next beat');
  const s = await ticker.stop();
  assert.deepEqual([s.versions, s.skipped, s.failed], [2, 2, 0]);
});

test("retention keeps the newest `keep` of the ticker's own versions and touches nothing else", async () => {
  const others = ['user-cp', 'auto-before-upgrade', 'nightly-20260101-000000-1', 'auto-20260101-000000-x', 'autox-20260101-000000-1'];
  const earlier = 'auto-20250101-000000-7'; // an earlier run of the same ticker
  const { clock, ops, ticker, events } = setup({ keep: 2 }, [...others, earlier]);
  ticker.start();
  await clock.advance(2000);
  await ticker.stop();
  const made = ['auto-20260102-030405-8', 'auto-20260102-030406-9', 'auto-20260102-030407-10'];
  assert.deepEqual(ops.calls, made, 'numbers on after the earlier run');
  assert.deepEqual(ops.removed, [earlier, made[0]]);
  assert.deepEqual(ops.names, [...others, made[1], made[2]]);
  const v = events.filter((e) => e.kind === 'version');
  assert.deepEqual(v.map((e) => e.deleted), [[], [earlier], [made[0]]]);
  assert.deepEqual(v.at(-1)!.kept, [made[1], made[2]]);
});

test('ownVersions sorts by number (10 after 9) and escapes the prefix', () => {
  const names = ['p.1-20260101-000000-10', 'p.1-20260101-000000-9', 'px1-20260101-000000-1', 'p.1-20260101-000000-'];
  assert.deepEqual(ownVersions('p.1', names).map((v) => v.seq), [9, 10]);
});

test('a version that cannot be deleted is reported, not a failed tick', async () => {
  const { clock, ops, ticker, events } = setup({ keep: 1 });
  ops.remove = async () => {
    throw new Error('No such checkpoint');
  };
  ticker.start();
  await clock.advance(1000);
  const s = await ticker.stop();
  assert.equal(s.failed, 0);
  const last = events.filter((e) => e.kind === 'version').at(-1)!;
  assert.match(last.retentionError ?? '', /auto-20260102-030405-1: No such checkpoint/);
});

describe('failures', () => {
  test('3 in a row stop the ticker, each recorded as an event', async () => {
    const { clock, ops, ticker, events } = setup();
    ops.failOn = () => true;
    ticker.start();
    await clock.advance(10_000);
    const s = await ticker.done;
    assert.equal(ops.calls.length, 3);
    assert.deepEqual([s.reason, s.failed, s.versions], ['failures', 3, 0]);
    assert.match(s.message, /3 versions in a row failed; the last: criu failed: type DUMP \(call 3\)$/);
    const failed = events.filter((e) => e.kind === 'failed');
    assert.deepEqual(failed.map((e) => e.consecutive), [1, 2, 3]);
    assert.equal(failed[0]!.name, 'auto-20260102-030405-1');
    assert.equal(failed[0]!.error, 'criu failed: type DUMP (call 1)', 'first line only');
    assert.equal(clock.pending, 0);
  });

  test('a success resets the count', async () => {
    const { clock, ops, ticker } = setup();
    ops.failOn = (call) => call !== 3;
    ticker.start();
    await clock.advance(4000);
    assert.equal(ops.calls.length, 5, 'fail, fail, ok, fail, fail: still going');
    await clock.advance(1000);
    const s = await ticker.done;
    assert.deepEqual([s.reason, s.failed, s.versions], ['failures', 5, 1]);
  });

  test('a failed tick numbers on, so names never repeat', async () => {
    const { clock, ops, ticker } = setup();
    ops.failOn = (call) => call === 1;
    ticker.start();
    await clock.advance(1000);
    await ticker.stop();
    assert.deepEqual(ops.calls, ['auto-20260102-030405-1', 'auto-20260102-030406-2']);
  });
});

describe('container no longer running', () => {
  test('stops before the next dump, saying why', async () => {
    const { clock, ops, ticker, kinds } = setup();
    ticker.start();
    await clock.advance(1000);
    ops.running = false;
    await clock.advance(1000);
    const s = await ticker.done;
    assert.equal(ops.calls.length, 2);
    assert.deepEqual([s.reason, s.message, s.failed], ['not-running', 'container web is no longer running', 0]);
    assert.deepEqual(kinds(), ['version', 'version', 'stopped']);
    assert.equal(clock.pending, 0);
  });

  test('a dump that fails because the container stopped ends it at once', async () => {
    const { clock, ops, ticker, kinds } = setup();
    ops.failOn = () => {
      ops.running = false;
      return true;
    };
    ticker.start();
    await clock.advance(0);
    const s = await ticker.done;
    assert.deepEqual([s.reason, s.failed], ['not-running', 1]);
    assert.deepEqual(kinds(), ['failed', 'stopped']);
  });
});

describe('stop()', () => {
  test('waits for the tick in flight, which finishes its dump and retention', async () => {
    const { clock, ops, ticker, kinds } = setup({ keep: 1 }, ['auto-20250101-000000-1']);
    ops.hold = true;
    ticker.start();
    await flush();
    let settled = false;
    const stopped = ticker.stop().then((s) => ((settled = true), s));
    await clock.advance(3000);
    assert.equal(settled, false, 'still waiting for the dump');
    assert.equal(clock.pending, 0, 'no further ticks scheduled');
    ops.release();
    const s = await stopped;
    assert.deepEqual([s.reason, s.versions, s.skipped], ['requested', 1, 0]);
    assert.deepEqual(ops.removed, ['auto-20250101-000000-1']);
    assert.deepEqual(kinds(), ['version', 'stopped']);
    assert.equal(ops.calls.length, 1);
  });

  test('is idempotent and keeps the first reason', async () => {
    const { clock, ticker, events } = setup({ count: 1 });
    ticker.start();
    await clock.advance(0);
    assert.equal((await ticker.stop()).reason, 'count');
    assert.equal((await ticker.stop()).reason, 'count');
    assert.equal(events.filter((e) => e.kind === 'stopped').length, 1);
  });

  test('a listener that throws does not stop the ticker', async () => {
    const clock = new FakeClock();
    const ops = new FakeOps();
    const ticker = new CheckpointTicker(ops, { everyMs: 1000, keep: 2 }, { timers: clock, onEvent: () => { throw new Error('bug'); } });
    ticker.start();
    await clock.advance(1000);
    assert.equal((await ticker.stop()).versions, 2);
  });
});

test('plan validation', () => {
  assert.deepEqual(validatePlan({ everyMs: 1000, keep: 1 }), { everyMs: 1000, keep: 1, preDump: false, prefix: 'auto' });
  const bad: [Partial<PeriodicPlan>, RegExp][] = [
    [{ everyMs: 999 }, /at least 1000 ms/],
    [{ everyMs: Number.NaN }, /at least 1000 ms/],
    [{ keep: 0 }, /keep 0/],
    [{ keep: 1.5 }, /keep 1.5/],
    [{ count: 0 }, /count 0/],
    [{ prefix: 'has space' }, /Prefix "has space"/],
    [{ prefix: '-dash' }, /Prefix "-dash"/],
    [{ prefix: '' }, /Prefix ""/],
    [{ prefix: 'x'.repeat(120) }, /Prefix/],
  ];
  for (const [p, re] of bad) {
    const plan = { everyMs: 1000, keep: 2, ...p };
    assert.throws(() => validatePlan(plan), (e: unknown) => e instanceof PlanError && re.test(e.message), JSON.stringify(p));
    assert.throws(() => new CheckpointTicker(new FakeOps(), plan), PlanError, 'the ticker refuses it too');
  }
  assert.equal(versionName('a', new Date(Date.UTC(2026, 10, 22, 14, 30, 5)), 3), 'a-20261122-143005-3');
});

test('periods for people: parsePeriod reads what the VS Code prompt and the CLI accept, formatPeriod labels it', () => {
  assert.equal(parsePeriod('90s'), 90_000);
  assert.equal(parsePeriod(' 2 m '), 120_000);
  assert.equal(parsePeriod('1500ms'), 1500);
  for (const bad of ['90', 'soon', '2 min', '-1s', '']) assert.equal(parsePeriod(bad), undefined, bad);
  assert.equal(formatPeriod(2000), '2 s');
  assert.equal(formatPeriod(90_000), '1.5 min');
  assert.equal(formatPeriod(3_600_000), '1 h');
  assert.equal(formatPeriod(1500), '1.5 s');
});

test('a container busy with another operation (ContainerBusyError) skips the tick: counted, not a failure', async () => {
  const { clock, ops, ticker, events } = setup();
  const busy = Object.assign(new Error('Container web is busy: restore since 2026-01-02T03:04:05.000Z by cryo CLI pid 42. Try again when it is done.'), { name: 'ContainerBusyError' });
  ops.checkpoint = async () => {
    throw busy;
  };
  ticker.start();
  await clock.advance(2000);
  const skipped = events.filter((e) => e.kind === 'skipped');
  assert.equal(skipped.length, 3, 'three busy ticks (even past the 3-failure limit), the ticker still runs');
  assert.match(skipped[0]!.kind === 'skipped' ? (skipped[0]!.busy ?? '') : '', /busy: restore since .* by cryo CLI pid 42/);
  assert.equal(events.filter((e) => e.kind === 'failed' || e.kind === 'stopped').length, 0);
  const s = await ticker.stop();
  assert.deepEqual([s.versions, s.skipped, s.failed], [0, 3, 0]);
});
