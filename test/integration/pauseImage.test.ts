import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DockerHost } from '../../src/core/index.js';
import { ensurePauseImage, ensurePauseImageAs, PAUSE_IMAGE, PAUSE_LABEL } from '../../src/core/docker/pauseImage.js';
import { removeContainer, uniqueName } from './helpers.js';

const hosts: Array<[string, string]> = [['A', 'unix:///var/run/docker.sock'], ['C', 'unix:///run/docker-c.sock']];
const opened: DockerHost[] = [];
after(async () => Promise.all(opened.map((h) => h.dispose())));

async function reachable(h: DockerHost): Promise<boolean> {
  return h.docker.ping().then(() => true, () => false);
}

for (const [label, endpoint] of hosts) {
  test(`host ${label}: the pause image is imported once, runs with no network until stopped, and stops at once`, async (t) => {
    const host = DockerHost.local(`it-${label}`, endpoint);
    opened.push(host);
    if (!(await reachable(host))) {
      if (label === 'A') assert.fail('host A must be reachable');
      t.skip(`host ${label} (${endpoint}) is not up`);
      return;
    }
    // The import path runs under a tag of the test's own: the shared cryo-pause:1 may be in
    // use by others' containers on this host right now, so it is never removed here.
    const ref = `cryo-pause:it-${uniqueName('t').slice(-10)}`;
    t.after(() => host.docker.getImage(ref).remove({ force: true }).catch(() => undefined));
    const [a, b] = await Promise.all([ensurePauseImageAs(host, ref), ensurePauseImageAs(host, ref)]);
    assert.equal(a, ref);
    assert.equal(b, ref);
    const info = await host.docker.getImage(ref).inspect();
    assert.equal(info.Config.Labels?.[PAUSE_LABEL], '1');
    assert.deepEqual(info.Config.Cmd, ['/pause']);
    assert.ok(info.Size < 4096, `image is tiny (${info.Size} bytes)`);
    assert.equal(await ensurePauseImageAs(host, ref), ref, 'second call finds it');
    assert.equal(await ensurePauseImage(host), PAUSE_IMAGE, 'the shared name too');

    const name = uniqueName('pause');
    const c = await host.docker.createContainer({ Image: ref, name, HostConfig: { NetworkMode: 'none' } });
    try {
      await c.start();
      await new Promise((r) => setTimeout(r, 1000));
      const running = await c.inspect();
      assert.equal(running.HostConfig.NetworkMode, 'none');
      assert.equal(running.State.Running, true, 'still Up after a second');
      assert.equal(running.State.Restarting, false);
      const t0 = Date.now();
      await c.stop({ t: 10 });
      const stopMs = Date.now() - t0;
      const stopped = await c.inspect();
      assert.equal(stopped.State.Running, false);
      assert.equal(stopped.State.ExitCode, 0, 'SIGTERM handler exits 0 (not killed)');
      assert.ok(stopMs < 5000, `stopped on SIGTERM, not after the kill timeout (${stopMs} ms)`);
    } finally {
      await removeContainer(host, c.id);
    }
  });
}

test('host A: an image under the pause name that Cryo did not make is refused, not overwritten', async (t) => {
  const host = DockerHost.local('it-A2', 'unix:///var/run/docker.sock');
  opened.push(host);
  const ref = `cryo-pause:it-foreign-${uniqueName('t').slice(-8)}`;
  // Any image without our label: tag the test counter image under that name.
  await host.docker.getImage('cryo-counter:latest').tag({ repo: 'cryo-pause', tag: ref.split(':')[1]! });
  t.after(() => host.docker.getImage(ref).remove({ force: false }).catch(() => undefined));
  await assert.rejects(ensurePauseImageAs(host, ref), /that Cryo did not make.*will not overwrite/);
  const still = await host.docker.getImage(ref).inspect();
  const counter = await host.docker.getImage('cryo-counter:latest').inspect();
  assert.equal(still.Id, counter.Id, 'the foreign image is untouched');
});
