import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkpointContainer } from '../../src/core/index.js';
import { hasAppsImage, SERVER_APPS, seedApp, startApp, verifyApp, waitForApp, clientCountAtLeast, type AppName } from './apps.js';
import { hostA, hostB, hostC, isRunning, readCount, removeContainer, runContainer, sleep, uniqueName, waitFor } from './helpers.js';

/**
 * The stack the v0.5 tests stand on, on real daemons: host C runs Docker 28.5.2, the
 * application image starts and serves every app there (application-level checks), and on
 * host A CRIU 4.2.1 dumps a listening redis (CRIU 4.1.1 on kernels >= 6.16 failed every
 * inet socket with "Can't get 1:16 opt").
 */
const a = hostA();
const c = hostC();
const made: { host: typeof a; id: string }[] = [];

async function track(host: typeof a, id: Promise<string>): Promise<string> {
  const v = await id;
  made.push({ host, id: v });
  return v;
}

before(async () => {
  for (const [h, script] of [
    [a, 'host.sh'],
    [c, 'host-c.sh'],
  ] as const) {
    await h.docker.ping().catch((e: Error) => assert.fail(`${h.name} (${h.endpoint}) does not answer: run scripts/provision/${script}. ${e.message}`));
    assert.ok(await hasAppsImage(h), `cryo-apps:latest is missing on ${h.name}: run scripts/provision/apps.sh`);
  }
});

after(async () => {
  await Promise.all(made.map((m) => removeContainer(m.host, m.id)));
});

describe('host C', () => {
  test('is Docker 28.5.2 with containerd 2.x, runc 1.1.5, experimental, its own data root', async () => {
    const v = await c.docker.version();
    assert.match(v.Version, /^28\.5\.2/);
    const comp = Object.fromEntries((v.Components ?? []).map((x) => [x.Name, x.Version]));
    assert.match(comp.containerd ?? '', /^2\./, JSON.stringify(comp));
    assert.match(comp.runc ?? '', /^1\.1\.5/, JSON.stringify(comp));
    const info = await c.docker.info();
    assert.equal(info.ExperimentalBuild, true);
    assert.equal(info.DockerRootDir, '/var/lib/docker-c');
  });

  test("Docker's checkpoint API works there (leave running): a --network none counter", async () => {
    const id = await track(c, runContainer(c, 'cryo-counter:latest', uniqueName('c28-cp')));
    await waitFor('counter >= 3', async () => ((await readCount(c, id)) >= 3 ? true : undefined));
    const rec = await checkpointContainer(c, id, { name: 'd28', leaveRunning: true, engine: 'docker' });
    assert.equal(rec.outcome, 'ok');
    assert.deepEqual((await c.listCheckpoints(id)).map((x) => x.name), ['d28']);
    const n = await readCount(c, id);
    await sleep(1000);
    assert.ok((await readCount(c, id)) > n, 'still counting after the checkpoint');
  });
});

describe('cryo-apps on host C: every app starts and serves', () => {
  for (const app of SERVER_APPS) {
    test(app, async (t) => {
      const t0 = Date.now();
      const id = await track(c, startApp(c, app, uniqueName(`c28-${app}`)));
      const ready = await waitForApp(c, id);
      const readyMs = Date.now() - t0;
      const state = await seedApp(c, id, app);
      const summary = await verifyApp(c, id, state);
      t.diagnostic(`${app}: ready in ${readyMs} ms (${ready}); ${summary}`);
      await removeContainer(c, id);
    });
  }

  test('procs: 20 processes counting', async (t) => {
    const id = await track(c, startApp(c, 'procs', uniqueName('c28-procs'), { procs: 20 }));
    await waitForApp(c, id);
    t.diagnostic(await verifyApp(c, id, await seedApp(c, id, 'procs', 20)));
    await removeContainer(c, id);
  });

  test('tty: a TTY container counting', async () => {
    const id = await track(c, startApp(c, 'tty', uniqueName('c28-tty')));
    await waitForApp(c, id);
    assert.equal((await c.docker.getContainer(id).inspect()).Config.Tty, true);
    await verifyApp(c, id, await seedApp(c, id, 'tty'));
    await removeContainer(c, id);
  });
});

describe('cryo-apps on host B (over SSH)', () => {
  test('postgresql starts and serves: the image is there for migrations', async (t) => {
    const b = hostB();
    let id: string | undefined;
    try {
      assert.ok(await hasAppsImage(b), 'cryo-apps:latest is missing on host B: run scripts/provision/apps.sh');
      id = await startApp(b, 'postgresql', uniqueName('b-pg'));
      await waitForApp(b, id);
      t.diagnostic(await verifyApp(b, id, await seedApp(b, id, 'postgresql')));
    } finally {
      if (id) await removeContainer(b, id);
      await b.dispose();
    }
  });
});

describe('host A, CRIU 4.2.1, runc engine: redis', () => {
  const app: AppName = 'redis';

  test('a listening redis (no client) dumps, leave running, and keeps serving its data', async () => {
    const id = await track(a, startApp(a, app, uniqueName('a-redis-listen'), { client: false }));
    await waitForApp(a, id);
    const state = await seedApp(a, id, app);
    // CRIU 4.1.1 failed here on kernels >= 6.16: "sockets: Can't get 1:16 opt".
    const rec = await checkpointContainer(a, id, { name: 'listening', leaveRunning: true, engine: 'runc' });
    assert.equal(rec.outcome, 'ok');
    assert.ok(await isRunning(a, id));
    await verifyApp(a, id, state);
  });

  test('a redis with its client connected: CRIU refuses and names --tcp-established; with it, it dumps', async () => {
    const id = await track(a, startApp(a, app, uniqueName('a-redis-client')));
    await waitForApp(a, id);
    const state = await seedApp(a, id, app);
    // (A restore that adds options to runc.conf meanwhile cannot lend them: the dump waits it out.)
    await assert.rejects(checkpointContainer(a, id, { name: 'connected', leaveRunning: true, engine: 'runc' }), (e: Error) => {
      assert.match(e.message, /tcp-established/, e.message);
      return true;
    });
    // Nothing lost: the container runs on, its client still on its one connection.
    assert.ok(await isRunning(a, id));
    await clientCountAtLeast(a, id, (state.clientCount ?? 0) + 3);
    await verifyApp(a, id, state);
    // With the option CRIU names (the runc engine passes it), the same container dumps.
    const rec = await checkpointContainer(a, id, { name: 'connected', leaveRunning: true, engine: 'runc', criu: { tcpEstablished: true } });
    assert.equal(rec.outcome, 'ok');
    assert.ok(await isRunning(a, id));
    await verifyApp(a, id, state);
  });
});
