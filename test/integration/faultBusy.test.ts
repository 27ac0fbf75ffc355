import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { execa } from 'execa';
import {
  checkpointContainer,
  ContainerBusyError,
  deleteCheckpoint,
  DockerHost,
  restoreContainer,
  startPeriodic,
  withContainerLock,
  type CheckpointRecord,
  type TickerEvent,
} from '../../src/core/index.js';
import { isRunning, readCount, removeContainer, runContainer, sleep, uniqueName, waitFor, tempResultsStore } from './helpers.js';

/**
 * Two operations on one container at once (fault suite): the second waits its turn or is
 * refused with who holds the container, never both at once; across processes too (the CLI).
 */
const host = DockerHost.local();
const store = tempResultsStore();

before(async () => {
  await host.capabilities();
});

/** Holds the container's lock as a migration would, until release() is called. */
async function holdAsMigration(id: string): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const done = withContainerLock(host, id, 'migrate', async () => {
    entered();
    await gate;
  });
  await inside;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

test('two checkpoints of one container at once run one after the other, never overlapping', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('busy2'));
  try {
    await waitFor('counter', async () => ((await readCount(host, id)) >= 2 ? true : undefined));
    const spans: { name: string; start: number; end: number }[] = [];
    const one = (name: string) =>
      checkpointContainer(host, id, { name, leaveRunning: true, engine: 'runc', onPhase: (p) => p.startsWith('Checkpointing') && spans.push({ name, start: Date.now(), end: 0 }) }, store).then((r) => {
        spans.find((s) => s.name === name)!.end = Date.now();
        return r;
      });
    const [a, b] = await Promise.allSettled([one('first'), one('second')]);
    // A dump of this container takes ~0.3 s, inside the 3 s wait: normally both get their turn;
    // on a loaded host the second may instead be refused as busy. Never both at once.
    const refused = [a, b].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const r of refused) assert.ok(r.reason instanceof ContainerBusyError, String(r.reason));
    assert.ok(refused.length <= 1, 'one of them always runs');
    const made = spans.filter((sp) => sp.end > 0).sort((p, q) => p.start - q.start);
    for (let i = 1; i < made.length; i++) assert.ok(made[i]!.start >= made[i - 1]!.end, `dump ${i + 1} started ${made[i]!.start - made[i - 1]!.end} ms after the previous ended (must be >= 0)`);
    assert.deepEqual((await host.checkpointNames(id)).sort(), made.map((sp) => sp.name).sort());
    console.log(`figure: two checkpoints at once: ${made.length} made one after the other, ${refused.length} refused as busy`);
    assert.ok(await isRunning(host, id));
  } finally {
    await removeContainer(host, id);
  }
});

test('while a migration holds the container: checkpoint, restore and delete are refused with the holder named; the CLI too', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('busy'));
  try {
    await waitFor('counter', async () => ((await readCount(host, id)) >= 2 ? true : undefined));
    await checkpointContainer(host, id, { name: 'kept', leaveRunning: true, engine: 'runc' }, store);
    const held = await holdAsMigration(id);
    try {
      const t0 = Date.now();
      const busy = (e: unknown) => e instanceof ContainerBusyError && /^Container cryo-it-busy-\S+ is busy: migrate since \d{4}-\d\d-\d\dT[\d:.]+Z by .* pid \d+\. Try again when it is done\.$/.test(e.message);
      await assert.rejects(checkpointContainer(host, id, { name: 'refused', leaveRunning: true }, store), busy);
      const waited = Date.now() - t0;
      assert.ok(waited >= 2_500 && waited < 10_000, `refused after a short wait (${waited} ms)`);
      await assert.rejects(restoreContainer(host, id, 'kept'), busy);
      await assert.rejects(deleteCheckpoint(host, id, 'kept'), busy);
      // Another process (the CLI) respects the same lock on the host.
      const cli = await execa('node', ['out/src/cli/main.js', 'checkpoint', id, '--leave-running', '--name', 'from-cli'], { reject: false });
      assert.equal(cli.exitCode, 1, String(cli.stderr));
      assert.match(String(cli.stderr), /is busy: migrate since .* by .* pid \d+/);
      console.log(`figure: busy refusal after ${waited} ms; CLI: ${String(cli.stderr).trim().split('\n').pop()}`);
    } finally {
      await held.release();
    }
    // Nothing half-made, and once free the same operations work.
    assert.deepEqual(await host.checkpointNames(id), ['kept']);
    const rec: CheckpointRecord = await checkpointContainer(host, id, { name: 'after', leaveRunning: true, engine: 'runc' }, store);
    assert.equal(rec.outcome, 'ok');
    await deleteCheckpoint(host, id, 'after');
    assert.ok(await isRunning(host, id));
  } finally {
    await removeContainer(host, id);
  }
});

test('a periodic tick that finds the container busy is skipped and counted, then versions resume', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('busyp'));
  const events: TickerEvent[] = [];
  try {
    await waitFor('counter', async () => ((await readCount(host, id)) >= 2 ? true : undefined));
    const handle = await startPeriodic(host, id, { everyMs: 1000, keep: 3 }, { store, onEvent: (e) => events.push(e) });
    await waitFor('first version', async () => (events.some((e) => e.kind === 'version') ? true : undefined));
    const held = await holdAsMigration(id);
    await sleep(2_600);
    await held.release();
    const before = events.filter((e) => e.kind === 'version').length;
    await waitFor('a version after the lock is free', async () => (events.filter((e) => e.kind === 'version').length > before ? true : undefined), 10_000);
    const summary = await handle.stop();
    const skips = events.filter((e): e is Extract<TickerEvent, { kind: 'skipped' }> => e.kind === 'skipped' && e.busy !== undefined);
    assert.ok(skips.length >= 1, JSON.stringify(events.map((e) => e.kind)));
    assert.match(skips[0]!.busy!, /is busy: migrate since/);
    assert.equal(summary.failed, 0, 'busy ticks are not failures');
    assert.ok(summary.skipped >= skips.length);
  } finally {
    await removeContainer(host, id);
  }
});
