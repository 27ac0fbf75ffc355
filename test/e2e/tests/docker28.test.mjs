// A person's view of Docker 28 (host C, moby 50750) in a real VS Code: Checkpoint… that stops a
// counter says, before anything is frozen, that its restore will recreate the container and
// what changes; Restore… then brings it back recreated under its name, counting on, and the
// notice says what changed.
// Needs host C (scripts/provision/host-c.sh: Docker 28.5.2 on unix:///run/docker-c.sock) with
// cryo-counter:latest.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { dockerAt, openSession, screenshotOnFailure, until } from '../lib/session.mjs';

const IMAGE = 'cryo-counter:latest';
const HOST_C = { name: 'host-c', endpoint: 'unix:///run/docker-c.sock' };
const dockerC = dockerAt(HOST_C.endpoint);
const NAME = `cryo-e2e-d28-${Date.now().toString(36)}-${process.pid}`;
/** The counter counts 5 a second; past this a restart (from 1) cannot pass for a continuation. */
const MIN_COUNT = 40;

const count = async () => Number(await dockerC('exec', NAME, 'cat', '/count'));

describe('Cryo in VS Code on Docker 28: restore by recreation, said before and after', { timeout: 600_000 }, () => {
  /** @type {import('../lib/browser.mjs').Workbench} */
  let wb;
  /** @type {() => Promise<void>} */
  let close = async () => {};
  let made = /** @type {string | undefined} */ (undefined);

  before(async () => {
    await dockerC('rm', '-f', NAME).catch(() => {});
    await dockerC('run', '-d', '--name', NAME, '--network', 'none', IMAGE);
    ({ wb, close } = await openSession({ machineSettings: { 'cryo.hosts': [HOST_C] } }));
    await wb.openCryoView();
    await wb.setSideBarWidth(560);
    await until(async () => (await count()) >= MIN_COUNT, `the counter to reach ${MIN_COUNT}`, 60_000);
  });

  afterEach(screenshotOnFailure(() => wb, 'docker28'));

  after(async () => {
    await close();
    // The recreated container and its network holder (labelled by Cryo).
    const holders = (await dockerC('ps', '-aq', '--filter', `label=org.cryo.holder-for=${NAME}`).catch(() => '')).split('\n').filter(Boolean);
    await dockerC('rm', '-f', NAME, ...holders).catch(() => {});
  });

  it('Checkpoint… (stop) confirms "Restore will recreate the container" before freezing', async () => {
    await wb.expandTreeItem('host-c', 120_000);
    await wb.treeItem(NAME).waitFor({ timeout: 120_000 });
    await wb.contextMenu(NAME, 'Checkpoint…', { timeout: 60_000 });
    await wb.answerQuickInput({ expect: /Checkpoint name/ });
    // Options (leave-running unticked by default) and any further pick: Enter, until the dialog.
    await until(
      async () => {
        if (await wb.dialog.isVisible()) return true;
        if (await wb.quickInput.isVisible()) await wb.answerQuickInput();
        return false;
      },
      'the stop confirmation',
      120_000,
    );
    const confirm = await wb.waitForDialog();
    assert.match(confirm.message, new RegExp(`${NAME} on host-c: Restore will recreate the container: `));
    assert.match(confirm.message, /network mode none → container:<holder>/);
    assert.equal(await dockerC('inspect', '-f', '{{.State.Status}}', NAME), 'running', 'nothing frozen before the answer');
    await wb.screenshot('docker28-checkpoint-confirm');
    await wb.answerDialog('Checkpoint and Stop');
    // The engine pick (when both engines work) comes after: Enter, until the notice.
    const madeRe = new RegExp(`checkpoint \\S+ of ${NAME} made`);
    let done = '';
    await until(
      async () => {
        done = (await wb.notifications()).find((m) => madeRe.test(m)) ?? '';
        if (done) return true;
        if (await wb.quickInput.isVisible()) await wb.answerQuickInput();
        return false;
      },
      'the checkpoint notice',
      180_000,
    );
    made = done.match(/checkpoint (\S+) of/)?.[1];
    assert.ok(made, done);
    await until(async () => (await dockerC('inspect', '-f', '{{.State.Status}}', NAME)) === 'exited', 'the container to stop', 30_000);
  });

  it('Restore… recreates it under its name, counting on, and says what changed', async () => {
    assert.ok(made, 'the checkpoint test ran');
    const oldId = await dockerC('inspect', '-f', '{{.Id}}', NAME);
    const atCheckpoint = Number((await dockerC('logs', '--tail', '1', NAME)).split('\n').pop());
    // From the stopped container's row (the palette lists every checkpoint of every host).
    await wb.treeItem(NAME).locator('.codicon-vm-outline').waitFor({ timeout: 60_000 });
    await wb.contextMenu(NAME, 'Restore…', { timeout: 60_000 });
    await wb.answerQuickInput({ pick: made, expect: /to restore/, timeout: 120_000 });
    const done = await wb.waitForNotificationOrError(new RegExp(`${NAME} restored from ${made}`), 300_000);
    assert.match(done, /by recreating it \(Docker here cannot restore it in place\): new container id .*network mode none → container:\S+-cryo-net-/);
    // The tree shows it running under its own name; the temporary name and the holder are not rows.
    await until(async () => {
      const rows = await wb.treeRows();
      return rows.some((r) => r.label === NAME && r.icon === 'vm-running') && !rows.some((r) => /-cryo-(new|net)-/.test(r.label));
    }, 'the tree to show the recreated container', 60_000);
    await wb.screenshot('docker28-restored');
    const first = await count();
    assert.ok(first >= atCheckpoint, `continued: ${first} after ${atCheckpoint} at the checkpoint (a restart starts at 1)`);
    assert.notEqual(await dockerC('inspect', '-f', '{{.Id}}', NAME), oldId, 'a new container under the same name');
    await until(async () => (await count()) > atCheckpoint, `the counter to pass ${atCheckpoint}`, 10_000);
  });
});
