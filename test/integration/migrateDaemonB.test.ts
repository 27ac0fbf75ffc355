import assert from 'node:assert/strict';
import { execa } from 'execa';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, restoreContainer, type MigrationPhase, type MigrationRecord } from '../../src/core/index.js';
import { assertContinues } from './continuity.js';
import { signalCriuOf } from './faultHelpers.js';
import { isRunning, readCount, removeContainer, runContainer, sleep, tempResultsStore, uniqueName, waitFor, runningCopies } from './helpers.js';
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
  const runc = (await t.capabilities()).engines.runc;
  assert.ok(runc.ok, `the throwaway host over ssh must work: ${runc.reason}`);
});

after(async () => {
  // A failed case may leave T's ssh down or its daemon dead: bring both back, or at least destroy
  // the daemon (its shims and containers with it) whatever else fails.
  try {
    await ssh?.up().catch(() => undefined);
    const answers = daemon && (await execa('docker', ['-H', daemon.endpoint, 'version'], { reject: false })).exitCode === 0;
    if (daemon && !answers) await daemon.start(20_000).catch(() => undefined);
    for (const [h, id] of made) await withTimeout(removeContainer(h(), id).catch(() => undefined), 30_000);
    await withTimeout(t?.dispose(), 10_000);
  } finally {
    await ssh?.stop();
    await daemon?.destroy();
  }
});

function withTimeout(p: Promise<unknown> | undefined, ms: number): Promise<unknown> {
  return Promise.race([p, sleep(ms)]);
}

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

/** Waits (up to 10 s) until T runs `runc restore` of the container. */
async function restoreRunsOnT(id: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end; ) {
    if ((await execa('pgrep', ['-f', `runc.* restore .*${id}`], { reject: false })).stdout.trim()) return;
  }
  throw new Error('no runc restore of the target appeared on T');
}

/**
 * The faults: T's dockerd killed at a phase's start (checkpoint: the freeze runs on A while T is
 * down; transfer: the checkpoint files still travel over ssh, the restore then finds no daemon)
 * or inside the restore, with CRIU held stopped on T until the daemon is dead; or T's ssh gone
 * for good (sshd and its connections killed) while T's daemon restores, and on with it.
 */
type Fault = { what: 'daemon killed' | 'ssh lost'; at: MigrationPhase; inside?: boolean };
const CASES: Fault[] = [
  { what: 'daemon killed', at: 'checkpoint' },
  { what: 'daemon killed', at: 'transfer' },
  { what: 'daemon killed', at: 'restore', inside: true },
  { what: 'ssh lost', at: 'restore', inside: true },
];

for (const f of CASES) {
  const label = `T's ${f.what} at ${f.at}${f.inside ? (f.what === 'ssh lost' ? ' (inside runc restore)' : ' (inside CRIU restore)') : ''}`;
  test(`${label}, then back: one instance, nothing half left on T, messages say what became of each side`, async () => {
    const name = uniqueName(`tfault-${f.at}`);
    const srcId = await runContainer(a, 'cryo-counter:latest', name);
    made.push([() => a, srcId]);
    await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));

    let faulted: Promise<number> | undefined;
    const fault = async (): Promise<number> => {
      if (f.what === 'ssh lost') {
        await restoreRunsOnT((await t.docker.getContainer(name).inspect()).Id);
        await ssh.down();
        return performance.now();
      }
      if (f.inside) {
        const criu = signalCriuOf((await t.docker.getContainer(name).inspect()).Id, 'stop', '', 'restore');
        const pid = await criu.pid;
        await daemon.kill();
        const at = performance.now();
        process.kill(pid, 'SIGCONT'); // a crash does not stop CRIU
        return at;
      }
      await daemon.kill();
      return performance.now();
    };
    const err = await migrateContainer(a, t, name, { precopy: false, onPhase: (p) => void (p === f.at && (faulted = fault())) }, store).then(
      () => undefined,
      (e: unknown) => e,
    );
    const endedAt = performance.now();
    const faultAt = await faulted;
    assert.ok(faultAt !== undefined, 'the fault was injected');
    // While T is out of reach: never two running instances (a target restored on T would be one).
    await sleep(1_000);
    const onTWhileDown = await counterProcessesOnT();
    const onA = await runningCopies(name, a);
    console.log(`# ${label}: while T was out of reach: ${onA} running on A, ${onTWhileDown} counter process(es) under T's shims`);
    assert.ok(onA + onTWhileDown <= 1, `never two instances: ${onA} on A and ${onTWhileDown} on T`);

    const backMs = f.what === 'ssh lost' ? await timed(() => ssh.up()) : await daemon.start();
    const rec = (await store.readAll()).filter((r): r is MigrationRecord => r.kind === 'migration' && r.container === name).pop();
    assert.ok(rec, 'the migration was recorded');
    const left = await waitFor('T answers', () => t.docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } }).catch(() => undefined), 30_000);
    for (const c of left) made.push([() => t, c.Id]);

    if (err === undefined) {
      assert.equal(await runningCopies(name, a, t), 1, 'exactly one instance');
      const tid = left[0]!.Id;
      assert.ok(await isRunning(t, tid), 'the target runs');
      await assertContinues(t, tid, await readCount(t, tid));
      console.log(`figure: ${label}: migration completed anyway; one instance on T; downtime ${Math.round(rec.downtimeMs ?? 0)} ms`);
      return;
    }
    assert.ok(err instanceof MigrationFailedError, String(err));
    console.log(`# ${label}: ${err.message.replace(/\n/g, ' | ')}`);
    assert.match(err.message, /not reachable|ended unexpectedly|went away|ssh/i, 'the message says T went away');
    const there = left[0];
    if (there) {
      assert.equal(left.length, 1, 'at most the one container of the migration');
      assert.ok(['left', 'unknown'].includes(err.targetState), `target ${err.targetState} but ${there.Id.slice(0, 12)} is on T`);
      assert.ok(err.detail.includes(`rm -f ${there.Id.slice(0, 12)}`), `the message names what is on T and how to remove it: ${err.detail}`);
    } else assert.ok(['removed', 'none'].includes(err.targetState), err.detail);

    let outcome: string;
    if (err.sourceState === 'stopped') {
      // The target may have run when T went out of reach: the source was kept stopped. Do what the message says.
      assert.match(err.detail, /KEPT STOPPED on local with its checkpoint (cryo-mig-\w+)/, err.detail);
      const checkpoint = /with its checkpoint (cryo-mig-\w+)/.exec(err.detail)![1]!;
      assert.equal(await runningCopies(name, a), 0, 'the source did not run while the target might');
      if (there?.State === 'running') {
        await assertContinues(t, there.Id, await readCount(t, there.Id));
        await removeContainer(a, srcId);
        outcome = 'target ran on T: migration went through (source removed as the message says)';
      } else {
        if (there) await t.docker.getContainer(there.Id).remove({ force: true, v: true });
        const frozen = await readCount(a, srcId);
        await restoreContainer(a, srcId, checkpoint);
        await assertContinues(a, srcId, frozen);
        outcome = 'target not running after T came back: removed, source restored as the message says';
      }
    } else {
      assert.equal(err.sourceState, 'restored', err.detail);
      assert.match(err.detail, /source container was restored on local/, 'the message says what became of the source');
      assert.ok(await isRunning(a, srcId), 'the source runs');
      await assertContinues(a, srcId, await readCount(a, srcId));
      if (there) {
        assert.notEqual(there.State, 'running', 'a partial target that never started does not run after T came back');
        await t.docker.getContainer(there.Id).remove({ force: true, v: true });
      }
      outcome = there ? 'partial target named, removed as the message says' : 'nothing on T';
    }
    const one = await runningCopies(name, a, t);
    assert.equal(one, 1, 'exactly one instance');
    console.log(
      `figure: ${label}: failed ${Math.round(endedAt - faultAt)} ms after the fault (incl. rollback); source ${err.sourceState}, downtime ${Math.round(rec.downtimeMs ?? 0)} ms; target ${err.targetState}; ${outcome}; T back in ${backMs} ms; phases ${JSON.stringify(Object.fromEntries(Object.entries(rec.phasesMs).map(([k, v]) => [k, Math.round(v)])))}`,
    );
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = Date.now();
  await fn();
  return Date.now() - t0;
}
