import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkpointContainer, deleteCheckpoint, DockerHost, InvalidNameError, NotFoundError, restoreContainer, UnavailableError } from '../../src/core/index.js';
import { isRunning, readCount, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';

/**
 * What a person gets wrong must be refused with a sentence, before anything is frozen,
 * and must leave the container and its checkpoints as they were.
 */
const host = DockerHost.local();
let id: string;
let name: string;

before(async () => {
  name = uniqueName('refuse');
  id = await runContainer(host, 'cryo-counter:latest', name);
  await waitFor('counter', async () => ((await readCount(host, id)) > 0 ? true : undefined));
  await checkpointContainer(host, id, { name: 'existing', leaveRunning: true, engine: 'runc' });
});

after(async () => {
  await removeContainer(host, id);
});

async function unchanged(): Promise<void> {
  assert.ok(await isRunning(host, id), 'container still running');
  assert.deepEqual(await host.checkpointNames(id), ['existing'], 'checkpoints unchanged');
}

test('bad checkpoint names are refused before anything runs', async () => {
  for (const bad of ['x', 'a/b', '../../etc', 'x y', '$(reboot)']) {
    await assert.rejects(checkpointContainer(host, id, { name: bad, leaveRunning: true }), InvalidNameError, bad);
  }
  await assert.rejects(restoreContainer(host, id, '../existing'), InvalidNameError);
  await unchanged();
});

test('a missing container is named in the error', async () => {
  await assert.rejects(checkpointContainer(host, 'cryo-no-such-container', { name: 'cp1', leaveRunning: true }), (e: Error) => e instanceof NotFoundError && /No container "cryo-no-such-container"/.test(e.message));
  await assert.rejects(restoreContainer(host, 'cryo-no-such-container', 'cp1'), NotFoundError);
  await assert.rejects(deleteCheckpoint(host, 'cryo-no-such-container', 'cp1'), NotFoundError);
});

test('a taken checkpoint name is refused, for both engines', async () => {
  for (const engine of ['runc', 'docker'] as const) {
    await assert.rejects(checkpointContainer(host, id, { name: 'existing', leaveRunning: true, engine }), /already has a checkpoint named existing/);
  }
  await unchanged();
});

test('restoring into a running container, or from a checkpoint that does not exist, is refused', async () => {
  await assert.rejects(restoreContainer(host, id, 'existing'), (e: Error) => e instanceof UnavailableError && /is running/.test(e.message));
  await assert.rejects(restoreContainer(host, id, 'nope'), (e: Error) => e instanceof NotFoundError && /has: existing/.test(e.message));
  await unchanged();
});

test('pre-dump asked for on a host that cannot do it says why and changes nothing', async () => {
  const report = await host.capabilities();
  if (report.preDump.ok) return; // A soft-dirty kernel: this refusal is not what happens there.
  await assert.rejects(checkpointContainer(host, id, { name: 'pd', leaveRunning: true, preDump: true }), (e: Error) => e instanceof UnavailableError && /soft-dirty/.test(e.message));
  await unchanged();
});

test('a stopped container cannot be checkpointed; delete removes only the named checkpoint', async () => {
  const other = await runContainer(host, 'cryo-counter:latest', uniqueName('stopped'));
  try {
    await checkpointContainer(host, other, { name: 'one', leaveRunning: true, engine: 'runc' });
    await checkpointContainer(host, other, { name: 'two', leaveRunning: false, engine: 'runc' });
    await waitFor('stopped', async () => ((await isRunning(host, other)) ? undefined : true));
    await assert.rejects(checkpointContainer(host, other, { name: 'three', leaveRunning: true }), /is exited: only a running container/);
    await deleteCheckpoint(host, other, 'one');
    assert.deepEqual(await host.checkpointNames(other), ['two']);
    await assert.rejects(deleteCheckpoint(host, other, 'one'), NotFoundError);
  } finally {
    await removeContainer(host, other);
  }
});
