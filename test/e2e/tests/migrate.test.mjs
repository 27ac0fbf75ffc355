// A person's view of migration in a real VS Code: a second Docker host (host B, reached over
// SSH) configured in the `cryo.hosts` setting shows in the tree with its containers, and
// "Cryo: Migrate Container…" from the palette moves a running counter from the local host to
// host B, where it carries on counting from where it was frozen.
// Needs Docker with CRIU, cryo-counter:latest, and host B (scripts/provision/host-b.sh: a
// second daemon on unix:///run/docker-b.sock, sshd on 127.0.0.1:2222).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { docker, dockerAt, openSession, screenshotOnFailure, until } from '../lib/session.mjs';

const IMAGE = 'cryo-counter:latest';
const HOST_B = {
  name: 'host-b',
  endpoint: 'ssh://root@127.0.0.1:2222',
  identityFile: '/var/lib/cryo/host-b/ssh/id_ed25519',
  knownHostsFile: '/var/lib/cryo/host-b/ssh/known_hosts',
};
/** Host B's daemon, for setting up and checking (the extension goes through SSH). */
const dockerB = dockerAt(process.env.CRYO_HOST_B_DOCKER ?? 'unix:///run/docker-b.sock');
const suffix = `${Date.now().toString(36)}-${process.pid}`;
/** Runs on host B from the start: the tree must list it under host-b. */
const ON_B = `cryo-e2e-b-${suffix}`;
/** Starts on the local host and is migrated to host B. */
const NAME = `cryo-e2e-mig-${suffix}`;
/** Has a named volume and a bind mount: the confirmation must name both before anything is frozen. */
const WITH_VOLUME = `cryo-e2e-vol-${suffix}`;
/** The counter counts 5 a second; past this a restart (from 1) cannot pass for a continuation. */
const MIN_COUNT = 40;

/**
 * The source's /count as its filesystem holds it (the container is stopped: docker cp).
 * @returns {Promise<number>}
 */
async function frozenCount() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cryo-e2e-count-'));
  try {
    await docker('cp', `${NAME}:/count`, path.join(dir, 'count'));
    return Number((await fsp.readFile(path.join(dir, 'count'), 'utf8')).trim());
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

describe('Cryo in VS Code: a second host and Migrate Container…', { timeout: 900_000 }, () => {
  /** @type {import('../lib/browser.mjs').Workbench} */
  let wb;
  /** @type {() => Promise<void>} */
  let close = async () => {};

  before(async () => {
    if (!fs.existsSync(HOST_B.identityFile)) throw new Error(`host B is not provisioned (${HOST_B.identityFile} is missing): run scripts/provision/host-b.sh`);
    for (const n of [ON_B, NAME]) await dockerB('rm', '-f', n).catch(() => {});
    await docker('rm', '-f', NAME).catch(() => {});
    await docker('rm', '-f', WITH_VOLUME).catch(() => {});
    await dockerB('run', '-d', '--name', ON_B, '--network', 'none', IMAGE);
    await docker('run', '-d', '--name', NAME, '--network', 'none', IMAGE);
    // cryo.hosts is machine-scoped: it goes in the remote machine settings, before the workbench loads.
    ({ wb, close } = await openSession({ machineSettings: { 'cryo.hosts': [HOST_B] } }));
    await wb.openCryoView();
    await wb.setSideBarWidth(560);
  });

  afterEach(screenshotOnFailure(() => wb, 'migrate'));

  after(async () => {
    await close();
    await docker('rm', '-f', NAME).catch(() => {});
    await docker('rm', '-f', WITH_VOLUME).catch(() => {});
    await docker('volume', 'rm', `${WITH_VOLUME}-data`).catch(() => {});
    for (const n of [ON_B, NAME]) await dockerB('rm', '-f', n).catch(() => {});
  });

  /**
   * Waits until the tree shows `label` under `parent` with the given icon.
   * @param {string} label
   * @param {string} parent
   * @param {string} icon  codicon name, e.g. vm-running
   */
  async function shownUnder(label, parent, icon, timeoutMs = 120_000) {
    /** @type {Awaited<ReturnType<typeof wb.treeRows>>} */
    let rows = [];
    await until(
      async () => {
        rows = await wb.treeRows();
        return rows.some((r) => r.label === label && r.parent === parent && r.icon === icon);
      },
      `the tree to show ${label} (${icon}) under ${parent}`,
      timeoutMs,
    ).catch((e) => {
      throw new Error(`${e.message}; the tree shows: ${rows.map((r) => `${r.parent ?? ''}/${r.label} ${r.icon ?? ''}`).join(', ')}`);
    });
  }

  it('shows host-b from the cryo.hosts setting, with its running container', async () => {
    await wb.expandTreeItem('local', 120_000);
    await wb.expandTreeItem('host-b', 120_000);
    // A reachable host shows its Docker and CRIU versions; an unreachable one its endpoint and why.
    await until(async () => /Docker \d/.test((await wb.treeRows()).find((r) => r.label === 'host-b')?.description ?? ''), 'host-b to answer', 120_000).catch(
      async () => assert.fail(`host-b does not answer; the tree shows: ${JSON.stringify(await wb.treeRows())}`),
    );
    await shownUnder(ON_B, 'host-b', 'vm-running');
    await shownUnder(NAME, 'local', 'vm-running');
    await wb.screenshot('migrate-hosts');
  });

  it('the confirmation names the volume that is copied and the bind mount that cannot travel; Cancel changes nothing', async () => {
    await docker('run', '-d', '--name', WITH_VOLUME, '--network', 'none', '-v', `${WITH_VOLUME}-data:/root`, '-v', '/tmp:/hosttmp', IMAGE);
    await wb.runCommand('Cryo: Migrate Container…');
    await wb.answerQuickInput({ pick: WITH_VOLUME, expect: /Container to migrate/, timeout: 120_000 });
    await until(async () => (await wb.dialog.isVisible()) || /Target host/.test(await wb.quickInputPrompt().catch(() => '')), 'the target pick or the confirmation', 120_000);
    if (!(await wb.dialog.isVisible())) await wb.answerQuickInput({ pick: 'host-b', expect: /Target host/ });
    const confirm = await wb.waitForDialog();
    assert.match(confirm.message, new RegExp(`Volume ${WITH_VOLUME}-data \\(/root\\) is copied`));
    assert.match(confirm.message, /\/hosttmp: bind mount of \/tmp cannot travel/);
    assert.ok(confirm.buttons.includes('Migrate') && confirm.buttons.includes('Migrate Without Volume Contents'), `buttons: ${confirm.buttons.join(', ')}`);
    await wb.screenshot('migrate-confirm-volumes');
    await wb.answerDialog('Cancel');
    // A migration would have frozen it within seconds (preflight takes ~3 s here) and made it on B.
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(await docker('inspect', '-f', '{{.State.Status}}', WITH_VOLUME), 'running', 'nothing was frozen');
    await assert.rejects(dockerB('inspect', WITH_VOLUME), 'nothing was made on host-b');
  });

  it('Migrate Container… moves a running counter to host-b, which continues counting', async () => {
    await until(async () => Number(await docker('exec', NAME, 'cat', '/count')) >= MIN_COUNT, `the counter to reach ${MIN_COUNT}`, 60_000);
    await wb.expandTreeItem('host-b', 120_000);

    await wb.runCommand('Cryo: Migrate Container…');
    await wb.answerQuickInput({ pick: NAME, expect: /Container to migrate/, timeout: 120_000 });
    // A target pick comes only when there is more than one other host (e.g. Docker contexts here).
    await until(async () => (await wb.dialog.isVisible()) || /Target host/.test(await wb.quickInputPrompt().catch(() => '')), 'the target pick or the confirmation', 120_000);
    if (!(await wb.dialog.isVisible())) await wb.answerQuickInput({ pick: 'host-b', expect: /Target host/ });

    const confirm = await wb.waitForDialog();
    assert.match(confirm.message, new RegExp(`Migrate ${NAME} \\(${IMAGE.replace('.', '\\.')}\\) from local to host-b\\?`));
    // This host has no soft-dirty: the dialog says the move is stop-and-copy, and why.
    assert.match(confirm.message, /Memory: stop-and-copy — pre-copy is unavailable on local: .*soft-dirty/);
    assert.ok(confirm.buttons.includes('Migrate'), `buttons: ${confirm.buttons.join(', ')}`);
    await wb.screenshot('migrate-confirm');
    const t0 = Date.now();
    await wb.answerDialog('Migrate');

    const done = await wb.waitForNotificationOrError(new RegExp(`${NAME} now runs on host-b`), 600_000);
    console.log(`migrated in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${done}`);
    assert.match(done, /The source is kept, stopped, on local/);

    // Host B runs it, and it counts on from the value the source was frozen at.
    const frozen = await frozenCount();
    assert.ok(frozen >= MIN_COUNT, `the source was frozen at ${frozen} (>= ${MIN_COUNT})`);
    assert.equal(await dockerB('inspect', '-f', '{{.State.Status}}', NAME), 'running');
    const first = Number(await dockerB('exec', NAME, 'cat', '/count'));
    assert.ok(first >= frozen, `host B's counter ${first} continues from the frozen ${frozen} (a restart starts at 1)`);
    await until(async () => Number(await dockerB('exec', NAME, 'cat', '/count')) > frozen, `host B's counter to pass ${frozen}`, 30_000);
    assert.equal(await docker('inspect', '-f', '{{.State.Status}}', NAME), 'exited', 'the source is kept, stopped');

    // The tree shows it running under host-b (and the stopped source under local).
    await shownUnder(NAME, 'host-b', 'vm-running');
    await shownUnder(NAME, 'local', 'vm-outline');
    await wb.page.mouse.move(1000, 600); // no hover highlight in the screenshot
    await wb.screenshot('migrate-tree');
  });

});
