import assert from 'node:assert/strict';
import { execa } from 'execa';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, planVolumes } from '../../src/core/index.js';
import { hostB, isRunning, readFile, removeContainer, sleep, uniqueName, waitFor } from './helpers.js';
import { assertContinues } from './continuity.js';
import { hasAppsImage, seedApp, startApp, verifyApp, waitForApp } from './apps.js';

/**
 * Volumes travel with a migration (issue #9), A -> B over real SSH. The counter lives in a named
 * volume mounted on /root, a path the image has (so `docker diff` never lists it: before, such
 * a volume did not travel at all).
 */
const a = DockerHost.local('local');
let b: DockerHost;
const made: [() => DockerHost, string][] = [];
const volumes: [() => DockerHost, string][] = [];

const SCRIPT = [
  'trap "exit 0" TERM',
  'dd if=/dev/urandom of=/root/seed bs=1M count=24 2>/dev/null',
  'touch /root/gone',
  'i=0',
  'while :; do i=$((i+1)); echo $i >/root/count.tmp; mv -f /root/count.tmp /root/count; sleep 0.2; done',
].join('; ');

before(async () => {
  b = hostB();
  assert.ok((await b.capabilities()).engines.runc.ok, 'host B over ssh must work');
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  for (const [h, v] of volumes) await h().docker.getVolume(v).remove().catch(() => undefined);
  await b.dispose();
});

async function volumeCount(host: DockerHost, id: string): Promise<number> {
  for (let i = 0; ; i++) {
    const t = (await readFile(host, id, '/root/count')).trim();
    if (/^\d+$/.test(t)) return Number(t);
    if (i > 10) throw new Error(`/root/count holds '${t}'`);
    await sleep(20);
  }
}

async function counterInVolume(name: string, volume: string, extraMounts: object[] = []): Promise<string> {
  await a.docker.createVolume({ Name: volume });
  volumes.push([() => a, volume]);
  const c = await a.docker.createContainer({
    Image: 'cryo-counter:latest', name, Cmd: ['/bin/sh', '-c', SCRIPT],
    HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/root' }, ...extraMounts] as never },
  });
  made.push([() => a, c.id]);
  await c.start();
  await waitFor('counter >= 10', async () => ((await volumeCount(a, c.id)) >= 10 ? true : undefined), 60_000);
  return c.id;
}

async function sha(path: string): Promise<string> {
  return String((await execa('sha256sum', [path])).stdout).split(' ')[0]!;
}

test('a named volume on a path of the image travels: copied while running, changes while frozen, deletions replayed', async () => {
  const name = uniqueName('vol');
  const volume = `${name}-data`;
  const srcId = await counterInVolume(name, volume);
  const changes = String(await a.docker.getContainer(srcId).changes());
  assert.ok(!changes.includes('/root'), `docker diff does not list the volume: ${changes}`);
  const srcMount = (await a.docker.getVolume(volume).inspect()).Mountpoint;

  const phases: string[] = [];
  const rec = await migrateContainer(a, b, name, {
    precopy: false,
    onPhase: (p) => {
      phases.push(p);
      // Deleted after the live copy, before the freeze: the frozen pass must replay it.
      if (p === 'checkpoint') void execa('rm', ['-f', `${srcMount}/gone`]);
    },
  });
  volumes.push([() => b, volume]);
  const bId = (await b.docker.getContainer(name).inspect()).Id;
  made.push([() => b, bId]);
  assert.equal(rec.outcome, 'ok');
  assert.deepEqual(phases.slice(0, 6), ['preflight', 'image', 'create', 'volumes', 'checkpoint', 'volume-changes']);
  const v = rec.volumes?.[0];
  assert.ok(v && v.name === volume && v.destination === '/root', JSON.stringify(rec.volumes));
  assert.ok(v.liveBytes > 20 * 2 ** 20, `the seed went while running (${v.liveBytes} bytes)`);
  assert.ok(v.frozenBytes < v.liveBytes / 4, `only the changes went while frozen (${v.frozenBytes} bytes)`);
  assert.ok(!rec.warnings.some((w) => w.includes(volume)), rec.warnings.join('\n'));

  const dstMount = (await b.docker.getVolume(volume).inspect()).Mountpoint;
  assert.equal(await sha(`${dstMount}/seed`), await sha(`${srcMount}/seed`), 'the volume content arrived intact');
  await assert.rejects(execa('test', ['-e', `${dstMount}/gone`]), 'the file deleted before the freeze is gone on B too');
  const frozen = await volumeCount(a, srcId);
  await assertContinues(b, bId, frozen, { path: volumeCount });
  assert.ok(await isRunning(b, bId));
  console.log(`# volume 24 MiB: live ${v.liveBytes} B, frozen ${v.frozenBytes} B in ${v.frozenMs.toFixed(0)} ms; downtime ${rec.downtimeMs?.toFixed(0)} ms`);
});

test('the plan names what cannot travel before anything is frozen; a volume holding data on the target is refused', async () => {
  const name = uniqueName('volplan');
  const volume = `${name}-data`;
  const odd = `${name}-tmpfs`;
  await a.docker.createVolume({ Name: odd, DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
  volumes.push([() => a, odd]);
  const srcId = await counterInVolume(name, volume, [
    { Type: 'bind', Source: '/tmp', Target: '/hosttmp' },
    { Type: 'volume', Source: odd, Target: '/scratch' },
  ]);
  const plan = await planVolumes(a, await a.docker.getContainer(srcId).inspect());
  assert.deepEqual(plan.travel.map((t) => t.name), [volume]);
  assert.deepEqual(plan.stay.map((s) => s.destination).sort(), ['/hosttmp', '/scratch']);
  assert.match(plan.stay.find((s) => s.destination === '/hosttmp')!.what, /bind mount of \/tmp/);
  assert.match(plan.stay.find((s) => s.destination === '/scratch')!.what, /type=tmpfs/);

  // The same volume name on B, with data: refused in preflight, nothing frozen.
  await b.docker.createVolume({ Name: volume });
  volumes.push([() => b, volume]);
  const there = (await b.docker.getVolume(volume).inspect()).Mountpoint;
  await execa('sh', ['-c', 'echo precious > "$1/keep"', 'sh', there]);
  await assert.rejects(migrateContainer(a, b, name), (e: Error) => e instanceof MigrationFailedError && e.phase === 'preflight' && e.sourceState === 'untouched' && /already exists on host-b and holds data/.test(e.message));
  assert.ok(await isRunning(a, srcId));
  assert.deepEqual(await a.checkpointNames(srcId), []);
  assert.equal(String((await execa('cat', [`${there}/keep`])).stdout), 'precious');
});

test('a PostgreSQL database in a named volume migrates with its rows and takes new writes on B', async (t) => {
  if (!(await hasAppsImage(a)) || !(await hasAppsImage(b))) return t.skip('cryo-apps:latest is not on hosts A and B (scripts/provision/apps.sh)');
  const name = uniqueName('pgvol');
  const volume = `${name}-pg`;
  await a.docker.createVolume({ Name: volume });
  volumes.push([() => a, volume]);
  // /var/lib/postgresql is a folder of the image: docker diff never lists the cluster in it.
  const srcId = await startApp(a, 'postgresql', name, { hostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/postgresql' }] } });
  made.push([() => a, srcId]);
  await waitForApp(a, srcId);
  const state = await seedApp(a, srcId, 'postgresql');
  const changes = String(await a.docker.getContainer(srcId).changes());
  assert.ok(!changes.includes('/var/lib/postgresql'), 'the cluster is not in the container layer');

  const rec = await migrateContainer(a, b, name);
  volumes.push([() => b, volume]);
  const bId = (await b.docker.getContainer(name).inspect()).Id;
  made.push([() => b, bId]);
  assert.equal(rec.outcome, 'ok', rec.error);
  const v = rec.volumes?.[0];
  assert.ok(v && v.name === volume, JSON.stringify(rec.volumes));
  assert.ok(await isRunning(b, bId));
  assert.equal(await isRunning(a, srcId), false);
  const summary = await verifyApp(b, bId, state);
  console.log(`# ${summary}; volume live ${v.liveBytes} B, frozen ${v.frozenBytes} B in ${v.frozenMs.toFixed(0)} ms; downtime ${rec.downtimeMs?.toFixed(0)} ms`);
});

test('a MariaDB database in a named volume on /var/lib/mysql migrates with its rows (file locks dumped)', async (t) => {
  if (!(await hasAppsImage(a)) || !(await hasAppsImage(b))) return t.skip('cryo-apps:latest is not on hosts A and B (scripts/provision/apps.sh)');
  const name = uniqueName('dbvol');
  const volume = `${name}-mysql`;
  await a.docker.createVolume({ Name: volume });
  volumes.push([() => a, volume]);
  const srcId = await startApp(a, 'mariadb', name, { hostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/mysql' }] } });
  made.push([() => a, srcId]);
  await waitForApp(a, srcId);
  const state = await seedApp(a, srcId, 'mariadb');
  assert.ok(!String(await a.docker.getContainer(srcId).changes()).includes('/var/lib/mysql/'), 'the tables are not in the container layer');

  // InnoDB holds file locks on its files: CRIU dumps them only when asked.
  const rec = await migrateContainer(a, b, name, { criu: { fileLocks: true } });
  volumes.push([() => b, volume]);
  const bId = (await b.docker.getContainer(name).inspect()).Id;
  made.push([() => b, bId]);
  assert.equal(rec.outcome, 'ok', rec.error);
  const v = rec.volumes?.[0];
  assert.ok(v && v.name === volume && v.liveBytes > 100_000, JSON.stringify(rec.volumes));
  assert.ok(await isRunning(b, bId));
  const summary = await verifyApp(b, bId, state);
  console.log(`# ${summary}; volume live ${v.liveBytes} B, frozen ${v.frozenBytes} B in ${v.frozenMs.toFixed(0)} ms; downtime ${rec.downtimeMs?.toFixed(0)} ms; phases ${JSON.stringify(Object.fromEntries(Object.entries(rec.phasesMs).map(([k, x]) => [k, Math.round(x ?? 0)])))}`);
});
