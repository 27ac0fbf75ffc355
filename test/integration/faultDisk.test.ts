import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost, migrateContainer, MigrationFailedError } from '../../src/core/index.js';
import { assertContinues } from './continuity.js';
import { hostA, isRunning, readCount, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';
import { SmallDisk } from './smallDisk.js';
import { ThrowawayDaemon } from './throwawayDaemon.js';

/**
 * The target's disk full: a throwaway dockerd whose data root is a 300 MiB ext4 image of
 * this test's own (loop-mounted, removed after), the target of a migration from host A of a
 * container whose checkpoint (its memory) cannot fit. Never fills the real disk.
 */
const DISK_MIB = 300;
/** More than the disk takes (preflight refuses); less, with the disk filled after preflight. */
const HOG_MB = 250;
const HOG_FITS_MB = 150;
let disk: SmallDisk;
let daemon: ThrowawayDaemon;
before(async () => {
  disk = await SmallDisk.create(DISK_MIB);
  daemon = await ThrowawayDaemon.launch(['cryo-memhog:latest', 'cryo-counter:latest'], { dataRoot: `${disk.mountpoint}/docker` });
});
after(async () => {
  await daemon?.destroy();
  await disk?.destroy();
});

/** Everything of that name on the throwaway daemon, and its checkpoint folders. */
async function leftOnTarget(name: string): Promise<string> {
  const ps = (await execa('docker', ['-H', daemon.endpoint, 'ps', '-a', '--filter', `name=${name}`, '--format', '{{.ID}} {{.Status}}'])).stdout.trim();
  const cps = (await execa('sh', ['-c', 'ls -d "$1"/containers/*/checkpoints/* 2>/dev/null || true', 'sh', daemon.dataRoot])).stdout.trim();
  return [ps, cps].filter(Boolean).join('\n');
}

test('migration to a host without room for the checkpoint: refused in preflight, nothing frozen', async () => {
  const a = hostA();
  const target = DockerHost.local('small-disk', daemon.endpoint);
  const name = uniqueName('diskpre');
  const srcId = await runContainer(a, 'cryo-memhog:latest', name, ['/memhog', String(HOG_MB), '0']);
  try {
    await waitFor('memhog holds its memory', async () => ((await readCount(a, srcId)) >= 2 ? true : undefined), 60_000);
    const err = await migrateContainer(a, target, name, { precopy: false }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    assert.ok(err instanceof Error, 'refused');
    assert.match(err.message, /MiB free under .*the checkpoint needs about \d+ MiB/);
    assert.match(err.message, /source container was not touched/);
    assert.ok(await isRunning(a, srcId), 'the source runs on');
    assert.equal(await leftOnTarget(name), '', 'nothing was created on the target');
    console.log(`figure: migration A -> ${DISK_MIB} MiB target disk, ${HOG_MB} MB in use: refused in preflight (${err.message.split('\n')[1]?.trim()})`);
  } finally {
    await removeContainer(a, srcId);
  }
});

test('the disk fills up between preflight and the transfer: fails at the transfer, the source is restored and counts on, the partial target and its checkpoint are gone, the message names the full disk', async () => {
  const a = hostA();
  const target = DockerHost.local('small-disk', daemon.endpoint);
  const name = uniqueName('diskfull');
  const srcId = await runContainer(a, 'cryo-memhog:latest', name, ['/memhog', String(HOG_FITS_MB), '0']);
  try {
    await waitFor('memhog holds its memory', async () => ((await readCount(a, srcId)) >= 2 ? true : undefined), 60_000);
    const freeBefore = await disk.freeBytes();
    const t0 = Date.now();
    // Something else on the target takes the room once preflight has looked: 40 MiB stay free.
    const onPhase = (p: string): void => {
      if (p === 'checkpoint') disk.fillSync(40);
    };
    const err = await migrateContainer(a, target, name, { precopy: false, onPhase }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const failedMs = Date.now() - t0;
    assert.ok(err instanceof MigrationFailedError, `the migration failed: ${String(err)}`);
    console.log(`message: ${err.message}`);
    assert.equal(err.phase, 'transfer');
    assert.equal(err.sourceState, 'restored');
    assert.match(err.message, /No space left on device|disk .*full/i);
    assert.match(err.message, /[Ff]ree (some )?space/);
    const frozen = await readCount(a, srcId);
    await assertContinues(a, srcId, frozen, { stale: frozen });
    assert.equal(await leftOnTarget(name), '', 'nothing of it is left on the target');
    await disk.unfill();
    const freeAfter = await disk.freeBytes();
    assert.ok(freeAfter >= freeBefore - 1e6, `the space is given back (${freeBefore} B free before, ${freeAfter} B after)`);
    console.log(`figure: migration A -> ${DISK_MIB} MiB target disk, ${HOG_FITS_MB} MB checkpoint, disk filled to 40 MiB free after preflight: failed at ${err.phase} after ${failedMs} ms; source ${err.sourceState}, counter continues; target ${err.targetState}; free ${(freeBefore / 1e6).toFixed(0)} MB before, ${(freeAfter / 1e6).toFixed(0)} MB after`);
  } finally {
    await removeContainer(a, srcId);
  }
});

const CASES = [
  { engine: 'runc', leaveRunning: false, expect: 'enospc' },
  { engine: 'docker', leaveRunning: true, expect: 'enospc' },
  // Room for containerd's copy but not for Docker's folder: the disk fills while Docker extracts it.
  { engine: 'docker', leaveRunning: true, expect: 'enospc', leaveMiB: 200 },
  // Docker's checkpoint ends the process before its images reach the full disk: refused up front.
  { engine: 'docker', leaveRunning: false, expect: 'refused' },
] as const;

for (const c of CASES) {
  const { engine, leaveRunning, expect } = c;
  const leaveMiB = 'leaveMiB' in c ? c.leaveMiB : 40;
  const mode = leaveRunning ? 'leave-running' : 'stop';
  test(`checkpoint (${engine} engine, ${mode}) onto a full disk (${leaveMiB} MiB free): the container runs on, ${expect === 'refused' ? 'refused before the freeze' : 'the diagnosis says disk full'}, no half checkpoint, the space given back`, async () => {
    const host = DockerHost.local('small-disk', daemon.endpoint);
    const c = await host.docker.createContainer({ Image: 'cryo-memhog:latest', name: uniqueName('diskcp'), Cmd: ['/memhog', String(HOG_FITS_MB), '0'], HostConfig: { NetworkMode: 'none' } });
    const id = c.id;
    try {
      await c.start();
      await waitFor('memhog holds its memory', async () => ((await readCount(host, id)) >= 2 ? true : undefined), 60_000);
      const freeBefore = await disk.freeBytes();
      disk.fillSync(leaveMiB);
      const t0 = Date.now();
      const err = await checkpointContainer(host, id, { name: 'full', leaveRunning, engine }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      const failedMs = Date.now() - t0;
      await disk.unfill();
      assert.ok(err instanceof Error, 'the checkpoint failed');
      console.log(`message (${engine}, ${mode}): ${err.message}`);
      if (expect === 'refused') {
        assert.equal(err.name, 'UnavailableError');
        assert.match(err.message, /refused before the freeze: small-disk has \d+ MiB free under/);
        assert.match(err.message, /Free space there/);
      } else {
        assert.match(err.message, /disk holding the checkpoint is full/);
        assert.match(err.message, /Free space/);
      }
      assert.ok(await isRunning(host, id), 'the container runs on');
      const before = await readCount(host, id);
      await waitFor('the counter moves on', async () => ((await readCount(host, id)) > before ? true : undefined));
      const cps = (await execa('docker', ['-H', daemon.endpoint, 'checkpoint', 'ls', id])).stdout;
      assert.doesNotMatch(cps, /\bfull\b/, 'no checkpoint listed');
      const folder = await execa('ls', ['-A', `${daemon.dataRoot}/containers/${id}/checkpoints`], { reject: false });
      assert.equal(folder.stdout.trim(), '', 'no half checkpoint folder');
      const freeAfter = await waitFor('the space given back', async () => {
        const f = await disk.freeBytes();
        return f >= freeBefore - 2 ** 20 ? f : undefined;
      }, 10_000).catch(async () => disk.freeBytes());
      assert.ok(freeAfter >= freeBefore - 2 ** 20, `the space is given back (${freeBefore} B free before, ${freeAfter} B after)`);
      // With room again, the same checkpoint works (nothing half made stands in its way). Not
      // for Docker's: it needs two copies (content store and folder), more than this disk has.
      if (engine === 'runc') assert.equal((await checkpointContainer(host, id, { name: 'full', leaveRunning: true, engine })).outcome, 'ok');
      console.log(`figure: checkpoint (${engine} engine, ${mode}) of ${HOG_FITS_MB} MB onto a disk with ${leaveMiB} MiB free: ${expect === 'refused' ? 'refused before the freeze' : 'failed, diagnosis disk full'} in ${failedMs} ms; container running and counting, no half checkpoint, free ${(freeBefore / 1e6).toFixed(0)} MB before, ${(freeAfter / 1e6).toFixed(0)} MB after`);
    } finally {
      await disk.unfill();
      await host.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    }
  });
}
