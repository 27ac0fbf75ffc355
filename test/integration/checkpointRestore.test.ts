import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { checkpointContainer, DockerHost, LocalRunner, restoreContainer, type EngineId } from '../../src/core/index.js';
import { ctrdLeftovers, isRunning, readCount, removeContainer, runContainer, sleep, tempResultsStore, uniqueName, waitFor } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * Real daemon, real CRIU: every test here freezes a real busybox counter container
 * (it writes 1, 2, 3... to /count every 0.2 s) and checks what the process does after.
 */
const host = DockerHost.local();
const store = tempResultsStore();
const storeDir = dirname(store.path);

before(async () => {
  const report = await host.capabilities();
  assert.ok(report.engines.runc.ok && report.engines.docker.ok, `both engines must work on the test host:\n${JSON.stringify(report, null, 1)}`);
});

async function counterAtLeast(id: string, n: number): Promise<number> {
  return waitFor(`counter >= ${n}`, async () => {
    const v = await readCount(host, id);
    return v >= n ? v : undefined;
  });
}

for (const engine of ['runc', 'docker'] as EngineId[]) {
  describe(`${engine} engine`, () => {
    test('leave-running: the checkpoint exists and the container keeps counting', async () => {
      const id = await runContainer(host, 'cryo-counter:latest', uniqueName(`lr-${engine}`));
      try {
        await counterAtLeast(id, 3);
        const rec = await checkpointContainer(host, id, { name: 'keep-going', leaveRunning: true, engine }, store);
        assert.equal(rec.outcome, 'ok');
        assert.equal(rec.engine, engine);
        assert.ok(rec.wallMs > 0);
        assert.ok((rec.imageBytes ?? 0) > 0, 'image size recorded');
        assert.ok((rec.memoryBytes ?? 0) > 0, 'memory in use recorded');
        if (engine === 'runc') {
          assert.ok(rec.criu, 'the runc engine keeps CRIU stats');
          assert.ok(rec.criu.frozenTimeUs > 0 && rec.criu.pagesWritten > 0, JSON.stringify(rec.criu));
        }
        assert.ok(await isRunning(host, id));
        const v1 = await readCount(host, id);
        await sleep(1000);
        assert.ok((await readCount(host, id)) > v1, 'still counting after the checkpoint');
        const cps = await host.listCheckpoints(id);
        assert.deepEqual(cps.map((c) => c.name), ['keep-going']);
        assert.ok((cps[0]?.sizeBytes ?? 0) > 0);
      } finally {
        await removeContainer(host, id);
      }
    });

    test('checkpoint and stop, then restore: the counter continues from the frozen value', async () => {
      const id = await runContainer(host, 'cryo-counter:latest', uniqueName(`cr-${engine}`));
      try {
        await counterAtLeast(id, 15);
        const rec = await checkpointContainer(host, id, { name: 'frozen', leaveRunning: false, engine }, store);
        assert.equal(rec.outcome, 'ok');
        await waitFor('container stopped', async () => ((await isRunning(host, id)) ? undefined : true));
        const frozenAt = await readCount(host, id);
        assert.ok(frozenAt >= 15);
        await sleep(600);
        assert.equal(await readCount(host, id), frozenAt, 'nothing counts while stopped');

        const leaksBefore = await ctrdLeftovers();
        const restored = await restoreContainer(host, id, 'frozen', {}, store);
        assert.equal(restored.outcome, 'ok');
        assert.ok(await isRunning(host, id));
        // Continued from frozenAt, not restarted from 1: the first new value lies just above it.
        await assertContinues(host, id, frozenAt);
        assert.deepEqual((await ctrdLeftovers()).filter((p) => !leaksBefore.includes(p)), [], "containerd's restore copy is cleaned");
      } finally {
        await removeContainer(host, id);
      }
    });
  });
}

test('every run above was recorded in the results store', async () => {
  const records = await store.readAll();
  assert.equal(records.filter((r) => r.kind === 'checkpoint' && r.outcome === 'ok').length, 4);
  assert.equal(records.filter((r) => r.kind === 'restore' && r.outcome === 'ok').length, 2);
  for (const r of records) assert.equal(r.host, 'local');
});

test('a runc checkpoint lands in the folder Docker restores from', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('dir'));
  try {
    await counterAtLeast(id, 2);
    await checkpointContainer(host, id, { name: 'in-docker-dir', leaveRunning: true, engine: 'runc' });
    const root = (await host.capabilities()).raw.docker.rootDir;
    assert.ok(existsSync(`${root}/containers/${id}/checkpoints/in-docker-dir/inventory.img`));
  } finally {
    await removeContainer(host, id);
  }
});

test('a fresh host (no Cryo state folder yet): the runc engine makes its work folder', async () => {
  // What a new machine or the VM looks like before Cryo's first checkpoint there.
  const state = join(storeDir, 'state-not-made-yet');
  const fresh = new DockerHost('fresh', host.endpoint, host.docker, new LocalRunner(), state);
  const id = await runContainer(fresh, 'cryo-counter:latest', uniqueName('fresh'));
  try {
    await counterAtLeast(id, 2);
    const rec = await checkpointContainer(fresh, id, { name: 'first-ever', leaveRunning: true, engine: 'runc' });
    assert.equal(rec.outcome, 'ok');
    assert.ok(rec.criu && rec.criu.pagesWritten > 0, 'CRIU stats read from the new work folder');
    assert.ok(existsSync(join(state, 'work')), 'work root created');
  } finally {
    await removeContainer(host, id);
  }
});
