// A person's view of the pre-dump option in Checkpoint…: on this machine's kernel (no
// soft-dirty tracking) the options pick shows "Pre-dump first" as unavailable with the
// reason, and ticking it anyway brings a modal warning and makes no checkpoint. With
// CRYO_VM=1 and the VM host of scripts/vm/start.sh (stock Debian kernel) the same item is
// offered as available there.
// Needs Docker with CRIU and cryo-counter:latest (scripts/provision/host.sh).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { after, afterEach, before, describe, it } from 'node:test';
import { docker, openSession, screenshotOnFailure } from '../lib/session.mjs';

const execFileP = promisify(execFile);
const IMAGE = 'cryo-counter:latest';
const suffix = `${Date.now().toString(36)}-${process.pid}`;
const NAME = `cryo-e2e-predump-${suffix}`;
const PREDUMP = /^Pre-dump first/;

// The VM host (another engineer's scripts/vm/start.sh): opt-in, as its tests are.
const VM_SSH_CONFIG = process.env.CRYO_VM_SSH_CONFIG ?? '/var/lib/cryo/vm/ssh/config';
const VM_HOST = 'cryo-vm';
const VM_NAME = `cryo-e2e-predump-vm-${suffix}`;
const vmSkip =
  process.env.CRYO_VM !== '1'
    ? 'the VM host is opt-in: run scripts/vm/start.sh, then set CRYO_VM=1'
    : !fs.existsSync(VM_SSH_CONFIG)
      ? `CRYO_VM=1 but ${VM_SSH_CONFIG} is missing: run scripts/vm/start.sh first`
      : false;

/**
 * The VM's docker CLI over ssh (as scripts/vm/docker.sh does); arguments are simple words.
 * @param {...string} args
 */
async function vmDocker(...args) {
  const { stdout } = await execFileP('ssh', ['-F', VM_SSH_CONFIG, VM_HOST, 'docker', ...args], { timeout: 180_000 });
  return stdout.trim();
}

/** @returns {Promise<string[]>} checkpoint names Docker lists for the local container */
async function dockerCheckpoints() {
  const out = await docker('checkpoint', 'ls', NAME);
  return out.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
}

describe('Cryo in VS Code: pre-dump in the Checkpoint… options', { timeout: 900_000 }, () => {
  /** @type {import('../lib/browser.mjs').Workbench} */
  let wb;
  /** @type {() => Promise<void>} */
  let close = async () => {};

  before(async () => {
    await docker('rm', '-f', NAME).catch(() => {});
    await docker('run', '-d', '--name', NAME, '--network', 'none', IMAGE);
    if (!vmSkip) {
      await vmDocker('rm', '-f', VM_NAME).catch(() => {});
      await vmDocker('run', '-d', '--name', VM_NAME, '--network', 'none', IMAGE);
    }
    // The VM host is machine-scoped `cryo.hosts`; without it the shared code-server will do.
    ({ wb, close } = await openSession(
      vmSkip ? {} : { machineSettings: { 'cryo.hosts': [{ name: VM_HOST, endpoint: `ssh://${VM_HOST}`, sshConfigFile: VM_SSH_CONFIG }] } },
    ));
    await wb.openCryoView();
    await wb.setSideBarWidth(560);
  });

  afterEach(screenshotOnFailure(() => wb, 'predump'));

  after(async () => {
    await close();
    await docker('rm', '-f', NAME).catch(() => {});
    if (!vmSkip) await vmDocker('rm', '-f', VM_NAME).catch(() => {});
  });

  /**
   * Right-click → Checkpoint… on a container row and accept the prefilled name. When the tree
   * refreshes (Docker events from other work on this machine) between the right-click and the
   * click, VS Code hands Cryo no tree item and Cryo asks for the container instead: pick it,
   * as a person would.
   * @param {string} container
   */
  async function checkpointFromMenu(container, timeout = 120_000) {
    await wb.contextMenu(container, 'Checkpoint…', { timeout: 60_000 });
    await wb.page.waitForFunction(
      (w) => /Checkpoint name|Container to checkpoint/.test(`${w?.querySelector('.quick-input-title')?.textContent} ${w?.querySelector('.quick-input-box input')?.getAttribute('placeholder')} ${w?.querySelector('.quick-input-message')?.textContent}`),
      await wb.quickInput.elementHandle(),
      { timeout },
    );
    if (/Container to checkpoint/.test(await wb.quickInputPrompt())) {
      console.log(`the tree refreshed under the context menu; Cryo asks for the container: picking ${container}`);
      await wb.answerQuickInput({ pick: container, timeout });
    }
    await wb.answerQuickInput({ expect: /Checkpoint name/, timeout });
    // The options: a multi-select pick titled "Checkpoint <name>: options".
    await wb.page.waitForFunction(
      (w) => /: options/.test(w?.querySelector('.quick-input-title')?.textContent ?? ''),
      await wb.quickInput.elementHandle(),
      { timeout },
    );
  }

  it('shows pre-dump as unavailable locally, warns when it is ticked anyway, and makes no checkpoint', async () => {
    await wb.expandTreeItem('local', 120_000);
    await wb.treeItem(NAME).locator('.codicon-vm-running').waitFor({ timeout: 120_000 });
    await checkpointFromMenu(NAME);
    const items = await wb.quickPickItems();
    const pre = items.find((i) => PREDUMP.test(i.label));
    assert.ok(pre, `the options list pre-dump: ${JSON.stringify(items)}`);
    assert.match(pre.label, /unavailable/i);
    assert.match(pre.description, /cannot be selected/);
    assert.match(pre.detail, /soft-dirty/i, `the reason is shown: ${pre.detail}`);
    assert.equal(pre.checked, false);
    await wb.screenshot('predump-options');

    // Tick it anyway and accept: a modal warning with the reason, then the options again.
    await wb.setQuickPickItemChecked(PREDUMP, true);
    await wb.quickInput.locator('.quick-input-box input').press('Enter');
    const dialog = await wb.waitForDialog();
    assert.match(dialog.message, /Pre-dump is unavailable on local/);
    assert.match(dialog.message, /soft-dirty/i);
    await wb.screenshot('predump-warning');
    await wb.answerDialog('OK');

    await wb.page.waitForFunction(
      (w) => /: options/.test(w?.querySelector('.quick-input-title')?.textContent ?? '') && getComputedStyle(/** @type {Element} */ (w)).display !== 'none',
      await wb.quickInput.elementHandle(),
      { timeout: 30_000 },
    );
    const again = (await wb.quickPickItems()).find((i) => PREDUMP.test(i.label));
    assert.equal(again?.checked, false, 'pre-dump is unticked when the options come back');
    await wb.page.keyboard.press('Escape');
    await wb.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });

    // Nothing happened to the container.
    await wb.page.waitForTimeout(2_000);
    assert.deepEqual(await dockerCheckpoints(), [], `docker checkpoint ls ${NAME} is empty`);
    assert.equal(await docker('inspect', '-f', '{{.State.Status}}', NAME), 'running');
    const made = (await wb.notifications()).filter((m) => /checkpoint .* made/.test(m));
    assert.deepEqual(made, [], 'no checkpoint notification');
  });

  it('offers pre-dump on the VM host (soft-dirty kernel)', { skip: vmSkip }, async () => {
    await wb.expandTreeItem(VM_HOST, 180_000);
    await wb.treeItem(VM_NAME).locator('.codicon-vm-running').waitFor({ timeout: 300_000 });
    // The VM is emulated (TCG) and shared with other tests: its probe can take minutes.
    await checkpointFromMenu(VM_NAME, 300_000);
    const items = await wb.quickPickItems();
    const pre = items.find((i) => PREDUMP.test(i.label));
    assert.ok(pre, `the options list pre-dump: ${JSON.stringify(items)}`);
    assert.equal(pre.label, 'Pre-dump first', 'no "(unavailable)" on the VM');
    assert.match(pre.description, /copy memory while running/);
    assert.equal(pre.detail, '');
    await wb.screenshot('predump-options-vm');
    await wb.page.keyboard.press('Escape');
    await wb.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(await vmDocker('checkpoint', 'ls', VM_NAME).then((o) => o.split('\n').length), 1, 'no checkpoint on the VM');
  });
});
