import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, SshRunner, type MigrationPhase, ResultsStore, type MigrationRecord } from '../../src/core/index.js';
import { hostB, isRunning, readCount, removeContainer, runContainer, sleep, uniqueName, waitFor, runningCopies } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * Migration faults after the freeze (issue #9), host A -> host B over real SSH: each case ends
 * with the container running exactly once and the error saying what became of both sides.
 */
const a = DockerHost.local('local');
let b: DockerHost;
const made: [() => DockerHost, string][] = [];

before(async () => {
  b = hostB();
  assert.ok((await b.capabilities()).engines.runc.ok, 'host B over ssh must work');
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  await b.dispose();
});

/** The last number the container printed (a counter that keeps it in memory only). */
async function lastLogged(host: DockerHost, id: string): Promise<number> {
  const raw = (await host.docker.getContainer(id).logs({ stdout: true, tail: 3 })) as unknown as Buffer;
  // Multiplexed frames: 8-byte headers, then the text; the numbers are all we need.
  const nums = raw.toString('latin1').match(/\d+/g)?.map(Number).filter((n) => n > 0) ?? [];
  if (!nums.length) throw new Error('nothing logged yet');
  return nums[nums.length - 1]!;
}

test('a container that wrote nothing to its file system migrates (docker diff answers null)', async () => {
  const name = uniqueName('nodiff');
  // Counts in memory and prints; writes no file, so `docker diff` has nothing to say.
  const srcId = await runContainer(a, 'cryo-counter:latest', name, ['/bin/sh', '-c', 'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo $i; sleep 0.2; done']);
  made.push([() => a, srcId]);
  assert.equal(await a.docker.getContainer(srcId).changes().then((c) => String(c).trim()), 'null', 'Docker answers null: no change');
  await waitFor('counted to 5', async () => ((await lastLogged(a, srcId)) >= 5 ? true : undefined));
  const rec = await migrateContainer(a, b, name);
  const bId = (await b.docker.getContainer(name).inspect()).Id;
  made.push([() => b, bId]);
  assert.equal(rec.outcome, 'ok');
  assert.equal(rec.bytes.filesystem, 0);
  const frozen = await lastLogged(a, srcId);
  await assertContinues(b, bId, frozen, { path: lastLogged });
  assert.equal(await runningCopies(name, a, b), 1);
  console.log(`# no file changes: downtime ${rec.downtimeMs?.toFixed(0)} ms`);
});

test('cancel after the freeze: not "nothing was changed"; the source is restored and says so, B is cleaned', async () => {
  const name = uniqueName('cancel');
  const srcId = await runContainer(a, 'cryo-counter:latest', name);
  made.push([() => a, srcId]);
  await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));
  const ac = new AbortController();
  let frozen = 0;
  const dir = await mkdtemp(join(tmpdir(), 'cryo-it-cancel-'));
  const store = new ResultsStore(join(dir, 'results.jsonl'));
  const err = await migrateContainer(a, b, name, {
    signal: ac.signal,
    precopy: false,
    onPhase: (p) => {
      if (p === 'filesystem') ac.abort();
    },
  }, store).then(() => assert.fail('the migration should have been cancelled'), (e: unknown) => e);
  assert.ok(err instanceof MigrationFailedError, String(err));
  assert.notEqual(err.name, 'AbortError', 'an AbortError reads as "nothing was changed"');
  assert.equal(err.sourceState, 'restored');
  assert.equal(err.targetState, 'removed');
  assert.match(err.message, /cancelled/);
  assert.match(err.detail, /restored on local from checkpoint/);
  assert.match(err.detail, /partial container on host-b was removed/);
  // The record tells the same story, with the time the source was really down (not ~0).
  const rec = (await store.readAll()).find((r): r is MigrationRecord => r.kind === 'migration');
  await rm(dir, { recursive: true, force: true });
  assert.ok(rec, 'the migration was recorded');
  assert.equal(rec.outcome, 'cancelled');
  assert.equal(rec.sourceAfterFailure, 'restored');
  assert.equal(rec.targetAfterFailure, 'removed');
  assert.ok((rec.downtimeMs ?? 0) > 100, `downtime ${rec.downtimeMs} ms`);
  console.log(`# cancel after the freeze: source restored, downtime ${rec.downtimeMs?.toFixed(0)} ms, total ${rec.totalMs.toFixed(0)} ms`);
  assert.ok(await isRunning(a, srcId));
  // The restore continued from the dump: read the checkpoint's value from the running source's file.
  frozen = await readCount(a, srcId);
  await assertContinues(a, srcId, frozen);
  await assert.rejects(b.docker.getContainer(name).inspect(), 'nothing left on B');
  assert.equal(await runningCopies(name, a, b), 1);
});

test('a clean-up failure after a verified migration leaves the target running: a warning, not a rollback', async () => {
  const name = uniqueName('cleanup');
  const srcId = await runContainer(a, 'cryo-counter:latest', name);
  made.push([() => a, srcId]);
  await waitFor('counter >= 5', async () => ((await readCount(a, srcId)) >= 5 ? true : undefined));
  const phases: MigrationPhase[] = [];
  // The stopped source vanishes while B restores (seconds), before the clean-up removes it:
  // the clean-up's remove() then fails with "no such container".
  let removed: Promise<unknown> = Promise.resolve();
  const rec = await migrateContainer(a, b, name, {
    removeSource: true,
    onPhase: (p) => {
      phases.push(p);
      if (p === 'restore') removed = a.docker.getContainer(srcId).remove({ force: true }).catch((e: Error) => e);
    },
  });
  assert.ok(!((await removed) instanceof Error), 'the test removed the source during the restore');
  const bId = (await b.docker.getContainer(name).inspect()).Id;
  made.push([() => b, bId]);
  assert.equal(rec.outcome, 'ok');
  assert.ok(phases.includes('cleanup'));
  assert.ok(rec.warnings.some((w) => /could not be removed/.test(w)), rec.warnings.join('\n'));
  console.log(`# clean-up failure: outcome ${rec.outcome}, warning: ${rec.warnings.find((w) => /could not be removed/.test(w))?.slice(0, 90)}`);
  await sleep(1000);
  assert.ok(await isRunning(b, bId), 'the target still runs');
  assert.equal(await runningCopies(name, a, b), 1);
});

test('a source archive stream that breaks mid-copy fails the migration promptly; the source runs again', async () => {
  // B -> A: the archive comes from B through the ssh transport, which is cut mid-stream.
  const name = uniqueName('brk');
  const srcId = await runContainer(b, 'cryo-counter:latest', name, ['/bin/sh', '-c', 'dd if=/dev/urandom of=/big bs=1M count=160 2>/dev/null; exec /bin/sh /counter.sh']);
  made.push([() => b, srcId]);
  await waitFor('counter >= 5', async () => ((await readCount(b, srcId)) >= 5 ? true : undefined), 60_000);
  const controlDir = dirname((b.runner as SshRunner).connection.controlPath);
  let cutAt = 0;
  const migration = migrateContainer(b, a, name, {
    precopy: false,
    onPhase: (p) => {
      if (p !== 'filesystem') return;
      void sleep(400).then(async () => {
        cutAt = Date.now();
        await execa('pkill', ['-KILL', '-f', controlDir], { reject: false });
      });
    },
  });
  const err = await migration.then(() => assert.fail('the migration should have failed'), (e: unknown) => e);
  const failedAfterMs = Date.now() - cutAt;
  assert.ok(err instanceof MigrationFailedError, String(err));
  assert.equal(err.phase, 'filesystem', err.message);
  assert.ok(cutAt > 0 && failedAfterMs < 30_000, `failed ${failedAfterMs} ms after the cut`);
  assert.equal(err.sourceState, 'restored', err.message);
  const leftover = await a.docker.getContainer(name).inspect().catch(() => undefined);
  if (leftover) made.push([() => a, leftover.Id]);
  assert.equal(leftover, undefined, 'the partial container on A was removed');
  assert.ok(await isRunning(b, srcId));
  const v = await readCount(b, srcId);
  await waitFor('B counts on', async () => ((await readCount(b, srcId)) > v ? true : undefined));
  assert.equal(await runningCopies(name, a, b), 1);
  console.log(`# broken archive stream: failed ${failedAfterMs} ms after the cut; ${err.message.split('\n')[0]}`);
});
