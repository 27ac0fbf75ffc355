import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost, OPTIONS_FILE, restoreContainer } from '../../src/core/index.js';
import { checkpointProcesses, runDumpTarget, signalCriuOf } from './faultHelpers.js';
import { isRunning, readCount, removeContainer, sleep, tempResultsStore, uniqueName, waitFor } from './helpers.js';

/**
 * The CRIU options a checkpoint needs travel in its folder (cryo-options.json). They are
 * written before the dump, into the folder the dump fills, so a Cryo that dies between the
 * dump and its record still leaves a checkpoint that restores WITH its options; a dump that
 * fails takes the folder, options file and all, away with it.
 */
const host = DockerHost.local();
const CLI = join(process.cwd(), 'out', 'src', 'cli', 'main.js');
const store = tempResultsStore('cryo-it-options-crash-');
after(() => host.dispose());

const folderOf = async (id: string, name: string) => `${(await host.engineContext()).dockerRootDir}/containers/${id}/checkpoints/${name}`;

test('Cryo (the CLI) killed while CRIU dumps: the options file was there first, and the checkpoint restores with its options', async () => {
  const id = await runDumpTarget(host, uniqueName('opts-crash'));
  const criu = signalCriuOf(id, 'stop');
  let cli: ReturnType<typeof execa> | undefined;
  try {
    await waitFor('counter >= 3', async () => ((await readCount(host, id)) >= 3 ? true : undefined));
    cli = execa('node', [CLI, 'checkpoint', id, '--name', 'crashed', '--file-locks', '--engine', 'runc'], { reject: false });
    const pid = await criu.pid; // CRIU held mid-dump
    const dir = await folderOf(id, 'crashed');
    assert.ok(existsSync(join(dir, OPTIONS_FILE)), `${OPTIONS_FILE} is in the folder while CRIU is still dumping`);
    // Cryo dies here: nothing after the dump (size, stats, record) will run.
    cli.kill('SIGKILL');
    await cli;
    process.kill(pid, 'SIGCONT');
    await waitFor('the orphaned dump ends', async () => ((await checkpointProcesses(id)).length === 0 ? true : undefined), 60_000);
    await waitFor('the container stopped by its dump', async () => ((await isRunning(host, id)) ? undefined : true));
    assert.ok((await host.listCheckpoints(id)).some((c) => c.name === 'crashed'), 'Docker lists the checkpoint the dead Cryo left');

    const stoppedValue = await readCount(host, id);
    const restored = await restoreContainer(host, id, 'crashed', {}, store);
    assert.equal(restored.outcome, 'ok');
    assert.deepEqual(restored.criu, { fileLocks: true }, 'the restore took the options from the folder');
    const first = await waitFor('the restored counter writes', async () => {
      const v = await readCount(host, id);
      return v !== stoppedValue ? v : undefined;
    });
    assert.ok(first > stoppedValue, `continued from the dump (${stoppedValue}), not restarted: ${first}`);
    assert.ok(!existsSync('/etc/criu/runc.conf') || !/file-locks/.test(await execa('cat', ['/etc/criu/runc.conf']).then((r) => String(r.stdout))), 'runc.conf put back after the restore');
  } finally {
    criu.cancel();
    cli?.kill('SIGKILL');
    await criu.pid.then((p) => process.kill(p, 'SIGCONT')).catch(() => undefined);
    await removeContainer(host, id);
  }
});

test('a dump with options that fails leaves no folder behind (the options file goes with it); the container runs on', async () => {
  const id = await runDumpTarget(host, uniqueName('opts-fail'));
  const criu = signalCriuOf(id, 'kill');
  try {
    await sleep(600);
    await assert.rejects(checkpointContainer(host, id, { name: 'killed', leaveRunning: true, engine: 'runc', criu: { fileLocks: true } }, store));
    await criu.pid;
    assert.equal(existsSync(await folderOf(id, 'killed')), false, 'no half folder with only an options file');
    assert.deepEqual((await host.listCheckpoints(id)).map((c) => c.name), []);
    await waitFor('the container running again', async () => ((await isRunning(host, id)) ? true : undefined));
    const before = await readCount(host, id);
    await waitFor('the counter moving', async () => ((await readCount(host, id)) > before ? true : undefined));
  } finally {
    criu.cancel();
    await removeContainer(host, id);
  }
});
