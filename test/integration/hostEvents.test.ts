import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DockerHost, watchHostEvents } from '../../src/core/index.js';
import { waitFor } from './helpers.js';
import { ThrowawayDaemon } from './throwawayDaemon.js';

/**
 * The event stream of a daemon that goes away and comes back, on a dockerd of this test's
 * own (the shared daemons are never killed). The tree's RefreshManager runs on this.
 */
let daemon: ThrowawayDaemon;
before(async () => {
  // The counter image, so the test can make container events there.
  daemon = await ThrowawayDaemon.launch(['cryo-counter:latest']);
});

async function createOne(host: DockerHost, name: string): Promise<void> {
  const c = await host.docker.createContainer({ Image: 'cryo-counter:latest', name, HostConfig: { NetworkMode: 'none' } });
  await c.remove({ force: true });
}
after(async () => {
  await daemon?.destroy();
});

test('a daemon killed: lost within seconds; restarted: back, and events flow again', async () => {
  const host = DockerHost.local('throwaway', daemon.endpoint);
  const log: { kind: string; at: number; reason?: string }[] = [];
  const watch = watchHostEvents(host, {
    onEvent: () => log.push({ kind: 'event', at: Date.now() }),
    onLost: (reason) => log.push({ kind: 'lost', at: Date.now(), reason }),
    onBack: () => log.push({ kind: 'back', at: Date.now() }),
  }, { reconnectMs: 500 });
  try {
    await waitFor('connected', async () => (watch.reachable ? true : undefined));
    await createOne(host, 'cryo-it-ev1');
    await waitFor('an event', async () => log.find((e) => e.kind === 'event'), 5_000);
    const killedAt = Date.now();
    await daemon.kill();
    const lost = await waitFor('lost', async () => log.find((e) => e.kind === 'lost'), 10_000);
    assert.ok(!watch.reachable);
    assert.match(lost.reason!, /event stream|does not answer/);
    const lostMs = lost.at - killedAt;
    assert.ok(lostMs < 5_000, `lost after ${lostMs} ms`);
    assert.equal(log.filter((e) => e.kind === 'lost').length, 1, 'one loss, however many reconnect attempts fail');

    const startMs = await daemon.start();
    const back = await waitFor('back', async () => log.find((e) => e.kind === 'back'), 15_000);
    assert.ok(watch.reachable);
    const before = log.filter((e) => e.kind === 'event').length;
    await createOne(host, 'cryo-it-ev2');
    await waitFor('an event on the new stream', async () => (log.filter((e) => e.kind === 'event').length > before ? true : undefined), 5_000);
    console.log(`figure: event stream: daemon SIGKILLed -> host lost after ${lostMs} ms; restarted (answering after ${startMs} ms) -> back ${back.at - lost.at} ms after the loss (reconnect every 0.5 s), events flow again`);
  } finally {
    watch.dispose();
  }
});
