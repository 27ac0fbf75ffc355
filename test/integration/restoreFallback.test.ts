import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkpointContainer, DockerHost, RestoreFailedError, restoreWithFallback, type RestoreRecord } from '../../src/core/index.js';
import { isRunning, readCount, removeContainer, runContainer, sleep, tempResultsStore, uniqueName, waitFor } from './helpers.js';

/**
 * Seed 002's restore fallback on the real daemon: the newest checkpoint is damaged on disk
 * (its memory pages deleted, as a full disk or a bad copy would leave it), so CRIU refuses
 * it; Cryo then restores the one before, and the counter continues from that older value.
 */
const host = DockerHost.local();
const store = tempResultsStore('cryo-it-fallback-');

const counterAtLeast = (id: string, n: number) => waitFor(`counter >= ${n}`, async () => ((await readCount(host, id)) >= n ? readCount(host, id) : undefined));

test('a damaged newest checkpoint: the one before it is restored, and both attempts are recorded', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('fallback'));
  try {
    // The dump holds a value between these two reads: the restored counter goes on from it.
    const beforeOlder = await counterAtLeast(id, 3);
    await checkpointContainer(host, id, { name: 'older', leaveRunning: true, engine: 'runc' });
    const olderAt = await readCount(host, id);
    // Docker orders checkpoints by folder time (seconds): keep the two apart.
    await sleep(1100);
    await counterAtLeast(id, olderAt + 5);
    await checkpointContainer(host, id, { name: 'newer', leaveRunning: false, engine: 'runc' });
    await waitFor('stopped', async () => ((await isRunning(host, id)) ? undefined : true));
    const newerAt = await readCount(host, id);
    assert.ok(newerAt >= olderAt + 5);

    const root = (await host.capabilities()).raw.docker.rootDir;
    const dir = `${root}/containers/${id}/checkpoints/newer`;
    const pages = readdirSync(dir).filter((f) => /^pages-\d+\.img$/.test(f));
    assert.ok(pages.length > 0, `page images in ${dir}`);
    for (const f of pages) rmSync(join(dir, f));

    const attempts: string[] = [];
    const r = await restoreWithFallback(host, id, { onAttempt: (name) => attempts.push(name) }, store);
    assert.deepEqual(attempts, ['newer', 'older'], 'newest first, then the one before');
    assert.deepEqual(r.failed.map((f) => f.checkpoint), ['newer']);
    assert.match(r.failed[0]!.error, /Restore of newer failed/);
    assert.equal(r.record.checkpointName, 'older');
    assert.equal(r.record.tags?.['fallbackFrom'], 'newer');
    assert.ok(await isRunning(host, id));
    // /count on disk still says newerAt (files are not part of a checkpoint) until the
    // restored process writes its next value, which follows on from olderAt.
    const now = await waitFor('the restored counter to write', async () => {
      const v = await readCount(host, id);
      return v !== newerAt ? v : undefined;
    });
    assert.ok(now > beforeOlder && now < newerAt, `continued from the older checkpoint (${beforeOlder}..${olderAt}), not the newer one (${newerAt}): now ${now}`);

    const recorded = (await store.readAll()).filter((x): x is RestoreRecord => x.kind === 'restore' && x.containerId === id);
    assert.deepEqual(recorded.map((x) => [x.checkpointName, x.outcome]), [['newer', 'failed'], ['older', 'ok']]);
  } finally {
    await removeContainer(host, id);
  }
});

test('nothing restorable: the error lists every checkpoint tried; a running container is refused before any attempt', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('fallback-none'));
  try {
    await counterAtLeast(id, 2);
    await assert.rejects(restoreWithFallback(host, id), /is running: stop it first/);
    await checkpointContainer(host, id, { name: 'only', leaveRunning: false, engine: 'runc' });
    await waitFor('stopped', async () => ((await isRunning(host, id)) ? undefined : true));
    const root = (await host.capabilities()).raw.docker.rootDir;
    const dir = `${root}/containers/${id}/checkpoints/only`;
    for (const f of readdirSync(dir).filter((f) => /^pages-\d+\.img$/.test(f))) rmSync(join(dir, f));
    await assert.rejects(restoreWithFallback(host, id), (e: unknown) => {
      assert.ok(e instanceof RestoreFailedError, String(e));
      assert.match(e.message, /No checkpoint of .* could be restored; tried 1, newest first:\nonly: Restore of only failed/);
      return true;
    });
    await assert.rejects(restoreWithFallback(host, id, { from: 'missing' }), /has no checkpoint named missing \(it has: only\)/);
  } finally {
    await removeContainer(host, id);
  }
});
