import assert from 'node:assert/strict';
import { readFile as readHostFile, readlink } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { checkpointContainer, DockerHost, LocalRunner, migrateContainer, restoreContainer, startPeriodic, UnavailableError } from '../../src/core/index.js';
import { connectDocker, parseEndpoint } from '../../src/core/docker/connect.js';
import { cleanStaleHolders, createHolder, HOLDER_FOR_LABEL, holderOf, isHolder, removeWithHolder } from '../../src/core/restore/holder.js';
import { readCount, readFile, removeContainer, sleep, uniqueName, waitFor } from './helpers.js';

/**
 * Host C (Docker 28.5.2, moby 50750: no in-place restore of a container with its own netns).
 * Counters checkpointed WITHOUT leave-running come back through Cryo's recreation route:
 * same name, same files, all checkpoints, network held by a holder container.
 */
const c = new DockerHost('host-c', 'unix:///run/docker-c.sock', connectDocker(parseEndpoint('unix:///run/docker-c.sock')), new LocalRunner());
// Writes a marker once, then counts (the image's counter): the marker checks the writable layer.
const CMD = ['/bin/sh', '-c', 'echo "marker-$$-$(date +%s%N)" > /marker.txt; exec /bin/sh /counter.sh'];
// The counter ticks every 0.2 s; the first read after a restore comes within a few ticks.
const K = 25;
let network: string;
const made: string[] = [];

before(async () => {
  const caps = await c.capabilities();
  assert.ok(caps.docker.ok && caps.engines.runc.ok, `host C must be up (scripts/provision/host-c.sh): ${caps.docker.reason}`);
  network = uniqueName('net');
  // Internal: the containers talk to nothing outside their namespaces.
  await c.docker.createNetwork({ Name: network, Internal: true });
});

after(async () => {
  for (const ref of made) {
    const i = await c.docker.getContainer(ref).inspect().catch(() => undefined);
    if (i) await removeWithHolder(c, i).catch(() => removeContainer(c, ref));
  }
  await c.docker.getNetwork(network).remove().catch(() => undefined);
});

async function idOf(name: string): Promise<string> {
  return (await c.docker.getContainer(name).inspect()).Id;
}

async function netnsOf(host: DockerHost, id: string): Promise<string> {
  const pid = (await host.docker.getContainer(id).inspect()).State.Pid;
  return readlink(`/proc/${pid}/ns/net`);
}

for (const mode of ['none', 'user-network'] as const) {
  describe(`host C, ${mode}`, () => {
    test('checkpoint (stop) then restore: recreated under its name, counter continues, files and checkpoints kept', async () => {
      const name = uniqueName(`d28-${mode === 'none' ? 'none' : 'net'}`);
      made.push(name);
      const created = await c.docker.createContainer({
        name,
        Image: 'cryo-counter:latest',
        Cmd: CMD,
        HostConfig: { NetworkMode: mode === 'none' ? 'none' : network },
        ...(mode === 'none' ? {} : { NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['counter-alias'] } } } }),
      });
      await created.start();
      const oldId = created.id;
      await waitFor('counter >= 30', async () => ((await readCount(c, oldId)) >= 30 ? true : undefined));
      const marker = await readFile(c, oldId, '/marker.txt');
      await checkpointContainer(c, name, { name: 'earlier', leaveRunning: true });

      // Read as the engine starts: the checks before it (restorability, memory) take time on a busy machine.
      let lastRead: Promise<number> | undefined;
      const cp = await checkpointContainer(c, name, { name: 'frozen', leaveRunning: false, onPhase: (p) => void (p.startsWith('Checkpointing') && (lastRead = readCount(c, oldId))) });
      assert.equal(cp.outcome, 'ok');
      assert.ok(lastRead, 'the engine phase was reported');
      const before = await lastRead;
      await waitFor('stopped', async () => ((await c.docker.getContainer(oldId).inspect()).State.Running ? undefined : true));

      const rec = await restoreContainer(c, name, 'frozen');
      assert.equal(rec.outcome, 'ok');
      assert.ok(rec.recreated, 'Docker 28 restores this container only by recreating it');
      assert.equal(rec.recreated.oldId, oldId);
      const newId = await idOf(name);
      assert.equal(rec.containerId, newId, 'the record names the new container');
      assert.notEqual(newId, oldId);
      const first = await readCount(c, newId);
      assert.ok(first > before && first <= before + K, `continued: ${first} after ${before} read before the checkpoint`);
      await waitFor('keeps counting', async () => ((await readCount(c, newId)) > first ? true : undefined));
      assert.equal(await c.docker.getContainer(oldId).inspect().catch(() => undefined), undefined, 'the old container is gone');

      assert.equal(await readFile(c, newId, '/marker.txt'), marker, 'the writable layer came along');
      assert.deepEqual((await c.checkpointNames(newId)).sort(), ['earlier', 'frozen']);
      const inspect = await c.docker.getContainer(newId).inspect();
      const holder = await holderOf(c, inspect);
      assert.ok(holder?.running, 'a running Cryo holder owns the network');
      assert.equal(holder.inspect.Config.Labels?.[HOLDER_FOR_LABEL], name);
      assert.ok(rec.recreated.changes.some((x) => x.includes(`container:${holder.name}`)), rec.recreated.changes.join('\n'));
      // The restored process lives in the holder's network namespace (not a fresh empty one).
      assert.equal(await netnsOf(c, newId), await netnsOf(c, holder.id));
      const dev = await readHostFile(`/proc/${inspect.State.Pid}/net/dev`, 'utf8');
      if (mode === 'user-network') {
        assert.match(dev, /eth0:/, 'the container is still on its network');
        const ep = holder.inspect.NetworkSettings.Networks[network];
        assert.ok(ep?.Aliases?.includes('counter-alias') && ep.Aliases.includes(name), JSON.stringify(ep?.Aliases));
        assert.ok(rec.recreated.changes.some((x) => x.startsWith('address now')), rec.recreated.changes.join('\n'));
      } else {
        assert.doesNotMatch(dev, /eth0:/);
      }

      // The held form restores in place from now on, the older checkpoint too.
      await checkpointContainer(c, name, { name: 'again', leaveRunning: false });
      await waitFor('stopped again', async () => ((await c.docker.getContainer(newId).inspect()).State.Running ? undefined : true));
      const again = await restoreContainer(c, name, 'earlier');
      assert.equal(again.recreated, undefined, 'in place');
      assert.equal(again.containerId, newId);
      await sleep(400);
      assert.ok((await c.docker.getContainer(newId).inspect()).State.Running);
    });
  });
}

test('host C: a checkpoint that could never be restored is refused before the freeze', async () => {
  // A container sharing the network of a container that is then removed: Docker can no longer start it.
  const owner = uniqueName('d28-owner');
  const name = uniqueName('d28-orphan');
  made.push(name, owner);
  const o = await c.docker.createContainer({ name: owner, Image: 'cryo-counter:latest', HostConfig: { NetworkMode: 'none' } });
  await o.start();
  const x = await c.docker.createContainer({ name, Image: 'cryo-counter:latest', HostConfig: { NetworkMode: `container:${o.id}` } });
  await x.start();
  await waitFor('counting', async () => ((await readCount(c, x.id)) >= 3 ? true : undefined));
  await o.remove({ force: true });
  await assert.rejects(checkpointContainer(c, name, { name: 'doomed', leaveRunning: false }), (e: Error) => {
    assert.ok(e instanceof UnavailableError, String(e));
    assert.match(e.message, /refused before anything was frozen: .*no longer exists/);
    return true;
  });
  // Periodic versions that could never be restored are no safety net: refused before the first.
  await assert.rejects(startPeriodic(c, name, { everyMs: 60_000, keep: 2 }), /Periodic checkpoints of .* refused before anything was frozen/);
  // A migration to a host that could not restore it is refused in preflight.
  await assert.rejects(migrateContainer(c, DockerHost.local('local'), name, { precopy: false }), (e: Error) => {
    assert.match(e.message, /Preflight failed[\s\S]*no longer exists/);
    assert.match(e.message, /The source container was not touched/);
    return true;
  });
  assert.ok((await c.docker.getContainer(x.id).inspect()).State.Running, 'still running');
  assert.deepEqual(await c.checkpointNames(x.id), [], 'nothing was dumped');
  const v = await readCount(c, x.id);
  await waitFor('still counting', async () => ((await readCount(c, x.id)) > v ? true : undefined));
});

test('host C: holders are hidden from the listing, and one whose container is gone is cleaned', async () => {
  const name = uniqueName('d28-stale');
  const owner = await c.docker.createContainer({ name, Image: 'cryo-counter:latest', HostConfig: { NetworkMode: 'none' } });
  made.push(name);
  const orphan = await createHolder(c, await owner.inspect(), name);
  made.push(orphan.id);
  const listed = await c.listContainers();
  assert.ok(listed.some((x) => x.name === name) && !listed.some((x) => x.id === orphan.id), 'holders are not shown as containers');
  // Nothing uses the holder: once past the grace period (a holder is made just before its
  // container), it is stale. Only this test's holder is offered, so others' are untouched.
  const all = (await c.docker.listContainers({ all: true })).filter((x) => !isHolder(x) || x.Id === orphan.id);
  assert.deepEqual(await cleanStaleHolders(c, all, Date.now()), [], 'a fresh holder is left alone');
  assert.deepEqual(await cleanStaleHolders(c, all, Date.now() + 10 * 60_000), [orphan.id]);
  assert.equal(await c.docker.getContainer(orphan.id).inspect().catch(() => undefined), undefined);
});

test('host C: a recreation that fails leaves the old container and all its checkpoints as they were', async () => {
  const name = uniqueName('d28-fail');
  made.push(name);
  const created = await c.docker.createContainer({ name, Image: 'cryo-counter:latest', Cmd: CMD, HostConfig: { NetworkMode: network } });
  await created.start();
  await waitFor('counter >= 10', async () => ((await readCount(c, created.id)) >= 10 ? true : undefined));
  await checkpointContainer(c, name, { name: 'good', leaveRunning: true });
  await checkpointContainer(c, name, { name: 'damaged', leaveRunning: false });
  await waitFor('stopped', async () => ((await c.docker.getContainer(created.id).inspect()).State.Running ? undefined : true));
  // CRIU refuses a dump without its memory pages.
  const { dockerRootDir } = await c.engineContext();
  const dir = `${dockerRootDir}/containers/${created.id}/checkpoints/damaged`;
  const { readdir, rm } = await import('node:fs/promises');
  const pages = (await readdir(dir)).filter((f) => /^pages-\d+\.img$/.test(f));
  assert.ok(pages.length > 0);
  for (const f of pages) await rm(`${dir}/${f}`);

  await assert.rejects(restoreContainer(c, name, 'damaged'));
  const after = await c.docker.getContainer(name).inspect();
  assert.equal(after.Id, created.id, 'the old container is still the one under the name');
  assert.deepEqual((await c.checkpointNames(created.id)).sort(), ['damaged', 'good'], 'its checkpoints are all there');
  const leftovers = (await c.docker.listContainers({ all: true })).filter((x) => x.Names.some((n) => n.startsWith(`/${name}-cryo-`)));
  assert.deepEqual(leftovers.map((x) => x.Names[0]), [], 'no new container or holder is left behind');
  // And the good checkpoint still brings it back.
  const rec = await restoreContainer(c, name, 'good');
  assert.ok(rec.recreated);
  const v = await readCount(c, rec.containerId);
  await waitFor('counts on', async () => ((await readCount(c, rec.containerId)) > v ? true : undefined));
});
