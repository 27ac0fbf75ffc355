import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost, migrateContainer, MigrationFailedError, restoreContainer } from '../../src/core/index.js';
import type { CriuOptions } from '../../src/core/criu/options.js';
import { readRuncConf, runcConfTarget } from '../../src/core/criu/runcConf.js';
import { acquireHostLock } from '../../src/core/host/hostLock.js';
import { assertContinues } from './continuity.js';
import { signalCriuOf } from './faultHelpers.js';
import { hostA, isRunning, readCount, readFile, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';
import { ThrowawayDaemon } from './throwawayDaemon.js';

/**
 * dockerd (and its containerd) SIGKILLed in the middle of a restore, then restarted, on a
 * daemon of this test's own (never A/B/C). CRIU's restore is held stopped the moment it
 * starts so the kill lands inside it, and let go right after the kill: a crash does not stop
 * CRIU. What a user needs afterwards: the container stopped (or running once), its
 * checkpoint intact and restorable, the counter continuing, nothing of the restore left.
 */
let daemon: ThrowawayDaemon;
before(async () => {
  daemon = await ThrowawayDaemon.launch(['cryo-counter:latest']);
});
after(async () => {
  await daemon?.destroy();
});

/** Processes of a restore of that container: runc restore, or a CRIU with that pid. */
async function restoreProcesses(id: string, criuPid: number): Promise<string[]> {
  const ps = (await execa('ps', ['-eo', 'pid=,stat=,args='])).stdout.split('\n');
  return ps.filter((l) => (l.includes('runc') && / restore /.test(l) && l.includes(id)) || l.trim().startsWith(`${criuPid} `));
}

/** The stale checkpoint blobs left in the throwaway daemon's containerd. */
async function ctrdBlobs(): Promise<string[]> {
  const r = await execa('ctr', ['--address', `${daemon.execRoot}/containerd/containerd.sock`, '--namespace', 'moby', 'content', 'ls', '-q'], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * A TCP connection established inside the container (loopback of its own network namespace)
 * that lives on only if CRIU restores it: a busybox nc client writes lines to an nc
 * listener, which appends them to /tcp.log (two lines a second).
 */
// The listener's stdin never ends (busybox nc closes the connection at its stdin's end).
const TCP_CMD = ['/bin/sh', '-c', '(tail -f /dev/null | nc -l -p 9000 > /tcp.log) & sleep 0.3; (while :; do echo x; sleep 0.5; done) | nc 127.0.0.1 9000 & exec /bin/sh /counter.sh'];

async function tcpLines(host: DockerHost, id: string): Promise<number> {
  return (await readFile(host, id, '/tcp.log')).split('\n').filter(Boolean).length;
}

async function crashDuringRestore(label: string, criu: CriuOptions | undefined, cmd?: string[]): Promise<void> {
  const host = DockerHost.local('throwaway', daemon.endpoint);
  const c = await host.docker.createContainer({ Image: 'cryo-counter:latest', name: uniqueName('rkill'), ...(cmd ? { Cmd: cmd } : {}), HostConfig: { NetworkMode: 'none' } });
  const id = c.id;
  try {
    await c.start();
    await waitFor('counter', async () => ((await readCount(host, id)) >= 5 ? true : undefined));
    const cp = await checkpointContainer(host, id, { name: 'cp1', leaveRunning: false, engine: 'runc', ...(criu ? { criu } : {}) });
    assert.equal(cp.outcome, 'ok');
    const frozen = await readCount(host, id);
    const confBefore = await readRuncConf(host);
    const blobsBefore = await ctrdBlobs();

    const stopper = signalCriuOf(id, 'stop', '', 'restore');
    const attempt = restoreContainer(host, id, 'cp1').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const criuPid = await stopper.pid;
    const killedAt = Date.now();
    await daemon.kill();
    process.kill(criuPid, 'SIGCONT');
    const err = await attempt;
    const failedMs = Date.now() - killedAt;
    assert.ok(err instanceof Error, 'the restore failed');
    assert.match(err.message, /went away during the restore/);
    assert.match(err.message, /checkpoint is intact/);
    assert.match(err.message, /restore it again from cp1/);

    // Nothing of the restore goes on, the host's locks are free, runc.conf is the user's.
    await waitFor('the restore processes to end', async () => ((await restoreProcesses(id, criuPid)).length === 0 ? true : undefined), 10_000);
    for (const key of [`container-${id}`, 'containerd-restore-window']) {
      const lock = await acquireHostLock(host, key, { waitMs: 0 });
      await lock.release();
    }
    await waitFor('runc.conf as it was', async () => ((await readRuncConf(host))?.equals(confBefore ?? Buffer.alloc(0)) || (!confBefore && !(await readRuncConf(host))) ? true : undefined), 15_000);
    const journal = await execa('ls', ['-A', runcConfTarget(host).stateDir], { reject: false });
    assert.equal(journal.stdout.split('\n').filter((f) => /journal|original|ours/.test(f)).length, 0, `no runc.conf journal left: ${journal.stdout}`);

    const startMs = await daemon.start();
    const state = (await host.docker.getContainer(id).inspect()).State;
    let secondMs = 0;
    if (state.Running) {
      // Running after all: it must be the restored process, once.
      await assertContinues(host, id, frozen);
    } else {
      const cps = (await execa('docker', ['-H', daemon.endpoint, 'checkpoint', 'ls', id])).stdout;
      assert.match(cps, /\bcp1\b/, 'the checkpoint is still listed');
      const again = await restoreContainer(host, id, 'cp1');
      assert.equal(again.outcome, 'ok');
      secondMs = Math.round(again.wallMs);
      await assertContinues(host, id, frozen);
    }
    if (cmd) {
      // The connection came back with the process: the listener keeps receiving.
      const lines = await tcpLines(host, id);
      await waitFor('lines over the restored TCP connection', async () => ((await tcpLines(host, id)) > lines + 1 ? true : undefined), 15_000);
    }
    const top = (await execa('docker', ['-H', daemon.endpoint, 'top', id, '-eo', 'pid,args'])).stdout;
    assert.equal(top.split('\n').filter((l) => /^\d+\s+\/bin\/sh \/counter\.sh$/.test(l.trim())).length, 1, `one counter process: ${top}`);
    const leftBlobs = (await ctrdBlobs()).filter((b) => !blobsBefore.includes(b));
    assert.deepEqual(leftBlobs, [], 'no checkpoint blob left in containerd');
    console.log(
      `figure: dockerd killed mid-restore (${label}): call failed ${failedMs} ms after the kill; daemon back in ${startMs} ms; Docker then says ${state.Status}; ` +
        `${state.Running ? 'running once' : `second restore ok in ${secondMs} ms`}, counter continues; no runc/CRIU, locks free, runc.conf as before, no blob left`,
    );
  } finally {
    await host.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  }
}

test('dockerd killed mid-restore and restarted: the container is restorable again from its intact checkpoint, nothing left behind', async () => {
  await crashDuringRestore('counter', undefined);
});

test('the same with CRIU options in play (runc.conf changed for the restore): the user\'s runc.conf is back', async () => {
  await crashDuringRestore('counter, --tcp-established via runc.conf', { tcpEstablished: true });
});

test('the same with an established TCP connection inside the container (--tcp-established): it carries on after the second restore', async () => {
  await crashDuringRestore('counter + nc over loopback, --tcp-established', { tcpEstablished: true }, TCP_CMD);
});

test('the TARGET\'s dockerd killed mid-restore during a migration (A -> throwaway), then restarted: the source kept stopped (the target may run), the target found stopped, removed, the source restored: one instance', async () => {
  const a = hostA();
  const target = DockerHost.local('throwaway', daemon.endpoint);
  const name = uniqueName('migkill');
  const srcId = await runContainer(a, 'cryo-counter:latest', name);
  let stopper: ReturnType<typeof signalCriuOf> | undefined;
  let restarted = false;
  try {
    await waitFor('counter', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));
    let killedAt = 0;
    let criuPid = 0;
    let crash: Promise<void> | undefined;
    const onPhase = (p: string): void => {
      // The target container exists from 'create' on: watch for its restore's CRIU, and crash the daemon under it.
      if (p !== 'checkpoint') return;
      crash = (async () => {
        const tid = (await target.docker.getContainer(name).inspect()).Id;
        stopper = signalCriuOf(tid, 'stop', '', 'restore');
        criuPid = await stopper.pid;
        killedAt = Date.now();
        await daemon.kill();
        process.kill(criuPid, 'SIGCONT');
      })();
    };
    const err = await migrateContainer(a, target, name, { onPhase }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await crash;
    const failedMs = Date.now() - killedAt;
    assert.ok(err instanceof MigrationFailedError, `the migration failed: ${String(err)}`);
    console.log(`message (target killed): ${err.message}`);
    assert.equal(err.phase, 'restore');
    assert.match(err.message, /went away during the restore/);
    assert.doesNotMatch(err.message, /restore it again from/, 'no advice that would make a second instance');
    // The target may run (its restore was under way): the source is kept stopped, never two copies.
    assert.equal(err.sourceState, 'stopped');
    assert.equal(await isRunning(a, srcId), false, 'the source is kept stopped while the target is unknown');
    const checkpoint = /restore the source from (cryo-mig-\d+)/.exec(err.message)?.[1];
    assert.ok(checkpoint, `the message names the checkpoint to restore the source from: ${err.message}`);
    const startMs = await daemon.start();
    restarted = true;
    // As the message says: the target does not run there, so remove it and restore the source.
    const t = await target.docker.getContainer(name).inspect().catch(() => undefined);
    assert.ok(!t?.State.Running, `the target does not run after its daemon restarted (${t?.State.Status ?? 'gone'})`);
    if (t) await target.docker.getContainer(t.Id).remove({ force: true });
    const frozen = await readCount(a, srcId);
    const back = await restoreContainer(a, srcId, checkpoint);
    assert.equal(back.outcome, 'ok');
    await assertContinues(a, srcId, frozen);
    console.log(
      `figure: target dockerd killed mid-restore of a migration A -> throwaway: failed ${failedMs} ms after the kill at ${err.phase}; source ${err.sourceState} (kept stopped), target said ${err.targetState}; ` +
        `after its restart (${startMs} ms) the target is ${t?.State.Status ?? 'gone'}; removed, the source restored from ${checkpoint} as the message says (${Math.round(back.wallMs)} ms), counter continues: one instance`,
    );
  } finally {
    stopper?.cancel();
    if (!restarted) await daemon.start().catch(() => undefined);
    await removeContainer(a, srcId);
  }
});

/** The container's counter processes on this machine (by the cgroup that names its id). */
async function counterPids(id: string): Promise<number[]> {
  const r = await execa('bash', ['-c', 'for p in $(pgrep -f "^/bin/sh /counter.sh$"); do grep -q "$1" /proc/$p/cgroup 2>/dev/null && echo $p; done; true', 'bash', id]);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

test('dockerd killed just AFTER CRIU restored the process: it runs on unseen by Docker; Cryo refuses a second restore (never twice) and says how to end it', async () => {
  const host = DockerHost.local('throwaway', daemon.endpoint);
  const c = await host.docker.createContainer({ Image: 'cryo-counter:latest', name: uniqueName('rlate'), HostConfig: { NetworkMode: 'none' } });
  const id = c.id;
  let ghost = 0;
  try {
    await c.start();
    await waitFor('counter', async () => ((await readCount(host, id)) >= 5 ? true : undefined));
    assert.equal((await checkpointContainer(host, id, { name: 'cp1', leaveRunning: false, engine: 'runc' })).outcome, 'ok');
    const frozen = await readCount(host, id);
    // The restored process appears in the container's cgroup: the daemon dies at that moment.
    const watch = execa('bash', ['-c', 'end=$((SECONDS+60)); while [ $SECONDS -lt $end ]; do for p in $(pgrep -f "^/bin/sh /counter.sh$"); do grep -q "$1" /proc/$p/cgroup 2>/dev/null && { echo $p; exit 0; }; done; done; exit 1', 'bash', id], { reject: false });
    const attempt = restoreContainer(host, id, 'cp1').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    ghost = Number((await watch).stdout.trim());
    assert.ok(ghost > 0, 'the restored process appeared');
    await daemon.kill();
    const err = await attempt;
    // The race may let Docker record the start first: then it is simply running, once.
    const startMs = await daemon.start();
    const state = (await host.docker.getContainer(id).inspect()).State;
    const ghostCount = (p: number) => async () => Number((await execa('cat', [`/proc/${p}/root/count`])).stdout.trim());
    if (state.Running) {
      assert.equal(err, undefined, 'Docker recorded the start');
      assert.deepEqual(await counterPids(id), [ghost]);
      console.log('figure: dockerd killed just after CRIU restored: Docker had recorded the start, running once');
      return;
    }
    assert.ok(err instanceof Error && /went away during the restore/.test(err.message), String(err));
    assert.deepEqual(await counterPids(id), [ghost], 'the restored process runs on, once');
    await assertContinues(host, id, frozen, { path: ghostCount(ghost) });
    const refused = await restoreContainer(host, id, 'cp1').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    assert.ok(refused instanceof Error, 'the second restore is refused');
    assert.match(refused.message, /runs outside Docker: runc has it running \(pid \d+\)/);
    assert.match(refused.message, /Restoring now would run it twice/);
    assert.deepEqual(await counterPids(id), [ghost], 'still one process');
    // Ending it as the message says ends it. (A restore in place afterwards still hangs on
    // Docker 20.10 here: measured by hand, not solved; the message says so.)
    const cmd = /or end it: (runc \S+ \S+ kill \w+ KILL)\./.exec(refused.message)?.[1];
    assert.ok(cmd, refused.message);
    await execa('runc', cmd.split(' ').slice(1));
    await waitFor('the unseen process ended', async () => ((await counterPids(id)).length === 0 ? true : undefined), 10_000);
    console.log(
      `figure: dockerd killed just after CRIU restored the process: after the restart (${startMs} ms) Docker says ${state.Status} while it runs on (one process, counter continues); ` +
        'a second restore refused ("runs outside Docker … would run it twice"), still one process; the runc kill it names ends it',
    );
  } finally {
    await host.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    if (ghost) await execa('kill', ['-9', String(ghost)], { reject: false });
  }
});
