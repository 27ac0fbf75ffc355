import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost } from '../../src/core/index.js';
import { checkpointProcesses, signalCriuOf } from './faultHelpers.js';
import { readCount, waitFor } from './helpers.js';
import { ThrowawayDaemon } from './throwawayDaemon.js';

/** dockerd killed under Docker's checkpoint, on a daemon of this test's own (never A/B/C). */
let daemon: ThrowawayDaemon;
before(async () => {
  daemon = await ThrowawayDaemon.launch(['cryo-counter:latest']);
});
after(async () => {
  await daemon?.destroy();
});

test('dockerd killed mid-checkpoint: the dump left behind is ended, the container is not left frozen, no half checkpoint', async () => {
  const host = DockerHost.local('throwaway', daemon.endpoint);
  const c = await host.docker.createContainer({ Image: 'cryo-counter:latest', name: 'cryo-it-dkill', HostConfig: { NetworkMode: 'none' } });
  await c.start();
  const id = c.id;
  await waitFor('counter', async () => ((await readCount(host, id)) >= 2 ? true : undefined));
  const pid = (await c.inspect()).State.Pid;
  const stopper = signalCriuOf(id, 'stop');
  const attempt = checkpointContainer(host, id, { name: 'cut', leaveRunning: true, engine: 'docker', maxFrozenMs: 30_000 }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  await stopper.pid;
  const killedAt = Date.now();
  await daemon.kill();
  const err = await attempt;
  const failedMs = Date.now() - killedAt;
  assert.ok(err instanceof Error, 'the checkpoint failed');
  assert.deepEqual(await checkpointProcesses(id, pid), [], 'no runc checkpoint or CRIU left');
  const state = (await execa('sh', ['-c', 'grep ^State: /proc/"$1"/status || echo gone', 'sh', String(pid)])).stdout.trim();
  assert.doesNotMatch(state, /\b[tT]\b/, `the container's process is not held stopped (${state})`);
  const startMs = await daemon.start();
  const after = await host.docker.getContainer(id).inspect();
  const cps = (await execa('docker', ['-H', daemon.endpoint, 'checkpoint', 'ls', id], { reject: false })).stdout;
  assert.doesNotMatch(cps, /\bcut\b/, 'no half checkpoint');
  console.log(`figure: dockerd killed mid-checkpoint: call failed ${failedMs} ms after the kill (${err.message.split('\n').pop()}); process state ${state}; after the restart (${startMs} ms) Docker says ${after.State.Status}`);
});
