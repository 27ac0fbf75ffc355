import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistryClosedError, TickerRegistry, type StoppableTicker } from '../../src/core/periodic/registry.js';

/** A ticker whose version in flight ends when the test says so. */
class FakeTicker implements StoppableTicker {
  stops = 0;
  readonly done: Promise<void>;
  private end!: () => void;
  constructor() {
    this.done = new Promise((r) => (this.end = r));
  }
  stop(): Promise<void> {
    this.stops++;
    return this.done;
  }
  /** The version in flight is made and recorded. */
  finishVersion(): void {
    this.end();
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('stopAll() settles only once the version in flight of every ticker has ended', async () => {
  const reg = new TickerRegistry<FakeTicker>();
  const a = await reg.start('a', async () => new FakeTicker());
  const b = await reg.start('b', async () => new FakeTicker());
  let settled = false;
  const all = reg.stopAll().then(() => (settled = true));
  await flush();
  assert.deepEqual([a.stops, b.stops], [1, 1]);
  a.finishVersion();
  await flush();
  assert.equal(settled, false, 'b still dumps');
  b.finishVersion();
  await all;
  assert.equal(settled, true);
});

test('a ticker still making its first version when stopAll() comes is stopped too, and waited for; its start is refused', async () => {
  const reg = new TickerRegistry<FakeTicker>();
  const first = deferred<FakeTicker>();
  const starting = reg.start('a', () => first.promise);
  let settled = false;
  const all = reg.stopAll().then(() => (settled = true));
  const t = new FakeTicker();
  first.resolve(t); // the first version was made; the ticker is now between versions or in one
  await flush();
  assert.ok(t.stops >= 1, 'stopped');
  assert.equal(settled, false, 'waits for its version in flight');
  t.finishVersion();
  await assert.rejects(starting, RegistryClosedError);
  await all;
  assert.equal(settled, true);
});

test('after stopAll() nothing starts; one key, one ticker; a ticker that stopped by itself frees its key', async () => {
  const reg = new TickerRegistry<FakeTicker>();
  const a = await reg.start('a', async () => new FakeTicker());
  await assert.rejects(reg.start('a', async () => new FakeTicker()), /already run/);
  // Two starts racing for one key: the second is refused while the first is starting.
  const slow = deferred<FakeTicker>();
  const b1 = reg.start('b', () => slow.promise);
  await assert.rejects(reg.start('b', async () => new FakeTicker()), /already run/);
  slow.resolve(new FakeTicker());
  await b1;
  a.finishVersion(); // stopped by itself (count reached)
  await flush();
  assert.equal(reg.get('a'), undefined);
  const again = await reg.start('a', async () => new FakeTicker());
  again.finishVersion();
  reg.get('b')!.finishVersion();
  await reg.stopAll();
  let called = false;
  await assert.rejects(reg.start('c', async () => ((called = true), new FakeTicker())), RegistryClosedError);
  assert.equal(called, false, 'not even started');
  assert.equal(reg.stopAll(), reg.stopAll(), 'idempotent');
});
