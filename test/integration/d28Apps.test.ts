import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkpointContainer, restoreContainer } from '../../src/core/index.js';
import { removeWithHolder } from '../../src/core/restore/holder.js';
import { APP_CRIU_NEEDS, hasAppsImage, seedApp, startApp, verifyApp, waitForApp, type AppName } from './apps.js';
import { hostC, removeContainer, uniqueName, waitFor } from './helpers.js';

/**
 * Real servers through the Docker 28 recreation route: on host C, an application attached to
 * a user-defined network is checkpointed WITHOUT leave-running (with the CRIU options it
 * needs) and restored by recreating it in container:<holder> form; its data, its connected
 * in-container client and new writes must survive.
 */
const c = hostC();
let network: string;
const made: string[] = [];

before(async () => {
  assert.ok(await hasAppsImage(c), 'cryo-apps:latest must be on host C (scripts/provision/apps.sh)');
  network = uniqueName('appnet');
  await c.docker.createNetwork({ Name: network, Internal: true });
});

after(async () => {
  for (const ref of made) {
    const i = await c.docker.getContainer(ref).inspect().catch(() => undefined);
    if (i) await removeWithHolder(c, i).catch(() => removeContainer(c, ref));
  }
  await c.docker.getNetwork(network).remove().catch(() => undefined);
  await c.dispose();
});

for (const app of ['redis', 'mariadb'] as AppName[]) {
  test(`host C: ${app} on a user-defined network, checkpoint (stop) and restore by recreation`, async () => {
    const name = uniqueName(`d28-${app}`);
    made.push(name);
    const id = await startApp(c, app, name, { network });
    await waitForApp(c, id);
    const state = await seedApp(c, id, app);
    const criu = Object.fromEntries(APP_CRIU_NEEDS[app].map((k) => [k, true]));
    const cp = await checkpointContainer(c, name, { name: 'frozen', leaveRunning: false, engine: 'runc', criu });
    assert.equal(cp.outcome, 'ok');
    await waitFor('stopped', async () => ((await c.docker.getContainer(id).inspect()).State.Running ? undefined : true));
    const rec = await restoreContainer(c, name, 'frozen');
    assert.ok(rec.recreated, 'recreated');
    const newId = (await c.docker.getContainer(name).inspect()).Id;
    assert.notEqual(newId, id);
    const summary = await verifyApp(c, newId, state);
    assert.ok(summary.length > 0);
  });
}
