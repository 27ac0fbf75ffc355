import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { checkpointContainer, DockerHost, FrozenLimitError, type CheckpointRecord, type EngineId } from '../../src/core/index.js';
import { checkpointProcesses, freezerPath, freezerState, runDumpTarget, signalCriuOf } from './faultHelpers.js';
import { readCount, removeContainer, runContainer, sleep, uniqueName, waitFor, tempResultsStore } from './helpers.js';

/**
 * The fault suite's CRIU cases, on host A with real CRIU: a CRIU that hangs (SIGSTOP) and
 * one that dies mid-dump (SIGKILL). Each ends with the container counting again, no
 * checkpoint process left, no half checkpoint on disk or in Docker's list, and a record
 * that says what happened. Figures go to stdout (docs/reliability.md quotes them).
 */
const host = DockerHost.local();
const store = tempResultsStore();

before(async () => {
  await host.capabilities();
});

async function counting(id: string): Promise<{ before: number; after: number }> {
  const before = await readCount(host, id);
  const after = await waitFor('the counter to move on', async () => {
    const v = await readCount(host, id);
    return v > before ? v : undefined;
  }, 5_000);
  return { before, after };
}

async function assertNothingLeft(id: string, name: string): Promise<void> {
  assert.deepEqual(await checkpointProcesses(id), [], 'no runc checkpoint or CRIU of the container is left');
  assert.ok(!(await host.checkpointNames(id)).includes(name), 'Docker lists no half checkpoint');
  const ctx = await host.engineContext();
  assert.ok(!existsSync(`${ctx.dockerRootDir}/containers/${id}/checkpoints/${name}`), 'no half checkpoint folder');
}

/** Exited (a zombie whose parent was killed too counts: it holds nothing any more). */
async function gone(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return !/^State:\s+[^Z]/m.test(status);
}

async function lastRecord(): Promise<CheckpointRecord> {
  const all = (await store.readAll()).filter((r): r is CheckpointRecord => r.kind === 'checkpoint');
  return all[all.length - 1]!;
}

for (const engine of ['runc', 'docker'] as EngineId[]) {
  describe(`fault: CRIU stopped mid-dump (${engine} engine)`, () => {
    test('the watchdog ends CRIU past the limit, the container is thawed and counts on', async () => {
      const id = await runDumpTarget(host, uniqueName(`wd-${engine}`));
      const limitMs = 3_000;
      try {
        await waitFor('counter', async () => ((await readCount(host, id)) >= 3 ? true : undefined));
        const pid = (await host.docker.getContainer(id).inspect()).State.Pid;
        const stopper = signalCriuOf(id, 'stop');
        const t0 = Date.now();
        const err = await checkpointContainer(host, id, { name: 'hung', leaveRunning: true, engine, maxFrozenMs: limitMs }, store).then(
          () => assert.fail('the checkpoint should have been stopped by the watchdog'),
          (e: unknown) => e,
        );
        const ended = Date.now();
        const criuPid = await stopper.pid;
        const stoppedAt = await stopper.at;
        assert.ok(err instanceof FrozenLimitError, String(err));
        assert.match(err.message, /frozen past the 3 s limit/);
        assert.match(err.message, /runs again/);
        assert.ok(err.report.killed >= 1, 'CRIU (and runc) were ended');
        assert.ok(err.report.running);
        assert.ok(ended - t0 < limitMs + 20_000, `the call returned ${ended - t0} ms after it started`);
        assert.ok(await gone(criuPid), 'the stopped CRIU is gone');
        assert.equal(await freezerState(pid), 'THAWED');
        const c = await counting(id);
        const rec = await lastRecord();
        assert.equal(rec.outcome, 'failed');
        assert.equal(rec.checkpointName, 'hung');
        assert.ok(rec.watchdog && rec.watchdog.limitMs === limitMs && rec.watchdog.running, JSON.stringify(rec.watchdog));
        await assertNothingLeft(id, 'hung');
        // The stop is counted from when CRIU was stopped: the container cannot be frozen longer.
        console.log(`figure: watchdog ${engine}: limit ${limitMs} ms, CRIU stopped -> call returned ${ended - stoppedAt} ms, rescue (kill+thaw+verify) ${err.report.rescueMs} ms, cgroup thawed by Cryo: ${err.report.thawed}, counter ${c.before} -> ${c.after}`);

        // And the container can still be checkpointed normally afterwards.
        const ok = await checkpointContainer(host, id, { name: 'after-hang', leaveRunning: true, engine }, store);
        assert.equal(ok.outcome, 'ok');
      } finally {
        await removeContainer(host, id);
      }
    });
  });
}

for (const engine of ['runc', 'docker'] as EngineId[]) describe(`fault: CRIU killed mid-dump (${engine} engine)`, () => {
  test('the dump fails, the cgroup CRIU left frozen is thawed, nothing half-made is left', async () => {
    const id = await runDumpTarget(host, uniqueName(`kill-${engine}`));
    try {
      await waitFor('counter', async () => ((await readCount(host, id)) >= 3 ? true : undefined));
      const pid = (await host.docker.getContainer(id).inspect()).State.Pid;
      const killer = signalCriuOf(id, 'kill', await freezerPath(pid));
      const t0 = Date.now();
      const err = await checkpointContainer(host, id, { name: 'killed', leaveRunning: true, engine }, store).then(
        () => assert.fail('the checkpoint should have failed'),
        (e: unknown) => e as Error,
      );
      const ended = Date.now();
      await killer.pid;
      assert.match(err.message, engine === 'runc' ? /runc checkpoint failed/ : /Docker could not checkpoint/);
      // runc leaves the cgroup as CRIU left it, so Cryo must thaw it; containerd resumes the
      // container itself after a failed checkpoint, so with Docker's API there may be nothing to do.
      if (engine === 'runc') assert.match(err.message, /CRIU left the container frozen; Cryo thawed it and it runs again/);
      assert.equal(await freezerState(pid), 'THAWED');
      const c = await counting(id);
      await assertNothingLeft(id, 'killed');
      const rec = await lastRecord();
      assert.equal(rec.outcome, 'failed');
      if (engine === 'runc' || rec.watchdog) assert.ok(rec.watchdog?.thawed && rec.watchdog.running, JSON.stringify(rec.watchdog));
      console.log(`figure: CRIU SIGKILLed mid-dump (${engine}): call failed after ${ended - t0} ms, cgroup left frozen and thawed by Cryo: ${rec.watchdog?.thawed ?? false} (in ${rec.watchdog?.rescueMs ?? 0} ms), counter ${c.before} -> ${c.after}`);
    } finally {
      await removeContainer(host, id);
    }
  });
});

describe('fault: the watchdog leaves a healthy dump alone', () => {
  test('a dump well within the limit succeeds with no rescue', async () => {
    const id = await runContainer(host, 'cryo-counter:latest', uniqueName('wd-ok'));
    try {
      await waitFor('counter', async () => ((await readCount(host, id)) >= 2 ? true : undefined));
      const rec = await checkpointContainer(host, id, { name: 'fine', leaveRunning: true, engine: 'runc', maxFrozenMs: 10_000 }, store);
      assert.equal(rec.outcome, 'ok');
      assert.equal(rec.watchdog, undefined);
      await sleep(300);
      await counting(id);
    } finally {
      await removeContainer(host, id);
    }
  });
});
