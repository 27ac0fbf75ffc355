import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkpointContainer, DockerHost, restoreContainer, startPeriodic, type TickerEvent } from '../../src/core/index.js';
import { readCount, removeContainer, runContainer, sleep, tempResultsStore, uniqueName, waitFor } from './helpers.js';

/**
 * Seed 002's checkpoint ticker on the real daemon: a counter container gets a version every
 * second, only the newest two of the ticker's versions stay, a checkpoint the user made
 * before is left alone, and the newest version restores with the counter continuing.
 */
const host = DockerHost.local();
const store = tempResultsStore('cryo-it-periodic-');

const counterAtLeast = (id: string, n: number) => waitFor(`counter >= ${n}`, async () => ((await readCount(host, id)) >= n ? readCount(host, id) : undefined));

test('every 1 s, keep 2, 4 versions: the 2 newest remain beside the user checkpoint, each recorded, the newest restores', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('periodic'));
  try {
    await counterAtLeast(id, 5);
    // Named like the ticker's prefix on purpose: only the exact version shape is the ticker's.
    await checkpointContainer(host, id, { name: 'auto-mine', leaveRunning: true, engine: 'auto' });

    const events: TickerEvent[] = [];
    // The counter just after each version: an upper bound for the version's value, and a
    // lower bound for the next one (ticks never overlap).
    const countAfter = new Map<string, Promise<number>>();
    const handle = await startPeriodic(host, id, { everyMs: 1000, keep: 2, count: 4 }, {
      store,
      onEvent: (e) => {
        events.push(e);
        if (e.kind === 'version') countAfter.set(e.name, readCount(host, id));
      },
    });
    const summary = await handle.done;
    assert.deepEqual([summary.reason, summary.versions, summary.failed], ['count', 4, 0], JSON.stringify(events));
    assert.equal(events.at(-1)?.kind, 'stopped');
    const versions = events.flatMap((e) => (e.kind === 'version' ? [e.name] : []));
    assert.equal(versions.length, 4);
    for (const v of versions) assert.match(v, /^auto-\d{8}-\d{6}-\d+$/);

    const left = (await host.listCheckpoints(id)).map((c) => c.name).sort();
    assert.deepEqual(left, ['auto-mine', versions[2]!, versions[3]!].sort(), 'the 2 newest versions and the user checkpoint');
    const deleted = events.flatMap((e) => (e.kind === 'version' ? e.deleted : []));
    assert.deepEqual(deleted, [versions[0], versions[1]]);

    const recorded = (await store.readAll()).flatMap((r) => (r.kind === 'checkpoint' && r.tags?.['periodic'] === 'auto' ? [r] : []));
    assert.deepEqual(recorded.map((r) => r.checkpointName), versions, 'each version recorded');
    for (const r of recorded) assert.ok(r.outcome === 'ok' && r.options.leaveRunning, JSON.stringify(r));

    // Restore the newest version into the stopped container.
    const newest = versions[3]!;
    const lower = await countAfter.get(versions[2]!)!;
    const upper = await countAfter.get(newest)!;
    await sleep(1500); // so the live counter moves clearly past the version's value
    await host.docker.getContainer(id).stop({ t: 1 });
    const stoppedAt = await readCount(host, id);
    const restored = await restoreContainer(host, id, newest, {}, store);
    assert.equal(restored.outcome, 'ok');
    const t0 = Date.now();
    // /count still holds the value written before the stop until the restored loop writes.
    const first = await waitFor('the restored counter writes', async () => {
      const v = await readCount(host, id);
      return v !== stoppedAt ? v : undefined;
    });
    const ticks = (Date.now() - t0) / 200;
    assert.ok(first >= lower, `continued from the version (>= ${lower}), not restarted: ${first}`);
    assert.ok(first <= upper + ticks + 10, `from the version (<= ${upper} + ${ticks.toFixed(0)} ticks), not the value at the stop (${stoppedAt}): ${first}`);
    await counterAtLeast(id, first + 2);
  } finally {
    await removeContainer(host, id);
  }
});

test('a container that stops ends the ticker with the reason', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('periodic-stop'));
  try {
    await counterAtLeast(id, 2);
    const events: TickerEvent[] = [];
    const handle = await startPeriodic(host, id, { everyMs: 1000, keep: 1 }, { onEvent: (e) => events.push(e) });
    await waitFor('first version', async () => (events.some((e) => e.kind === 'version') ? true : undefined));
    await host.docker.getContainer(id).stop({ t: 1 });
    const summary = await handle.done;
    assert.equal(summary.reason, 'not-running', JSON.stringify(events));
    assert.match(summary.message, /is no longer running/);
    assert.equal((await host.listCheckpoints(id)).length, 1, 'keep 1: one version left');
  } finally {
    await removeContainer(host, id);
  }
});
