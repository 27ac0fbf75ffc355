import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost, LocalRunner, migrateContainer, MigrationFailedError, restoreContainer } from '../../src/core/index.js';
import { connectDocker, parseEndpoint } from '../../src/core/docker/connect.js';
import { hostB, isRunning, readCount, removeContainer, sleep, uniqueName, waitFor } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * Exactly once with restart policies (issue #9): a runc checkpoint without leave-running ends
 * the process behind dockerd's back, and dockerd used to start the container again from
 * scratch a second later. Each policy goes through checkpoint -> (wait) -> restore on Docker
 * 20.10 (host A) and 28.5 (host C), and through a migration A -> B over SSH.
 */
const POLICIES = [{ Name: 'always' }, { Name: 'unless-stopped' }, { Name: 'on-failure', MaximumRetryCount: 3 }] as const;
const a = DockerHost.local('local');
const C_SOCK = 'unix:///run/docker-c.sock';
const c = new DockerHost('host-c', C_SOCK, connectDocker(parseEndpoint(C_SOCK)), new LocalRunner());
let b: DockerHost;
let cUp = false;
const made: [() => DockerHost, string][] = [];

before(async () => {
  b = hostB();
  cUp = (await c.capabilities()).engines.runc.ok;
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  await b.dispose();
});

/** A counter under `policy`; on Docker 28 without a network namespace of its own, the one kind it restores in place. */
async function counter(host: DockerHost, name: string, policy: (typeof POLICIES)[number], inPlaceOn28 = true): Promise<string> {
  const networkless = host === c && inPlaceOn28 ? { NetworkDisabled: true } : {};
  const ct = await host.docker.createContainer({ Image: 'cryo-counter:latest', name, ...networkless, HostConfig: { NetworkMode: 'none', RestartPolicy: { ...policy } } });
  made.push([() => host, ct.id]);
  await ct.start();
  await waitFor('counter >= 10', async () => ((await readCount(host, ct.id)) >= 10 ? true : undefined));
  return ct.id;
}

async function state(host: DockerHost, id: string): Promise<{ running: boolean; restarts: number; policy: string }> {
  const i = await host.docker.getContainer(id).inspect();
  return { running: i.State.Running, restarts: i.RestartCount, policy: i.HostConfig.RestartPolicy?.Name ?? '' };
}

for (const [label, host] of [['Docker 20.10 (host A)', () => a], ['Docker 28.5 (host C)', () => c]] as const) {
  describe(`checkpoint and restore on ${label}`, () => {
    for (const policy of POLICIES) {
      test(`--restart ${policy.Name}: not restarted from scratch after the freeze; the policy comes back with the restore`, async (t) => {
        const h = host();
        if (h === c && !cUp) return t.skip('host C (Docker 28.5) is not up');
        const id = await counter(h, uniqueName(`rp-${policy.Name}`), policy);
        const rec = await checkpointContainer(h, id, { name: 'held', leaveRunning: false, engine: 'runc' });
        assert.equal(rec.restartPolicyHeld, policy.Name);
        const frozen = await readCount(h, id);
        // dockerd restarted it within ~1 s before; give it three.
        await sleep(3000);
        assert.deepEqual(await state(h, id), { running: false, restarts: 0, policy: 'no' });
        assert.equal(await readCount(h, id), frozen, 'nothing ran while held');

        const restored = await restoreContainer(h, id, 'held');
        assert.equal(restored.restartPolicyGivenBack, policy.Name);
        const after = await h.docker.getContainer(id).inspect();
        assert.equal(after.HostConfig.RestartPolicy?.Name, policy.Name);
        assert.equal(after.HostConfig.RestartPolicy?.MaximumRetryCount ?? 0, 'MaximumRetryCount' in policy ? policy.MaximumRetryCount : 0);
        assert.equal(after.RestartCount, 0);
        await assertContinues(h, id, frozen);
      });
    }
  });
}

test('Docker 28, a container restored by recreating it (own network namespace): the new container gets the policy', async (t) => {
  if (!cUp) return t.skip('host C (Docker 28.5) is not up');
  const name = uniqueName('rp-c28-recreate');
  const id = await counter(c, name, POLICIES[0], false);
  await checkpointContainer(c, id, { name: 'held', leaveRunning: false, engine: 'runc' });
  const frozen = await readCount(c, id);
  await sleep(2000);
  assert.deepEqual(await state(c, id), { running: false, restarts: 0, policy: 'no' });
  const restored = await restoreContainer(c, id, 'held');
  const now = await c.docker.getContainer(name).inspect();
  made.push([() => c, now.Id]);
  // The recreated container's network lives in a holder container (restore/holder.ts): it goes too.
  for (const h of await c.docker.listContainers({ all: true, filters: { label: [`org.cryo.holder-for=${name}`] } })) made.push([() => c, h.Id]);
  assert.equal(restored.containerId, now.Id);
  assert.ok(restored.recreated, 'restored by recreation on Docker 28');
  assert.equal(restored.restartPolicyGivenBack, 'always');
  assert.equal(now.HostConfig.RestartPolicy?.Name, 'always');
  await assertContinues(c, now.Id, frozen);
});

test('a leave-running checkpoint holds nothing: the policy stays as it was', async () => {
  const id = await counter(a, uniqueName('rp-lr'), POLICIES[0]);
  const rec = await checkpointContainer(a, id, { name: 'lr', leaveRunning: true, engine: 'runc' });
  assert.equal(rec.restartPolicyHeld, undefined);
  assert.deepEqual(await state(a, id), { running: true, restarts: 0, policy: 'always' });
});

test('a checkpoint that fails before the freeze gives the policy back at once: the container runs on under it', async () => {
  const id = await counter(a, uniqueName('rp-fail'), POLICIES[0]);
  const ac = new AbortController();
  // Cancelled once the policy is held, right before the engine starts: the engine refuses.
  await assert.rejects(checkpointContainer(a, id, { name: 'never', leaveRunning: false, engine: 'runc', signal: ac.signal, onPhase: (p) => p.startsWith('Checkpointing') && ac.abort() }), { name: 'AbortError' });
  assert.deepEqual(await state(a, id), { running: true, restarts: 0, policy: 'always' });
  assert.deepEqual(await a.checkpointNames(id), []);
});

describe('migration A -> B over SSH', () => {
  for (const policy of POLICIES) {
    test(`--restart ${policy.Name}: exactly one instance runs afterwards, on B, with the policy`, async () => {
      const name = uniqueName(`rpm-${policy.Name}`);
      const srcId = await counter(a, name, policy);
      const rec = await migrateContainer(a, b, name);
      const bId = (await b.docker.getContainer(name).inspect()).Id;
      made.push([() => b, bId]);
      assert.equal(rec.outcome, 'ok');
      assert.equal(rec.restartPolicyHeld, policy.Name);
      const frozen = await readCount(a, srcId);
      await sleep(3000);
      // The source stays stopped under 'no' (dockerd would otherwise start it from scratch).
      assert.deepEqual(await state(a, srcId), { running: false, restarts: 0, policy: 'no' });
      assert.deepEqual(await state(b, bId), { running: true, restarts: 0, policy: policy.Name });
      const running = [...(await a.docker.listContainers({ filters: { name: [name] } })), ...(await b.docker.listContainers({ filters: { name: [name] } }))];
      assert.equal(running.length, 1, `one instance on A+B: ${running.map((r) => r.Names.join(',')).join(' ')}`);
      assert.ok(await isRunning(b, bId));
      const v = await readCount(b, bId);
      assert.ok(v > frozen && v <= frozen + 40, `B continued from ${frozen} (read ${v} three seconds later)`);
      console.log(`# migration --restart ${policy.Name}: downtime ${rec.downtimeMs?.toFixed(0)} ms, one instance (B), source policy 'no'`);
    });
  }
});

test('a migration rolled back after the freeze gives the source its policy back: one instance, on A, continuing', async () => {
  const name = uniqueName('rpm-rb');
  const srcId = await counter(a, name, POLICIES[0]);
  const bRoot = (await b.capabilities()).raw.docker.rootDir ?? '/var/lib/docker-b';
  let frozen = 0;
  // Sabotage between transfer and restore: the checkpoint vanishes on B (its data root is on this machine).
  const err = await migrateContainer(a, b, name, {
    precopy: false,
    onPhase: (p) => {
      if (p === 'filesystem') void readCount(a, srcId).then((v) => (frozen = v));
      if (p === 'restore') void b.docker.getContainer(name).inspect().then((i) => execa('rm', ['-rf', `${bRoot}/containers/${i.Id}/checkpoints`]));
    },
  }).then(() => assert.fail('the restore on B should have failed'), (e: unknown) => e);
  assert.ok(err instanceof MigrationFailedError && err.phase === 'restore', String(err));
  assert.equal(err.sourceState, 'restored');
  await sleep(2000);
  assert.deepEqual(await state(a, srcId), { running: true, restarts: 0, policy: 'always' });
  await assert.rejects(b.docker.getContainer(name).inspect(), 'nothing left on B');
  assert.ok(frozen > 0);
  assert.ok((await readCount(a, srcId)) > frozen, 'the source continued from its checkpoint');
});
