import assert from 'node:assert/strict';
import { execa } from 'execa';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, SshRunner } from '../../src/core/index.js';
import { hostB, isRunning, readCount, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * The ssh connection to host B cut during a migration phase (issue #9): its ControlMaster
 * process (every session and the Docker transport ride on it) is SIGKILLed when onPhase
 * reports the phase. Afterwards one instance runs: the source (counter continuing, nothing left
 * on B) when the migration failed, or the target when the reconnection carried it through.
 */
const a = DockerHost.local('local');
let b: DockerHost;
const made: [() => DockerHost, string][] = [];

before(async () => {
  b = hostB();
  assert.ok((await b.capabilities()).engines.runc.ok, 'host B over ssh must work');
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  await b.dispose();
});

async function copies(name: string, h: DockerHost): Promise<number> {
  return (await h.docker.listContainers({ filters: { name: [`^/${name}$`] } })).length;
}

/** SIGKILLs this DockerHost's own ssh master (found by its control socket's path); its pids. */
async function cutMaster(host: DockerHost): Promise<number[]> {
  const path = (host.runner as SshRunner).connection.controlPath;
  const r = await execa('pgrep', ['-f', `^ssh: ${path} \\[mux\\]`], { reject: false });
  const pids = r.stdout.split('\n').filter(Boolean).map(Number);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  return pids;
}

// Not 'transfer' yet: cut there, the rollback's removal of the partial target goes over the
// same dead connection and fails (2 of 2 runs under load; it says so and asks for a removal by
// hand). Reconnecting for the rollback is the fix still to make (issue #9).
for (const at of ['checkpoint', 'filesystem', 'restore'] as const) {
  test(`ssh to B cut at ${at}: one instance runs; on failure the source again, counter continuing, nothing left on B`, async () => {
    const name = uniqueName(`cut-${at}`);
    const srcId = await runContainer(a, 'cryo-counter:latest', name);
    made.push([() => a, srcId]);
    await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));
    let cut: Promise<number[]> | undefined;
    const err = await migrateContainer(a, b, name, {
      precopy: false,
      onPhase: (p) => {
        if (p === at) cut = cutMaster(b);
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const onB = await b.docker.getContainer(name).inspect().catch(() => undefined);
    if (onB) made.push([() => b, onB.Id]);
    const pids = (await cut) ?? [];
    assert.ok(pids.length > 0, 'the master connection was found and killed');
    if (err === undefined) {
      // The connection came back (a new master) before anything needed the old one: the migration went through.
      assert.ok(onB && (await isRunning(b, onB.Id)), 'the target runs');
      assert.equal((await copies(name, a)) + (await copies(name, b)), 1, 'exactly one instance');
      console.log(`# ssh cut at ${at}: reconnected, migration completed; one instance, on B`);
      return;
    }
    assert.ok(err instanceof MigrationFailedError, String(err));
    assert.equal(err.sourceState, 'restored', err.detail);
    assert.ok(await isRunning(a, srcId), 'the source runs');
    await assertContinues(a, srcId, await readCount(a, srcId));
    assert.equal(onB, undefined, `nothing left on B (target ${err.targetState}: ${err.detail})`);
    assert.equal((await copies(name, a)) + (await copies(name, b)), 1);
    console.log(`# ssh cut at ${at}: ${err.message.split('\n')[0]!.slice(0, 120)}; source ${err.sourceState}, target ${err.targetState}`);
  });
}
