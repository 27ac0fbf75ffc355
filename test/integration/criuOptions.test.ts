import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import {
  CheckpointFailedError,
  checkpointContainer,
  migrateContainer,
  MigrationFailedError,
  restoreContainer,
  restoreWithFallback,
  startPeriodic,
  UnavailableError,
  type CheckpointRecord,
  type DockerHost,
  ResultsStore,
} from '../../src/core/index.js';
import { removeWithHolder } from '../../src/core/restore/holder.js';
import { OPTIONS_FILE } from '../../src/core/criu/optionsFile.js';
import { readRuncConf, RUNC_CONF, withRuncConf } from '../../src/core/criu/runcConf.js';
import { APPS_IMAGE, clientCountAtLeast, execIn, hasAppsImage, readClientCount, readClientError, redisCli, startApp, waitForApp } from './apps.js';
import { assertContinues } from './continuity.js';
import { hostA, hostC, isRunning, removeContainer, uniqueName, waitFor } from './helpers.js';

/**
 * CRIU options on real applications, real daemons, real CRIU, on host A (Docker 20.10) and
 * host C (Docker 28.5.2, where the restore recreates the container: looked up by id from the
 * restore record):
 * - redis (cryo-apps) with its client on ONE loopback TCP connection, started by the
 *   container's own command: the dump is refused without tcpEstablished, naming the option;
 *   with it, checkpoint + restore through Docker, and the client goes on counting on the
 *   same connection with the dataset intact;
 * - a process holding a flock: likewise with fileLocks, and the lock is still held after;
 * - the user's /etc/criu/runc.conf (here: a comment line) is byte-identical after every
 *   restore; a Cryo killed while it had changed the file gets it put back by its holder
 *   process on the host, and if that dies too, by the next operation (host A).
 */
const a = hostA();
const made: { host: DockerHost; id: string }[] = [];
let userConfBefore: Buffer | undefined;
const USER_CONF = Buffer.from("# the user's own CRIU settings (Cryo's criuOptions test): must survive\n");
const restoreTimes: string[] = [];

before(async () => {
  const report = await a.capabilities();
  assert.ok(report.engines.runc.ok, report.engines.runc.reason);
  // The file is host-wide: remember what was there and give it the user's own content for the test.
  userConfBefore = await readRuncConf(a);
  // An earlier run cut short (Ctrl-C) may have left this test's own content: not the user's.
  if (userConfBefore?.equals(USER_CONF)) userConfBefore = undefined;
  await execa('mkdir', ['-p', '/etc/criu']);
  await execa('sh', ['-c', 'cat > "$1"', 'sh', RUNC_CONF], { input: USER_CONF });
});

after(async () => {
  for (const m of made) await removeContainer(m.host, m.id);
  if (userConfBefore === undefined) await execa('rm', ['-f', RUNC_CONF]);
  else await execa('sh', ['-c', 'cat > "$1"', 'sh', RUNC_CONF], { input: userConfBefore });
  if (restoreTimes.length) console.log(`restores with CRIU options (wall, of which runc.conf handling):\n${restoreTimes.join('\n')}`);
});

async function assertUserConfIntact(when: string): Promise<void> {
  assert.deepEqual(await readRuncConf(a), USER_CONF, `the user's runc.conf is byte-identical ${when}`);
}

async function goesPast(host: DockerHost, id: string, path: string, value: number): Promise<number> {
  return clientCountAtLeast(host, id, value + 4, path, 30_000);
}

async function stopped(host: DockerHost, id: string): Promise<void> {
  await waitFor('stopped', async () => ((await isRunning(host, id)) ? undefined : true));
}

for (const [label, host] of [['host A (Docker 20.10)', a], ['host C (Docker 28.5)', hostC()]] as const) {
  describe(`redis with a connected client (tcpEstablished), ${label}`, () => {
    let id: string;
    before(async () => {
      assert.ok(await hasAppsImage(host), `${APPS_IMAGE} must be on ${host.name} (scripts/provision/apps.sh)`);
      id = await startApp(host, 'redis', uniqueName('redis-tcp'));
      made.push({ host, id });
      await waitForApp(host, id);
      await clientCountAtLeast(host, id, 1);
    });

    test('without the option the dump is refused with the decisive error and the remedy; the app keeps running', async () => {
      const err = await checkpointContainer(host, id, { name: 'no-opts', leaveRunning: false, engine: 'runc' }).then(
        () => assert.fail('a connected TCP socket must not dump without tcpEstablished'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CheckpointFailedError, String(err));
      assert.match(err.message, /Connected TCP socket|--tcp-established/, 'CRIU names the option');
      assert.match(err.message, /"Keep established TCP connections" \(--tcp-established/, 'Cryo says what to do');
      assert.ok(await isRunning(host, id));
      await goesPast(host, id, '/client.count', await readClientCount(host, id));
    });

    test('a dump waits while a restore has runc.conf changed: it never takes options it does not record', async () => {
      if (host !== a) return; // the lock and the file are the machine's: one host shows it
      let settled = false;
      // Wrapped, not returned: the change is put back only when this callback ends, and the dump waits for that.
      const { pending } = await withRuncConf(host, { tcpEstablished: true }, async () => {
        const pending = checkpointContainer(host, id, { name: 'during-change', leaveRunning: true, engine: 'runc' }).finally(() => (settled = true));
        pending.catch(() => undefined); // judged below, once the change is put back
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(settled, false, 'the dump must wait for the change to be put back');
        return { pending };
      });
      const err = await pending.then(
        () => assert.fail('after the change is put back, the dump has no tcp-established and must be refused'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof CheckpointFailedError, String(err));
      assert.match(err.message, /Connected TCP socket/);
      await assertUserConfIntact('after the dump that waited');
      assert.ok(await isRunning(host, id));
    });

    test('the docker engine is refused before any freeze, offering the runc engine', async () => {
      const before = await readClientCount(host, id);
      await assert.rejects(checkpointContainer(host, id, { name: 'docker-opts', leaveRunning: false, engine: 'docker', criu: { tcpEstablished: true } }), (e: unknown) => {
        assert.ok(e instanceof UnavailableError);
        assert.equal(e.offerEngine, 'runc');
        assert.match(e.message, /docker engine cannot pass CRIU options \(tcp-established\).*runc engine/);
        return true;
      });
      await goesPast(host, id, '/client.count', before);
    });

    test('with it (and a pre-dump round where the kernel can): checkpoint and stop, restore through Docker; the client goes on on the same connection, the dataset is intact', async () => {
      const preDump = (await host.capabilities()).preDump.ok; // needs soft-dirty tracking (the VM has it, this kernel not)
      const rec = await checkpointContainer(host, id, { name: 'tcp', leaveRunning: false, preDump, criu: { tcpEstablished: true } });
      assert.equal(rec.outcome, 'ok');
      assert.deepEqual(rec.options.criu, { tcpEstablished: true });
      if (preDump) assert.equal(rec.preDumpRounds?.length, 1, 'the pre-dump round took the flag too');
      await stopped(host, id);
      const root = (await host.capabilities()).raw.docker.rootDir;
      const file = JSON.parse((await execa('cat', [`${root}/containers/${id}/checkpoints/tcp/${OPTIONS_FILE}`])).stdout) as { criu: unknown };
      assert.deepEqual(file.criu, { tcpEstablished: true }, 'the options are kept in the checkpoint folder');
      const frozen = await readClientCount(host, id);

      const restored = await restoreContainer(host, id, 'tcp');
      assert.equal(restored.outcome, 'ok');
      assert.deepEqual(restored.criu, { tcpEstablished: true }, 'the restore used the recorded options by itself');
      restoreTimes.push(`  redis on ${host.name}${restored.recreated ? ' (recreated)' : ''}: ${restored.wallMs.toFixed(0)} ms, runc.conf ${restored.runcConfMs?.toFixed(1)} ms`);
      id = restored.containerId;
      made.push({ host, id });
      await assertUserConfIntact('after the restore');
      const next = await goesPast(host, id, '/client.count', frozen);
      assert.ok(next <= frozen + 200, `client counter ${next} continued from ${frozen}, not from scratch`);
      assert.equal(await readClientError(host, id), undefined, 'the client never lost its connection');
      assert.equal(await redisCli(host, id, ['dbsize']), '10001', '10000 keys and the counter');
      assert.equal(await redisCli(host, id, ['get', 'key:4321']), 'value:4321');
      assert.ok(Number(await redisCli(host, id, ['get', 'cryo:counter'])) >= next, "the server's counter is the one the client saw");
    });
  });
}

describe('a container with its own org.criu.config file (Docker >= 24), host C', () => {
  test('the options go into that file for the restore, not into runc.conf, and it is put back (here: removed)', async () => {
    const c = hostC();
    const confFile = `/var/lib/cryo/it-criu-${Date.now().toString(36)}.conf`;
    const id = await startApp(c, 'redis', uniqueName('redis-annot'), { hostConfig: { Annotations: { 'org.criu.config': confFile } } });
    made.push({ host: c, id });
    await waitForApp(c, id);
    await clientCountAtLeast(c, id, 1);
    await checkpointContainer(c, id, { name: 'annot', leaveRunning: false, criu: { tcpEstablished: true } });
    await stopped(c, id);
    const frozen = await readClientCount(c, id);
    let seen = '';
    const watcher = (async () => {
      // What CRIU's config file holds while the restore runs.
      for (let i = 0; i < 400 && !seen; i++) {
        seen = (await execa('cat', [confFile], { reject: false })).stdout;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const restored = await restoreContainer(c, id, 'annot');
    await watcher;
    assert.match(seen, /^tcp-established$/m, "the container's own file had the option during the restore");
    assert.deepEqual(restored.criu, { tcpEstablished: true });
    assert.equal(existsSync(confFile), false, 'there was no file before: none after');
    await assertUserConfIntact('(never touched)');
    const tid = restored.containerId;
    made.push({ host: c, id: tid });
    await goesPast(c, tid, '/client.count', frozen);
    assert.equal(await readClientError(c, tid), undefined);
  });
});

describe('migration of redis with its client, host A -> host C', () => {
  const c = hostC();
  let name: string;
  let id: string;
  before(async () => {
    name = uniqueName('redis-mig');
    id = await startApp(a, 'redis', name);
    made.push({ host: a, id });
    await waitForApp(a, id);
    await clientCountAtLeast(a, id, 1);
  });
  after(async () => {
    const i = await c.docker.getContainer(name).inspect().catch(() => undefined);
    if (i) await removeWithHolder(c, i).catch(() => removeContainer(c, name));
  });

  test('without the option: refused at the checkpoint with the remedy, the source untouched and counting', async () => {
    await assert.rejects(migrateContainer(a, c, id, { precopy: false }), (e: unknown) => {
      assert.ok(e instanceof MigrationFailedError, String(e));
      assert.equal(e.phase, 'checkpoint');
      assert.match(e.message, /--tcp-established/);
      return true;
    });
    assert.ok(await isRunning(a, id));
    await goesPast(a, id, '/client.count', await readClientCount(a, id));
  });

  test('with it: the target restores with the options shipped in the checkpoint folder; the client goes on, the dataset is intact', async () => {
    const rec = await migrateContainer(a, c, id, { precopy: false, criu: { tcpEstablished: true } });
    assert.equal(rec.outcome, 'ok');
    // The source is kept, stopped: its file holds the value the client had when frozen.
    const frozen = await readClientCount(a, id);
    const tid = (await c.docker.getContainer(name).inspect()).Id;
    const next = await goesPast(c, tid, '/client.count', frozen);
    assert.ok(next <= frozen + 300, `client counter ${next} continued from ${frozen}, not from scratch`);
    assert.equal(await readClientError(c, tid), undefined, 'the client kept its connection across hosts');
    assert.equal(await redisCli(c, tid, ['dbsize']), '10001');
    assert.equal(await redisCli(c, tid, ['get', 'key:777']), 'value:777');
    await assertUserConfIntact('after the migration');
  });
});

describe('periodic versions of redis with its client, host A', () => {
  test('every version is dumped with tcpEstablished; after the container is killed the newest restores by itself with it', async () => {
    const id = await startApp(a, 'redis', uniqueName('redis-periodic'));
    made.push({ host: a, id });
    await waitForApp(a, id);
    await clientCountAtLeast(a, id, 1);
    const dir = await mkdtemp(join(tmpdir(), 'cryo-it-'));
    const store = new ResultsStore(join(dir, 'results.jsonl'));
    const handle = await startPeriodic(a, id, { everyMs: 1500, keep: 2, count: 2, criu: { tcpEstablished: true } }, { store });
    const summary = await handle.done;
    assert.equal(summary.versions, 2, summary.message);
    const records = (await store.readAll()).filter((r): r is CheckpointRecord => r.kind === 'checkpoint');
    await rm(dir, { recursive: true, force: true });
    assert.equal(records.length, 2);
    for (const r of records) assert.deepEqual([r.outcome, r.options.criu], ['ok', { tcpEstablished: true }]);
    await a.docker.getContainer(id).kill();
    await stopped(a, id);
    const { record, failed } = await restoreWithFallback(a, id);
    assert.deepEqual(failed, []);
    assert.equal(record.checkpointName, records[1]!.checkpointName, 'the newest version');
    assert.deepEqual(record.criu, { tcpEstablished: true });
    await assertUserConfIntact('after the restore');
    await goesPast(a, id, '/client.count', await readClientCount(a, id));
    assert.equal(await readClientError(a, id), undefined);
    assert.equal(await redisCli(a, id, ['dbsize']), '10001');
  });
});

// Holds a flock on /lockfile (fd 9, taken by flock(1) and kept by bash) and counts.
const LOCK_HOLDER = [
  '/bin/bash',
  '-c',
  'exec 9>/lockfile; flock -n 9 || exit 9; i=0; echo locked > /ready; while :; do i=$((i+1)); echo $i > /count.tmp; mv /count.tmp /count; sleep 0.2; done',
];

describe('a process holding a file lock (fileLocks), host A', () => {
  const host = a;
  let id: string;
  before(async () => {
    const c = await host.docker.createContainer({ Image: APPS_IMAGE, name: uniqueName('flock'), Cmd: LOCK_HOLDER, HostConfig: { NetworkMode: 'none' } });
    id = c.id;
    made.push({ host, id });
    await c.start();
    await waitForApp(host, id);
  });

  test('refused without the option, naming it; restored with it, the counter going on and the lock still held', async () => {
    await assert.rejects(checkpointContainer(host, id, { name: 'no-locks', leaveRunning: false, engine: 'runc' }), (e: unknown) => {
      assert.ok(e instanceof CheckpointFailedError, String(e));
      assert.match(e.message, /file locks|--file-locks/);
      assert.match(e.message, /"Keep file locks" \(--file-locks/);
      return true;
    });
    assert.ok(await isRunning(host, id));
    const rec = await checkpointContainer(host, id, { name: 'locks', leaveRunning: false, criu: { fileLocks: true } });
    assert.deepEqual(rec.options.criu, { fileLocks: true });
    await stopped(host, id);
    const frozen = await readClientCount(host, id, '/count');
    const restored = await restoreContainer(host, id, 'locks');
    assert.deepEqual(restored.criu, { fileLocks: true });
    restoreTimes.push(`  flock holder on ${host.name}: ${restored.wallMs.toFixed(0)} ms, runc.conf ${restored.runcConfMs?.toFixed(1)} ms`);
    await assertUserConfIntact('after the restore');
    await assertContinues(host, id, frozen);
    const probe = await execIn(host, id, ['flock', '-n', '/lockfile', 'true']);
    assert.equal(probe.exitCode, 1, `the restored process still holds the lock: ${probe.stdout}${probe.stderr}`);
  });

  /** A separate Cryo process restoring the container; resolves once its change is in runc.conf. */
  async function restoringProcess(checkpoint: string) {
    const core = join(process.cwd(), 'out', 'src', 'core', 'index.js');
    const script = `const { DockerHost, restoreContainer } = await import(${JSON.stringify(core)}); await restoreContainer(DockerHost.local('host-a', ${JSON.stringify(a.endpoint)}), ${JSON.stringify(id)}, ${JSON.stringify(checkpoint)});`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor('runc.conf changed by the restore', async () => ((await readRuncConf(a))?.includes('file-locks') ? true : undefined), 60_000);
    return { child, exited };
  }

  async function checkpointAndStop(name: string): Promise<void> {
    const rec = await checkpointContainer(host, id, { name, leaveRunning: false, criu: { fileLocks: true } });
    assert.equal(rec.outcome, 'ok');
    await stopped(host, id);
  }

  /** Whatever dockerd did with the restore it was asked for, bring the container back. */
  async function settle(checkpoint: string): Promise<void> {
    await waitFor('restore finished by dockerd', async () => ((await isRunning(host, id)) ? true : undefined), 30_000).catch(() => undefined);
    if (!(await isRunning(host, id))) await restoreContainer(host, id, checkpoint);
  }

  test('Cryo killed (SIGKILL) mid-restore: the process on the host that holds the change puts the user file back at once', async () => {
    await checkpointAndStop('crash1');
    const { child, exited } = await restoringProcess('crash1');
    const t0 = Date.now();
    child.kill('SIGKILL');
    await exited;
    await waitFor("the user's runc.conf back", async () => ((await readRuncConf(a))?.equals(USER_CONF) ? true : undefined), 10_000);
    console.log(`user's runc.conf back ${Date.now() - t0} ms after Cryo was killed`);
    await settle('crash1');
  });

  test('Cryo AND its holder on the host killed mid-restore: the journal makes the next operation put the user file back', async () => {
    await checkpointAndStop('crash2');
    const { child, exited } = await restoringProcess('crash2');
    // As if the host lost the holder too (OOM killer, reboot): SIGKILL Cryo's whole process tree, holder first.
    for (const pid of descendants(child.pid!).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // a short-lived helper (find, cat) that ended meanwhile
      }
    }
    child.kill('SIGKILL');
    await exited;
    assert.match((await readRuncConf(a))!.toString(), /file-locks/, 'nothing was left to put it back: the change is still there');
    await settle('crash2');
    // The next Cryo operation on this host (here a leave-running checkpoint) recovers first.
    await checkpointContainer(host, id, { name: 'after-crash', leaveRunning: true, engine: 'runc', criu: { fileLocks: true } });
    await assertUserConfIntact('after the next operation');
    await goesPast(host, id, '/count', await readClientCount(host, id, '/count'));
  });
});

/** Every descendant of pid, parents before children. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let kids: number[] = [];
    try {
      kids = readdirSync(`/proc/${p}/task`).flatMap((t) => readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      return; // gone meanwhile
    }
    for (const k of kids) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}
