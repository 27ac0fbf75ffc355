import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DockerHost, LocalRunner, migrateContainer, type MigrationRecord } from '../../src/core/index.js';
import { connectDocker, parseEndpoint } from '../../src/core/docker/connect.js';
import { holderOf, removeWithHolder } from '../../src/core/restore/holder.js';
import { readCount, readFile, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';

/**
 * Migration between host A (Docker 20.10, restores in place) and host C (Docker 28.5.2, moby
 * 50750): the target on C is created in container:<holder> form so its restore works, and a
 * container held on C goes back to A held as well. The counter must continue each time.
 */
const a = DockerHost.local('local');
const c = new DockerHost('host-c', 'unix:///run/docker-c.sock', connectDocker(parseEndpoint('unix:///run/docker-c.sock')), new LocalRunner());
const CMD = ['/bin/sh', '-c', 'echo "marker-$$-$(date +%s%N)" > /marker.txt; exec /bin/sh /counter.sh'];
const K = 25;
const made: [DockerHost, string][] = [];

before(async () => {
  const caps = await c.capabilities();
  assert.ok(caps.docker.ok && caps.engines.runc.ok, `host C must be up: ${caps.docker.reason}`);
});

after(async () => {
  for (const [h, ref] of made) {
    const i = await h.docker.getContainer(ref).inspect().catch(() => undefined);
    if (i) await removeWithHolder(h, i).catch(() => removeContainer(h, ref));
  }
});

async function idOn(host: DockerHost, name: string): Promise<string> {
  return (await host.docker.getContainer(name).inspect()).Id;
}

/** Migrates and checks the counter goes on from the last value read before it (a cold start cannot pass). */
async function migrateCounting(from: DockerHost, to: DockerHost, name: string, targetName: string, removeSource: boolean): Promise<MigrationRecord> {
  const srcId = await idOn(from, name);
  // Read as the freeze begins: preflight, image and target creation before it take seconds on a busy machine.
  let lastRead: Promise<number> | undefined;
  const rec = await migrateContainer(from, to, name, { targetName, removeSource, precopy: false, onPhase: (p) => void (p === 'checkpoint' && (lastRead = readCount(from, srcId))) });
  assert.equal(rec.outcome, 'ok');
  assert.ok(lastRead, 'the checkpoint phase was reported');
  const before = await lastRead;
  const tid = await idOn(to, targetName);
  made.push([to, targetName]);
  const first = await readCount(to, tid);
  assert.ok(first > before && first <= before + K, `${from.name} -> ${to.name}: ${first} after ${before}`);
  await waitFor('counts on the target', async () => ((await readCount(to, tid)) > first ? true : undefined));
  return rec;
}

test('A -> C -> A: held on C, held back on A, the counter and the files continue', async () => {
  const name = uniqueName('d28-mig');
  const srcId = await runContainer(a, 'cryo-counter:latest', name, CMD);
  made.push([a, name]);
  await waitFor('counter >= 30', async () => ((await readCount(a, srcId)) >= 30 ? true : undefined));
  const marker = await readFile(a, srcId, '/marker.txt');

  const toC = await migrateCounting(a, c, name, name, true);
  assert.ok(toC.warnings.some((w) => w.startsWith('The target is created in container:<holder> form')), toC.warnings.join('\n'));
  const onC = await c.docker.getContainer(name).inspect();
  const holderC = await holderOf(c, onC);
  assert.ok(holderC?.running, 'the target on C runs in container:<holder> form');
  assert.equal(await readFile(c, onC.Id, '/marker.txt'), marker);
  assert.equal(await a.docker.getContainer(srcId).inspect().catch(() => undefined), undefined, 'source removed from A');

  const backName = `${name}-back`;
  const back = await migrateCounting(c, a, name, backName, true);
  assert.ok(back.warnings.some((w) => w.includes("network is held by a Cryo holder")), back.warnings.join('\n'));
  const onA = await a.docker.getContainer(backName).inspect();
  assert.ok((await holderOf(a, onA))?.running, 'a held container stays held: its dump expects a netns by path');
  assert.equal(await readFile(a, onA.Id, '/marker.txt'), marker);
  assert.equal(await c.docker.getContainer(name).inspect().catch(() => undefined), undefined, 'source removed from C');
  assert.equal(await c.docker.getContainer(holderC.id).inspect().catch(() => undefined), undefined, "and the source's holder with it");
});

test('C -> A: a plain container made on Docker 28 restores in place on Docker 20.10', async () => {
  const name = uniqueName('d28-ca');
  const srcId = await runContainer(c, 'cryo-counter:latest', name, CMD);
  made.push([c, name]);
  await waitFor('counter >= 30', async () => ((await readCount(c, srcId)) >= 30 ? true : undefined));
  const rec = await migrateCounting(c, a, name, name, false);
  assert.ok(!rec.warnings.some((w) => w.includes('container:<holder>')), rec.warnings.join('\n'));
  assert.equal(await holderOf(a, await a.docker.getContainer(name).inspect()), undefined, 'plain on A');
});
