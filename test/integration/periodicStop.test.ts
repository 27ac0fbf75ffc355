import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DockerHost, restoreContainer, startPeriodic, TickerRegistry, type PeriodicHandle, type TickerEvent } from '../../src/core/index.js';
import { checkpointProcesses, runDumpTarget, signalCriuOf } from './faultHelpers.js';
import { isRunning, readCount, removeContainer, sleep, tempResultsStore, uniqueName, waitFor } from './helpers.js';

/**
 * Issue #9, "tickers awaited before hosts close": closing the window stops the periodic
 * tickers and closes the hosts only after the version being dumped is finished. Here the
 * version's CRIU is held (SIGSTOP) while stopAll() is asked for, so the dump is certainly in
 * flight; stopAll() must not settle until it ends, no tick may start after it, and the host
 * is disposed only then. The tickers go through TickerRegistry, as the window's do
 * (extension.ts: periodic.stopAll(), then hosts.dispose()).
 */
const store = tempResultsStore('cryo-it-periodic-stop-');

test('stopAll() during a dump waits for that version, which is complete and restorable; no tick after; then the host closes', async () => {
  // A host of the test's own: disposing it must not close the one other tests use.
  const host = DockerHost.local('periodic-stop');
  const id = await runDumpTarget(host, uniqueName('periodic-dispose'));
  const criu = signalCriuOf(id, 'stop');
  try {
    await waitFor('counter >= 3', async () => ((await readCount(host, id)) >= 3 ? true : undefined));
    const events: { at: number; e: TickerEvent }[] = [];
    const tickers = new TickerRegistry<PeriodicHandle>();
    const handle = await tickers.start(id, () => startPeriodic(host, id, { everyMs: 1000, keep: 3 }, { store, onEvent: (e) => events.push({ at: Date.now(), e }) }));
    const pid = await criu.pid; // the first version's CRIU, stopped mid-dump
    let stoppedAt = 0;
    const stopped = tickers.stopAll().then(() => ((stoppedAt = Date.now()), handle.done));
    await sleep(2500); // 2.5 periods: a ticker that ignored the dump in flight would have settled or ticked by now
    assert.equal(stoppedAt, 0, 'stopAll() settled while the version was still being dumped');
    assert.deepEqual(events.map((x) => x.e.kind), [], 'no version, skip or stop while the dump is held');
    const resumedAt = Date.now();
    process.kill(pid, 'SIGCONT');
    const summary = await stopped;
    const upper = await readCount(host, id); // the version holds at most this
    console.log(`figure: periodic stopAll() during a dump settled ${stoppedAt - resumedAt} ms after the dump was let go (held 2.5 s)`);

    assert.deepEqual([summary.reason, summary.versions, summary.failed, summary.skipped], ['requested', 1, 0, 0], JSON.stringify(events));
    assert.deepEqual(events.map((x) => x.e.kind), ['version', 'stopped']);
    const version = events[0]!.e;
    assert.ok(version.kind === 'version');
    assert.ok(events[0]!.at <= stoppedAt, 'the version ended before stopAll() settled');
    const recorded = (await store.readAll()).filter((r) => r.kind === 'checkpoint' && r.checkpointName === version.name);
    assert.equal(recorded.length, 1, 'the version is recorded before stopAll() settles');
    assert.equal(recorded[0]!.outcome, 'ok');
    assert.deepEqual(await checkpointProcesses(id), [], 'no runc checkpoint or CRIU left');
    assert.equal(await isRunning(host, id), true, 'the container runs on (leave-running versions)');

    // No tick starts after stopAll(): nothing new in three periods.
    await sleep(3000);
    assert.equal(events.length, 2, `events after stopAll(): ${JSON.stringify(events.slice(2))}`);
    assert.deepEqual((await host.listCheckpoints(id)).map((c) => c.name), [version.name]);

    // The version is whole: stop the container and restore it; the counter continues from it.
    await host.docker.getContainer(id).stop({ t: 1 });
    const stoppedValue = await readCount(host, id);
    const restored = await restoreContainer(host, id, version.name, {}, store);
    assert.equal(restored.outcome, 'ok');
    const t0 = Date.now();
    const first = await waitFor('the restored counter writes', async () => {
      const v = await readCount(host, id);
      return v !== stoppedValue ? v : undefined;
    });
    const ticks = (Date.now() - t0) / 200;
    assert.ok(first <= upper + ticks + 5, `continued from the version (<= ${upper} + ${ticks.toFixed(0)} ticks), not from the stop (${stoppedValue}): ${first}`);
    assert.ok(first >= 3, `not a cold start: ${first}`);

    // What extension.ts does after the tickers settled: the host closes cleanly.
    await removeContainer(host, id);
    await host.dispose();
  } finally {
    criu.cancel();
    // A test that failed with CRIU still stopped must not leave it stopped.
    await criu.pid.then((p) => process.kill(p, 'SIGCONT')).catch(() => undefined);
    await removeContainer(DockerHost.local(), id);
  }
});
