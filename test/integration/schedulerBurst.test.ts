import assert from 'node:assert/strict';
import { execa } from 'execa';
import { after, test } from 'node:test';
import { checkpointContainer, DockerHost, Scheduler } from '../../src/core/index.js';
import { readCount, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';

/**
 * The limit is observed from outside: while a burst of checkpoints runs, count the runc
 * checkpoint processes actually alive on the machine.
 */
const host = DockerHost.local();
const ids: string[] = [];

after(async () => {
  for (const id of ids) await removeContainer(host, id);
});

/** runc checkpoint processes alive now for this test's containers (others may run on the machine). */
async function runcCheckpointsAlive(): Promise<number> {
  const r = await execa('pgrep', ['-a', '-f', '^runc --root .* checkpoint '], { reject: false });
  return String(r.stdout).split('\n').filter((line) => ids.some((id) => line.endsWith(` ${id}`))).length;
}

// 64..256 MB: dumps long enough (tenths of a second each) for the sampler to see them.
test('a burst of 5 checkpoints never runs more than the limit at once, and all complete', async () => {
  host.scheduler = new Scheduler({ concurrency: 2, policy: 'sjf' });
  for (let i = 0; i < 5; i++) ids.push(await runContainer(host, 'cryo-memhog:latest', uniqueName(`burst${i}`), ['/memhog', String(64 + i * 48), '0']));
  for (const id of ids) await waitFor('memhog resident', async () => ((await readCount(host, id)) > 0 ? true : undefined));

  let maxAlive = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxAlive = Math.max(maxAlive, await runcCheckpointsAlive());
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const records = await Promise.all(ids.map((id) => checkpointContainer(host, id, { name: 'burst', leaveRunning: true, engine: 'runc' })));
  sampling = false;
  await sampler;

  assert.equal(records.filter((r) => r.outcome === 'ok').length, 5);
  assert.ok(maxAlive >= 1, 'the sampler saw checkpoints running');
  assert.ok(maxAlive <= 2, `at most 2 runc checkpoints alive at once (saw ${maxAlive})`);
  assert.equal(host.scheduler.snapshot().maxRunning, 2);
  assert.ok(records.some((r) => (r.queuedMs ?? 0) > 0), 'some jobs waited their turn');
});
