import assert from 'node:assert/strict';
import { execa } from 'execa';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, SshRunner, type MigrationPhase, type MigrationRecord } from '../../src/core/index.js';
import { hostB, isRunning, readCount, removeContainer, sleep, tempResultsStore, uniqueName, waitFor, runningCopies } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * The ssh connection to host B cut during each migration phase (issue #9): its ControlMaster
 * process (every session and the Docker transport ride on it) is SIGKILLed when onPhase reports
 * the phase. Afterwards one instance runs: the source (counter continuing, nothing left on B)
 * when the migration failed, or the target when a new connection carried it through.
 */
const a = DockerHost.local('local');
let b: DockerHost;
const made: [() => DockerHost, string][] = [];
const volumes: [() => DockerHost, string][] = [];
const store = tempResultsStore();

before(async () => {
  b = hostB();
  assert.ok((await b.capabilities()).engines.runc.ok, 'host B over ssh must work');
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  for (const [h, v] of volumes) await h().docker.getVolume(v).remove().catch(() => undefined);
  await b.dispose();
});

async function pgrep(pattern: string): Promise<number[]> {
  const r = await execa('pgrep', ['-f', pattern], { reject: false });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/**
 * SIGKILLs this DockerHost's own ssh master (found by its control socket's path); its pids.
 * With `during`, first waits (up to 5 s) for a session of that connection whose command line
 * matches, so that the cut lands while that work is in flight, not before it starts.
 */
async function cutMaster(host: DockerHost, during?: string): Promise<{ pids: number[]; at: number; during: boolean }> {
  const path = (host.runner as SshRunner).connection.controlPath;
  let seen = false;
  for (const end = Date.now() + 5_000; during && !seen && Date.now() < end; ) {
    seen = (await pgrep(`ControlPath=${path}.*${during}`)).length > 0;
  }
  const pids = await pgrep(`^ssh: ${path} \\[mux\\]`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  return { pids, at: performance.now(), during: seen };
}

/** A counter; for the volume phases it has a named volume (a path the image lacks, with a little data). */
async function startSource(name: string, withVolume: boolean): Promise<string> {
  const volume = `${name}-data`;
  if (withVolume) {
    await a.docker.createVolume({ Name: volume });
    volumes.push([() => a, volume], [() => b, volume]);
  }
  const c = await a.docker.createContainer({
    Image: 'cryo-counter:latest', name,
    HostConfig: { NetworkMode: 'none', ...(withVolume ? { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] } : {}) } as never,
  });
  made.push([() => a, c.id]);
  await c.start();
  if (withVolume) await a.docker.getContainer(c.id).exec({ Cmd: ['/bin/sh', '-c', 'head -c 4000000 /dev/urandom >/data/seed'] }).then((e) => e.start({})).then((s) => new Promise((r) => (s.on('end', r), s.resume())));
  await waitFor('counter >= 5', async () => ((await readCount(a, c.id)) >= 5 ? true : undefined));
  return c.id;
}

/**
 * The cases: the phase, and for the phases that are one long ssh session, which session to
 * wait for before cutting (the receiving tar of the checkpoint; the volume copy's tar).
 */
const CASES: { at: MigrationPhase; during?: string; volume?: boolean; insideRestore?: boolean }[] = [
  { at: 'preflight' },
  { at: 'image' },
  { at: 'create' },
  { at: 'volumes', volume: true, during: 'tar' },
  { at: 'checkpoint' },
  { at: 'volume-changes', volume: true, during: 'tar' },
  { at: 'filesystem' },
  { at: 'transfer', during: 'zstd -dc' },
  { at: 'restore' },
  // The request is on its way and B's daemon restores while the answer is cut off: the target may run.
  { at: 'restore', insideRestore: true },
];

/** Waits (up to 10 s) until B runs `runc restore` of the migration's target; whether it was seen. */
async function restoreRunsOnB(name: string): Promise<boolean> {
  const id = (await b.docker.getContainer(name).inspect()).Id;
  for (const end = Date.now() + 10_000; Date.now() < end; ) if ((await pgrep(`runc.* restore .*${id}`)).length) return true;
  return false;
}

for (const { at, during, volume, insideRestore } of CASES) {
  test(`ssh to B cut at ${at}${insideRestore ? ' (inside runc restore)' : ''}: one instance runs; on failure the source again, counter continuing, nothing left on B`, async () => {
    const name = uniqueName(`cut-${at}`);
    const srcId = await startSource(name, volume === true);
    let cut: ReturnType<typeof cutMaster> | undefined;
    const err = await migrateContainer(a, b, name, { precopy: false, onPhase: (p) => void (p === at && (cut = insideRestore ? restoreRunsOnB(name).then(() => cutMaster(b)) : cutMaster(b, during))) }, store).then(
      () => undefined,
      (e: unknown) => e,
    );
    const failedAt = performance.now();
    const onB = await b.docker.getContainer(name).inspect().catch(() => undefined);
    if (onB) made.push([() => b, onB.Id]);
    const c = await cut;
    assert.ok(c && c.pids.length > 0, 'the master connection was found and killed');
    const rec = (await store.readAll()).filter((r): r is MigrationRecord => r.kind === 'migration' && r.container === name).pop();
    assert.ok(rec, 'the migration was recorded');
    const one = await runningCopies(name, a, b);
    if (err === undefined) {
      // The connection came back (a new master) before anything needed the old one: the migration went through.
      assert.ok(onB && (await isRunning(b, onB.Id)), 'the target runs');
      assert.equal(one, 1, 'exactly one instance');
      await assertContinues(b, onB.Id, await readCount(b, onB.Id));
      console.log(`figure: ssh cut at ${at}${c.during ? ' (mid-session)' : ''}${insideRestore ? ' (inside runc restore)' : ''}: reconnected, migration completed, one instance on B; downtime ${Math.round(rec.downtimeMs ?? 0)} ms; phases ${JSON.stringify(Object.fromEntries(Object.entries(rec.phasesMs).map(([k, v]) => [k, Math.round(v)])))}`);
      return;
    }
    assert.ok(err instanceof MigrationFailedError, String(err));
    assert.ok(['restored', 'untouched', 'running'].includes(err.sourceState), `the source runs again: ${err.sourceState}: ${err.detail}`);
    assert.ok(await isRunning(a, srcId), 'the source runs');
    await assertContinues(a, srcId, await readCount(a, srcId));
    assert.equal(onB, undefined, `nothing left on B (target ${err.targetState}: ${err.detail})`);
    assert.ok(err.targetState === 'none' || err.targetState === 'removed', err.detail);
    assert.match(err.message, /ssh|connection/i, 'the message names the lost connection');
    assert.match(err.detail, /source container (was restored|was not touched|is still running)/, 'the message says what became of the source');
    if (volume) assert.equal(await b.docker.getVolume(`${name}-data`).inspect().then(() => 'there', () => 'gone'), 'gone', 'the volume this migration created on B went with the rollback');
    assert.equal(one, 1);
    console.log(
      `figure: ssh cut at ${at}${c.during ? ' (mid-session)' : ''}${insideRestore ? ' (inside runc restore)' : ''}: failed ${Math.round(failedAt - c.at)} ms after the cut (incl. rollback); source ${err.sourceState}, downtime ${Math.round(rec.downtimeMs ?? 0)} ms; target ${err.targetState}${/ \(on try \d+, over a new connection\)/.exec(err.detail)?.[0] ?? ''}; "${err.message.split('\n')[0]!.slice(0, 110)}"`,
    );
  });
}

// Quiet between cases so that the next one does not find the previous one's reconnection under way.
test.afterEach(() => sleep(300));
