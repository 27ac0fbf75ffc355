import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { CheckpointFailedError, checkpointContainer, DockerHost, restoreContainer, UnavailableError } from '../../src/core/index.js';
import { OPTIONS_FILE } from '../../src/core/criu/optionsFile.js';
import { readRuncConf, RUNC_CONF } from '../../src/core/criu/runcConf.js';
import { isRunning, readFile, removeContainer, sleep, uniqueName, waitFor } from './helpers.js';

/**
 * CRIU options on real applications, real daemon, real CRIU (host A, Docker 20.10):
 * - redis (cryo-apps) with its client on ONE loopback TCP connection, started by the
 *   container's own command: the dump is refused without tcpEstablished, naming the option;
 *   with it, checkpoint + restore through Docker, and the client goes on counting on the
 *   same connection with the dataset intact;
 * - a process holding a flock: likewise with fileLocks, and the lock is still held after;
 * - the user's /etc/criu/runc.conf (here: a comment line) is byte-identical after every
 *   restore, and a Cryo killed while it had changed the file is recovered from by the next
 *   operation.
 */
const host = DockerHost.local();
const made: string[] = [];
let userConfBefore: Buffer | undefined;
const USER_CONF = Buffer.from("# the user's own CRIU settings (Cryo's criuOptions test): must survive\n");

before(async () => {
  const report = await host.capabilities();
  assert.ok(report.engines.runc.ok, report.engines.runc.reason);
  // The file is host-wide: remember what was there and give it the user's own content for the test.
  userConfBefore = await readRuncConf(host);
  await execa('mkdir', ['-p', '/etc/criu']);
  await execa('sh', ['-c', 'cat > "$1"', 'sh', RUNC_CONF], { input: USER_CONF });
});

after(async () => {
  for (const id of made) await removeContainer(host, id);
  if (userConfBefore === undefined) await execa('rm', ['-f', RUNC_CONF]);
  else await execa('sh', ['-c', 'cat > "$1"', 'sh', RUNC_CONF], { input: userConfBefore });
});

async function assertUserConfIntact(when: string): Promise<void> {
  assert.deepEqual(await readRuncConf(host), USER_CONF, `the user's runc.conf is byte-identical ${when}`);
}

async function startApp(name: string, cmd: string[]): Promise<string> {
  const c = await host.docker.createContainer({ Image: 'cryo-apps:latest', name, Cmd: cmd, HostConfig: { NetworkMode: 'none' } });
  made.push(c.id);
  await c.start();
  await waitFor(`${name} ready`, async () => ((await readFile(host, c.id, '/ready').catch(() => '')).trim() ? true : undefined), 90_000);
  return c.id;
}

async function readNumber(id: string, path: string): Promise<number> {
  for (let i = 0; ; i++) {
    const t = (await readFile(host, id, path).catch(() => '')).trim();
    if (/^\d+$/.test(t)) return Number(t);
    if (i > 20) throw new Error(`${path} holds no number: '${t}'`);
    await sleep(50);
  }
}

/** Runs a command in the container (a check after the restore: exec'd processes are not dumped). */
async function execIn(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
  const r = await execa('docker', ['exec', id, ...cmd], { reject: false, timeout: 30_000 });
  return { exitCode: r.exitCode ?? -1, output: `${r.stdout}${r.stderr}` };
}

async function goesPast(id: string, path: string, value: number): Promise<number> {
  return waitFor(`${path} past ${value}`, async () => {
    const v = await readNumber(id, path);
    return v > value + 3 ? v : undefined;
  }, 30_000);
}

describe('redis with a connected client (tcpEstablished)', () => {
  let id: string;
  before(async () => {
    id = await startApp(uniqueName('redis-tcp'), ['/cryo/redis']);
    await goesPast(id, '/client.count', 0);
  });

  test('without the option the dump is refused with the decisive error and the remedy; the app keeps running', async () => {
    const err = await checkpointContainer(host, id, { name: 'no-opts', leaveRunning: false, engine: 'runc' }).then(
      () => assert.fail('a connected TCP socket must not dump without tcpEstablished'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CheckpointFailedError, String(err));
    assert.match(err.message, /Connected TCP socket|--tcp-established/, 'CRIU names the option');
    assert.match(err.message, /Keep established TCP connections' \(--tcp-established\)/, 'Cryo says what to do');
    assert.ok(await isRunning(host, id));
    const v = await readNumber(id, '/client.count');
    await goesPast(id, '/client.count', v);
  });

  test('the docker engine is refused before any freeze, offering the runc engine', async () => {
    const before = await readNumber(id, '/client.count');
    await assert.rejects(checkpointContainer(host, id, { name: 'docker-opts', leaveRunning: false, engine: 'docker', criu: { tcpEstablished: true } }), (e: unknown) => {
      assert.ok(e instanceof UnavailableError);
      assert.equal(e.offerEngine, 'runc');
      assert.match(e.message, /docker engine cannot pass CRIU options \(tcp-established\).*runc engine/);
      return true;
    });
    await goesPast(id, '/client.count', before);
  });

  test('with it (and a pre-dump round where the kernel can): checkpoint and stop, restore through Docker; the client goes on on the same connection, the dataset is intact', async () => {
    const preDump = (await host.capabilities()).preDump.ok; // needs soft-dirty tracking (the VM has it, this kernel not)
    const rec = await checkpointContainer(host, id, { name: 'tcp', leaveRunning: false, preDump, criu: { tcpEstablished: true } });
    assert.equal(rec.outcome, 'ok');
    assert.deepEqual(rec.options.criu, { tcpEstablished: true });
    if (preDump) assert.equal(rec.preDumpRounds?.length, 1, 'the pre-dump round took the flag too');
    await waitFor('stopped', async () => ((await isRunning(host, id)) ? undefined : true));
    const root = (await host.capabilities()).raw.docker.rootDir;
    const file = JSON.parse((await execa('cat', [`${root}/containers/${id}/checkpoints/tcp/${OPTIONS_FILE}`])).stdout) as { criu: unknown };
    assert.deepEqual(file.criu, { tcpEstablished: true }, 'the options are kept in the checkpoint folder');
    const frozen = await readNumber(id, '/client.count');

    const restored = await restoreContainer(host, id, 'tcp');
    assert.equal(restored.outcome, 'ok');
    assert.deepEqual(restored.criu, { tcpEstablished: true }, 'the restore used the recorded options by itself');
    console.log(`redis restore ${restored.wallMs.toFixed(0)} ms, of which runc.conf handling ${restored.runcConfMs?.toFixed(1)} ms`);
    await assertUserConfIntact('after the restore');
    const next = await goesPast(id, '/client.count', frozen);
    assert.ok(next > frozen + 3, `client counter ${next} went on past ${frozen}`);
    assert.equal((await readFile(host, id, '/client.error').catch(() => '')).trim(), '', 'the client never lost its connection');
    assert.equal((await execIn(id, ['redis-cli', 'dbsize'])).output.trim(), '10001', '10000 keys and the counter');
    assert.ok(Number((await execIn(id, ['redis-cli', 'get', 'cryo:counter'])).output.trim()) >= next, "the server's counter is the one the client saw");
    assert.equal((await execIn(id, ['redis-cli', 'get', 'key:4321'])).output.trim(), 'value:4321');
  });
});

// Holds a flock on /lockfile (fd 9, taken by flock(1) and kept by bash) and counts.
const LOCK_HOLDER = [
  '/bin/bash',
  '-c',
  'exec 9>/lockfile; flock -n 9 || exit 9; i=0; echo locked > /ready; while :; do i=$((i+1)); echo $i > /count.tmp; mv /count.tmp /count; sleep 0.2; done',
];

describe('a process holding a file lock (fileLocks)', () => {
  let id: string;
  before(async () => {
    id = await startApp(uniqueName('flock'), LOCK_HOLDER);
  });

  test('refused without the option, naming it; restored with it, the counter going on and the lock still held', async () => {
    await assert.rejects(checkpointContainer(host, id, { name: 'no-locks', leaveRunning: false, engine: 'runc' }), (e: unknown) => {
      assert.ok(e instanceof CheckpointFailedError, String(e));
      assert.match(e.message, /file locks|--file-locks/);
      assert.match(e.message, /'Keep file locks' \(--file-locks\)/);
      return true;
    });
    assert.ok(await isRunning(host, id));
    const rec = await checkpointContainer(host, id, { name: 'locks', leaveRunning: false, criu: { fileLocks: true } });
    assert.deepEqual(rec.options.criu, { fileLocks: true });
    await waitFor('stopped', async () => ((await isRunning(host, id)) ? undefined : true));
    const frozen = await readNumber(id, '/count');
    const restored = await restoreContainer(host, id, 'locks');
    assert.deepEqual(restored.criu, { fileLocks: true });
    await assertUserConfIntact('after the restore');
    await goesPast(id, '/count', frozen);
    const probe = await execIn(id, ['flock', '-n', '/lockfile', 'true']);
    assert.equal(probe.exitCode, 1, `the restored process still holds the lock: ${probe.output}`);
  });

  test('Cryo killed while it has runc.conf changed mid-restore: the next operation puts the user file back', async () => {
    const rec = await checkpointContainer(host, id, { name: 'crash', leaveRunning: false, criu: { fileLocks: true } });
    assert.equal(rec.outcome, 'ok');
    await waitFor('stopped', async () => ((await isRunning(host, id)) ? undefined : true));
    // A separate Cryo process restores; it is killed as soon as the change is in the file.
    const core = join(process.cwd(), 'out', 'src', 'core', 'index.js');
    const script = `const { DockerHost, restoreContainer } = await import(${JSON.stringify(core)}); await restoreContainer(DockerHost.local(), ${JSON.stringify(id)}, 'crash');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor('runc.conf changed by the restore', async () => ((await readRuncConf(host))?.includes('file-locks') ? true : undefined), 60_000);
    child.kill('SIGKILL');
    await exited;
    assert.match((await readRuncConf(host))!.toString(), /file-locks/, 'the crash left the change in place');
    // Whatever Docker did with the restore it was asked for, the container comes back or not;
    // the next Cryo operation on this host must put the user's file back first.
    await waitFor('restore finished by dockerd', async () => ((await isRunning(host, id)) ? true : undefined), 60_000).catch(() => undefined);
    if (!(await isRunning(host, id))) await restoreContainer(host, id, 'crash');
    await checkpointContainer(host, id, { name: 'after-crash', leaveRunning: true, engine: 'runc', criu: { fileLocks: true } });
    await assertUserConfIntact('after the next operation');
    const v = await readNumber(id, '/count');
    await goesPast(id, '/count', v);
  });
});
