import assert from 'node:assert/strict';
import { execa } from 'execa';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, type MigrationPhase, type MigrationRecord } from '../../src/core/index.js';
import { assertContinues } from './continuity.js';
import { signalCriuOf } from './faultHelpers.js';
import { isRunning, readCount, removeContainer, runContainer, sleep, tempResultsStore, uniqueName, waitFor } from './helpers.js';
import { ThrowawayDaemon } from './throwawayDaemon.js';
import { ThrowawaySshHost } from './throwawaySshHost.js';

/**
 * The target host's dockerd killed (SIGKILL, with its containerd: a crash) in the middle of a
 * migration A -> T, then started again (issue #9, "host B's daemon stopped mid-migration").
 * T is a remote host of the test's own, reached over real ssh like host B (an sshd on another
 * loopback port whose sessions point at a throwaway dockerd): the shared daemon B is never
 * stopped. After each case: one instance runs (the source restored and counting, or the
 * target), nothing of the migration is left on T once its daemon is back (or the message names
 * exactly what is left and how to remove it), and the messages say what became of each side.
 */
const a = DockerHost.local('local');
let daemon: ThrowawayDaemon;
let ssh: ThrowawaySshHost;
let t: DockerHost;
const made: [() => DockerHost, string][] = [];
const store = tempResultsStore();

before(async () => {
  daemon = await ThrowawayDaemon.create();
  await daemon.start();
  ssh = await ThrowawaySshHost.start(daemon);
  t = ssh.host('host-t');
  assert.ok((await t.capabilities()).engines.runc.ok, 'the throwaway host over ssh must work');
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id).catch(() => undefined);
  await t?.dispose();
  await ssh?.stop();
  await daemon?.destroy();
});

/** Processes of containers run by the throwaway daemon's shims (they outlive a dockerd crash). */
async function counterProcessesOnT(): Promise<number> {
  const rows = String((await execa('ps', ['-eo', 'pid=,ppid=,args='])).stdout)
    .split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => !!m);
  const under = new Set(rows.filter((m) => m[3]!.includes('containerd-shim') && m[3]!.includes(`${daemon.execRoot}/`)).map((m) => Number(m[1])));
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of rows) if (under.has(Number(m[2])) && !under.has(Number(m[1]))) grew = !!under.add(Number(m[1]));
  }
  return rows.filter((m) => under.has(Number(m[1])) && m[3]!.includes('counter')).length;
}

async function running(name: string, h: DockerHost): Promise<number> {
  return (await h.docker.listContainers({ filters: { name: [`^/${name}$`] } })).length;
}

/**
 * How the kill is placed: at the phase's start (checkpoint: the freeze runs on A while T is
 * down; transfer: the checkpoint files still travel over ssh, the restore then finds no daemon),
 * or inside the restore, with CRIU held stopped on T until the daemon is dead.
 */
const CASES: { at: MigrationPhase; insideCriu?: boolean }[] = [{ at: 'checkpoint' }, { at: 'transfer' }, { at: 'restore', insideCriu: true }];

for (const { at, insideCriu } of CASES) {
  test(`T's dockerd killed at ${at}${insideCriu ? ' (inside CRIU restore)' : ''}, then started again: one instance, nothing left on T, messages say what became of each side`, async () => {
    const name = uniqueName(`dkill-${at}`);
    const srcId = await runContainer(a, 'cryo-counter:latest', name);
    made.push([() => a, srcId]);
    await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));

    let killed: Promise<number> | undefined;
    let criu: ReturnType<typeof signalCriuOf> | undefined;
    const kill = async (): Promise<number> => {
      if (insideCriu) {
        const tid = (await t.docker.getContainer(name).inspect()).Id;
        criu = signalCriuOf(tid, 'stop', '', 'restore');
        const pid = await criu.pid;
        await daemon.kill();
        const at = performance.now();
        process.kill(pid, 'SIGCONT'); // a crash does not stop CRIU
        return at;
      }
      await daemon.kill();
      return performance.now();
    };
    const err = await migrateContainer(a, t, name, { precopy: false, onPhase: (p) => void (p === at && (killed = kill())) }, store).then(
      () => undefined,
      (e: unknown) => e,
    );
    const endedAt = performance.now();
    const killAt = await killed;
    assert.ok(killAt !== undefined, 'the daemon was killed');
    // While T's daemon is down: never two running instances (a target restored by an orphaned shim would be one).
    const onTWhileDown = await counterProcessesOnT();
    const onA = await running(name, a);
    console.log(`# while T was down: ${onA} running on A, ${onTWhileDown} counter process(es) under T's shims`);
    assert.ok(onA + onTWhileDown <= 1, `never two instances: ${onA} on A and ${onTWhileDown} on T`);

    const restartMs = await daemon.start();
    const rec = (await store.readAll()).filter((r): r is MigrationRecord => r.kind === 'migration' && r.container === name).pop();
    assert.ok(rec, 'the migration was recorded');
    const left = await waitFor('T answers', () => t.docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } }).catch(() => undefined), 30_000);
    for (const c of left) made.push([() => t, c.Id]);
    const one = (await running(name, a)) + (await running(name, t));

    if (err === undefined) {
      assert.equal(one, 1, 'exactly one instance');
      const tid = left[0]!.Id;
      assert.ok(await isRunning(t, tid), 'the target runs');
      await assertContinues(t, tid, await readCount(t, tid));
      console.log(`figure: T's dockerd killed at ${at}: migration completed anyway; one instance on T; downtime ${Math.round(rec.downtimeMs ?? 0)} ms`);
      return;
    }
    assert.ok(err instanceof MigrationFailedError, String(err));
    console.log(`# ${at}: ${err.message.replace(/\n/g, ' | ')}`);
    assert.equal(err.sourceState, 'restored', err.detail);
    assert.ok(await isRunning(a, srcId), 'the source runs');
    await assertContinues(a, srcId, await readCount(a, srcId));
    assert.match(err.message, /Docker daemon on .* is not reachable|ended unexpectedly|daemon/i, 'the message says the target daemon went away');
    assert.match(err.detail, /source container was restored on local/, 'the message says what became of the source');
    if (left.length) {
      // The daemon was down during the rollback: what stayed must be named with its removal.
      assert.equal(left.length, 1, 'at most the one partial container');
      assert.notEqual(left[0]!.State, 'running', 'the partial target does not run after T came back');
      assert.ok(['left', 'unknown'].includes(err.targetState), `target ${err.targetState} but ${left[0]!.Id.slice(0, 12)} is on T`);
      assert.ok(err.detail.includes(left[0]!.Id.slice(0, 12)) && err.detail.includes(`rm -f ${left[0]!.Id.slice(0, 12)}`), `the message names what is left and how to remove it: ${err.detail}`);
      await t.docker.getContainer(left[0]!.Id).remove({ force: true, v: true });
    } else assert.ok(['removed', 'none'].includes(err.targetState), err.detail);
    assert.equal(await running(name, a) + (await running(name, t)), 1, 'exactly one instance');
    assert.equal(one, 1);
    console.log(
      `figure: T's dockerd killed at ${at}: failed ${Math.round(endedAt - killAt)} ms after the kill (incl. rollback); source ${err.sourceState}, downtime ${Math.round(rec.downtimeMs ?? 0)} ms; target ${err.targetState}${left.length ? ' (named, removed by hand as the message says)' : ''}; T back in ${restartMs} ms`,
    );
    await sleep(200);
  });
}
