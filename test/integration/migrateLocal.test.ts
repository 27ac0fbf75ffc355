import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DockerHost, LocalRunner, migrateContainer, MigrationFailedError, phaseTitle, PreflightError, ResultsStore } from '../../src/core/index.js';
import type { CommandRunner } from '../../src/core/exec/runner.js';
import { connectDocker, parseEndpoint } from '../../src/core/docker/connect.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { isRunning, readCount, readFile, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * Migration between two real daemons on this machine (the default one and daemon B from
 * scripts/provision/host-b.sh), both with real CRIU. The SSH variant is in sshHost tests.
 */
const a = DockerHost.local('local');
const b = new DockerHost('host-b', 'unix:///run/docker-b.sock', connectDocker(parseEndpoint('unix:///run/docker-b.sock')), new LocalRunner());
let storeDir: string;
let store: ResultsStore;
const made: [DockerHost, string][] = [];

// Writes a marker file once, then counts: the marker checks file-system carry-over.
const CMD = ['/bin/sh', '-c', 'echo "marker-$$-$(date +%s)" > /marker.txt; exec /bin/sh /counter.sh'];


async function idOn(host: DockerHost, name: string): Promise<string> {
  return (await host.docker.getContainer(name).inspect()).Id;
}

before(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'cryo-mig-'));
  store = new ResultsStore(join(storeDir, 'results.jsonl'));
  const caps = await b.capabilities();
  assert.ok(caps.docker.ok && caps.engines.runc.ok, `daemon B must be up (scripts/provision/host-b.sh): ${caps.docker.reason}`);
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h, id);
  await rm(storeDir, { recursive: true, force: true });
});

test('A -> B -> A: the counter continues from the frozen value and the files come along', async () => {
  const name = uniqueName('mig');
  const srcId = await runContainer(a, 'cryo-counter:latest', name, CMD);
  made.push([a, srcId]);
  await waitFor('counter >= 10', async () => ((await readCount(a, srcId)) >= 10 ? true : undefined));
  const marker = await readFile(a, srcId, '/marker.txt');

  const phases: string[] = [];
  const titles: string[] = [];
  const rec = await migrateContainer(a, b, name, { onPhase: (p, codec) => (phases.push(p), titles.push(phaseTitle(p, codec))) }, store);
  assert.equal(rec.outcome, 'ok');
  assert.deepEqual(phases, ['preflight', 'image', 'create', 'checkpoint', 'filesystem', 'transfer', 'restore', 'verify']);
  // Both daemons live on this machine, which scripts/provision/host.sh gives zstd.
  assert.equal(rec.codec, 'zstd');
  assert.ok(titles.includes('Checkpoint transfer (zstd)'), titles.join(', '));
  const frozenAt = await readCount(a, srcId);
  assert.equal(await isRunning(a, srcId), false, 'the source is kept, stopped');
  const bId = await idOn(b, name);
  made.push([b, bId]);
  assert.ok(await isRunning(b, bId));
  // Continued from frozenAt, not restarted: a cold start would read 1, 2…
  await assertContinues(b, bId, frozenAt);
  assert.equal(await readFile(b, bId, '/marker.txt'), marker);
  assert.ok(rec.bytes.checkpoint > 0 && rec.bytes.filesystem > 0);
  assert.ok((rec.downtimeMs ?? 0) > 0 && rec.totalMs >= (rec.downtimeMs ?? 0));

  // And back: the name on A is still taken by the stopped source, so use another.
  const backName = `${name}-back`;
  const back = await migrateContainer(b, a, name, { targetName: backName, removeSource: true }, store);
  assert.equal(back.outcome, 'ok');
  assert.equal(back.codec, 'zstd');
  const backId = await idOn(a, backName);
  made.push([a, backId]);
  const v = await readCount(a, backId);
  await waitFor('A counts on', async () => ((await readCount(a, backId)) > v ? true : undefined));
  assert.ok(v >= frozenAt);
  assert.equal(await readFile(a, backId, '/marker.txt'), marker);
  await assert.rejects(b.docker.getContainer(bId).inspect(), 'removeSource removed the container on B');
  const recorded = (await store.readAll()).filter((r) => r.kind === 'migration');
  assert.equal(recorded.length, 2);
});

/** Daemon A again, through a runner on which `zstd` is not found: a host like the VM (gzip only). */
function withoutZstd(runner: CommandRunner): CommandRunner {
  return {
    where: `${runner.where} (no zstd)`,
    run: (argv, o) => (argv[0] === 'sh' && /command -v zstd/.test(argv[2] ?? '') ? Promise.resolve({ stdout: 'no\n', stderr: '', exitCode: 0 }) : runner.run(argv, o)),
    runBinary: (argv, o) => runner.runBinary(argv, o),
    spawnStream: (argv, o) => runner.spawnStream(argv, o),
  };
}

test('gzip fallback: asked for, or auto with a host without zstd; zstd asked for is refused in preflight', async () => {
  const aNoZstd = new DockerHost('local-no-zstd', 'unix:///var/run/docker.sock', connectDocker(parseEndpoint('unix:///var/run/docker.sock')), withoutZstd(new LocalRunner()));
  const name = uniqueName('gz');
  const srcId = await runContainer(a, 'cryo-counter:latest', name, CMD);
  made.push([a, srcId]);
  await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));
  const marker = await readFile(a, srcId, '/marker.txt');

  // Asked for: gzip although both ends have zstd.
  const titles: string[] = [];
  const rec = await migrateContainer(a, b, name, { codec: 'gzip', onPhase: (p, codec) => titles.push(phaseTitle(p, codec)) }, store);
  assert.equal(rec.outcome, 'ok');
  assert.equal(rec.codec, 'gzip');
  assert.ok(titles.includes('Checkpoint transfer (gzip)'), titles.join(', '));
  assert.ok(rec.bytes.checkpoint > 0);
  const frozenAt = await readCount(a, srcId);
  const bId = await idOn(b, name);
  made.push([b, bId]);
  await assertContinues(b, bId, frozenAt);
  assert.equal(await readFile(b, bId, '/marker.txt'), marker);

  // zstd demanded towards a host without it: refused before the freeze, B's container untouched.
  // (B's container keeps the checkpoint it was restored from: nothing may be added to it.)
  const backName = `${name}-back`;
  const checkpointsOnB = await b.checkpointNames(bId);
  await assert.rejects(
    migrateContainer(b, aNoZstd, name, { targetName: backName, codec: 'zstd' }),
    (e: Error) => e instanceof MigrationFailedError && e.phase === 'preflight' && e.sourceState === 'untouched' && /local-no-zstd has no zstd/.test(e.message),
  );
  assert.ok(await isRunning(b, bId));
  assert.deepEqual(await b.checkpointNames(bId), checkpointsOnB);
  await assert.rejects(a.docker.getContainer(backName).inspect(), 'nothing was created on the target');

  // auto towards it: gzip, and the counter goes on from where B froze.
  const back = await migrateContainer(b, aNoZstd, name, { targetName: backName, removeSource: true }, store);
  assert.equal(back.outcome, 'ok');
  assert.equal(back.codec, 'gzip');
  const backId = await idOn(a, backName);
  made.push([a, backId]);
  const v = await readCount(a, backId);
  assert.ok(v > frozenAt, `continued past ${frozenAt} (got ${v})`);
  await waitFor('A counts on', async () => ((await readCount(a, backId)) > v ? true : undefined));
  assert.equal(await readFile(a, backId, '/marker.txt'), marker);
});

test('a preflight refusal (name taken on the target) leaves the source running and touches nothing', async () => {
  const name = uniqueName('pre');
  const srcId = await runContainer(a, 'cryo-counter:latest', name);
  made.push([a, srcId]);
  const blocker = await runContainer(b, 'cryo-counter:latest', name);
  made.push([b, blocker]);
  await assert.rejects(migrateContainer(a, b, name), (e: Error) => e instanceof MigrationFailedError && e.sourceState === 'untouched' && /already exists on host-b/.test(e.message));
  assert.ok(await isRunning(a, srcId));
  assert.deepEqual(await a.checkpointNames(srcId), []);
});

test('a failure after the freeze restores the source, which continues, and cleans the target', async () => {
  const name = uniqueName('rb');
  const srcId = await runContainer(a, 'cryo-counter:latest', name);
  made.push([a, srcId]);
  await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));
  const bRoot = (await b.capabilities()).raw.docker.rootDir ?? '/var/lib/docker-b';
  // Sabotage between transfer and restore: the checkpoint vanishes on the target.
  const sabotage = async (phase: string) => {
    if (phase !== 'restore') return;
    const id = await idOn(b, name);
    await execa('rm', ['-rf', `${bRoot}/containers/${id}/checkpoints`]);
  };
  let frozenAt = 0;
  await assert.rejects(
    migrateContainer(a, b, name, {
      onPhase: (p) => {
        if (p === 'filesystem') void readCount(a, srcId).then((v) => (frozenAt = v));
        if (p === 'restore') return void sabotage(p);
      },
    }),
    (e: Error) => e instanceof MigrationFailedError && e.phase === 'restore' && e.sourceState === 'restored',
  );
  assert.ok(await isRunning(a, srcId), 'the source runs again');
  assert.ok(frozenAt >= 5, `frozen at ${frozenAt}`);
  // The rollback restored it a moment before the rejection: allow those ticks.
  await assertContinues(a, srcId, frozenAt, { slack: 20 });
  await assert.rejects(b.docker.getContainer(name).inspect(), 'no partial container left on B');
});

test('preflight errors list every problem at once', async () => {
  const e = new PreflightError(['one', 'two']);
  assert.match(e.message, /- one\n- two/);
});
