// A person's view of Cryo in a real VS Code: the Hosts tree, Checkpoint… from a container's
// context menu, Restore… from the palette, checked against Docker itself.
// Needs a Docker daemon in experimental mode with CRIU and the cryo-counter:latest image
// (scripts/provision/host.sh).
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docker, openSession } from '../lib/session.mjs';

const NAME = 'cryo-e2e-counter';
const IMAGE = 'cryo-counter:latest';
const MIN_COUNT = 40;

/** @returns {Promise<number>} the counter's current value, from its /count file */
async function count() {
  return Number(await docker('exec', NAME, 'cat', '/count'));
}

/** @returns {Promise<string[]>} checkpoint names Docker lists for the container */
async function dockerCheckpoints() {
  const out = await docker('checkpoint', 'ls', NAME);
  return out.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
}

async function state() {
  return docker('inspect', '-f', '{{.State.Status}}', NAME);
}

/**
 * @param {() => Promise<boolean>} cond
 * @param {string} what
 */
async function until(cond, what, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Presses Enter on any further prompt (e.g. the engine pick, shown only when both engines
 * work) until a notification matches; fails at once on an error notification.
 * @param {import('../lib/browser.mjs').Workbench} wb
 * @param {RegExp} done
 */
async function acceptPromptsUntil(wb, done, timeoutMs = 120_000) {
  const errors = wb.page.locator('.notifications-toasts .notification-list-item:has(.codicon-error) .notification-list-item-message');
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await wb.notifications()).find((m) => done.test(m));
    if (hit) return hit;
    const failed = await errors.allTextContents();
    if (failed.length) throw new Error(`Cryo reported: ${failed.join(' / ')}`);
    if (await wb.quickInput.isVisible()) {
      console.log(`answering with Enter: ${await wb.quickInputPrompt()}`);
      await wb.answerQuickInput();
    }
    if (Date.now() > end) throw new Error(`no notification matching ${done} (showing: ${(await wb.notifications()).join(' / ')})`);
    await wb.page.waitForTimeout(250);
  }
}

describe('Cryo in VS Code: tree, Checkpoint…, Restore…', { timeout: 300_000 }, () => {
  /** @type {import('../lib/browser.mjs').Workbench} */
  let wb;
  /** @type {() => Promise<void>} */
  let close = async () => {};
  /** the checkpoint the context-menu test made, for the restore test */
  let made = /** @type {string | undefined} */ (undefined);
  /** The checkpoint the restore test brought the container back from, if it ran. */
  let restoredFrom = /** @type {string | undefined} */ (undefined);

  before(async () => {
    await docker('rm', '-f', NAME).catch(() => {});
    await docker('run', '-d', '--name', NAME, '--network', 'none', IMAGE);
    ({ wb, close } = await openSession());
    // Let the counter get well past where a restart could be a few seconds later (it counts 5 a second).
    await until(async () => (await count()) >= MIN_COUNT, `the counter to reach ${MIN_COUNT}`);
  });

  after(async () => {
    await close();
    await docker('rm', '-f', NAME).catch(() => {});
  });

  /** Each test opens the view itself, so any one of them can run alone. */
  async function showTree() {
    await wb.openCryoView();
    await wb.setSideBarWidth(560);
    await wb.expandTreeItem('local', 60_000);
  }

  it('shows the local host and the running container', async () => {
    await showTree();
    const row = wb.treeItem(NAME);
    await row.waitFor({ timeout: 60_000 });
    assert.match((await row.locator('.label-description').textContent()) ?? '', /cryo-counter/);
    await row.locator('.codicon-vm-running').waitFor({ timeout: 30_000 });
    await wb.screenshot('tree');
  });

  it('Checkpoint… from the context menu makes a checkpoint shown under the container', async () => {
    await showTree();
    await wb.contextMenu(NAME, 'Checkpoint…', { screenshot: 'tree-context-menu', timeout: 60_000 });
    // (1) the name, prefilled: accept it, but remember it
    await wb.answerQuickInput({ expect: /Checkpoint name/ });
    const name = /** @type {string} */ (
      (await acceptPromptsUntil(wb, new RegExp(`checkpoint \\S+ of ${NAME} made`))).match(/checkpoint (\S+) of/)?.[1]
    );
    assert.ok(name, 'notification names the checkpoint');
    made = name;
    // Docker knows it, and the default options stopped the container.
    assert.ok((await dockerCheckpoints()).includes(name), `docker checkpoint ls ${NAME} lists ${name}`);
    assert.equal(await state(), 'exited');
    // The tree shows the container stopped, with the checkpoint under it.
    await wb.treeItem(NAME).locator('.codicon-vm-outline').waitFor({ timeout: 30_000 });
    await wb.expandTreeItem(NAME, 30_000);
    await wb.treeItem(name).waitFor({ timeout: 30_000 });
    await wb.screenshot('tree-checkpoint');
  });

  it('Restore… from the palette brings the container back where it was', async () => {
    let name = made;
    if (!name) {
      // Run on its own: make the checkpoint with the CLI so this test stands alone.
      name = `e2e-cli-${Date.now()}`;
      await docker('checkpoint', 'create', NAME, name);
    }
    assert.equal(await state(), 'exited');
    // The counter's last line before the checkpoint is the value it must continue from.
    const atCheckpoint = Number((await docker('logs', '--tail', '1', NAME)).split('\n').pop());
    assert.ok(atCheckpoint >= MIN_COUNT, `counter at checkpoint: ${atCheckpoint}`);

    await showTree();
    await wb.runCommand('Cryo: Restore…');
    await wb.answerQuickInput({ pick: name, expect: /Checkpoint to restore/ });
    await acceptPromptsUntil(wb, new RegExp(`${NAME} restored from ${name}`));

    // Read at once: a counter restarted from 1 would need 8 s to get back to MIN_COUNT.
    const first = await count();
    assert.equal(await state(), 'running');
    assert.ok(first >= atCheckpoint, `counter continued from the checkpoint: ${first} >= ${atCheckpoint} (a restart starts at 1)`);
    await until(async () => (await count()) > atCheckpoint, `the counter to pass ${atCheckpoint}`, 5_000);
    await wb.treeItem(NAME).locator('.codicon-vm-running').waitFor({ timeout: 30_000 });
    await wb.screenshot('tree-restored');
    restoredFrom = name;
  });

  it('a damaged checkpoint: Restore… offers the older ones and brings the container back from one', async () => {
    const older = restoredFrom ?? `e2e-older-${Date.now()}`;
    if (!restoredFrom) {
      await docker('checkpoint', 'create', '--leave-running', NAME, older);
    }
    // Docker orders nothing; Cryo orders by folder time (seconds): keep the two apart.
    await new Promise((r) => setTimeout(r, 1100));
    const newer = `e2e-damaged-${Date.now()}`;
    await docker('checkpoint', 'create', NAME, newer);
    assert.equal(await state(), 'exited');
    const id = await docker('inspect', '-f', '{{.Id}}', NAME);
    const dir = `/var/lib/docker/containers/${id}/checkpoints/${newer}`;
    const pages = readdirSync(dir).filter((f) => /^pages-\d+\.img$/.test(f));
    assert.ok(pages.length > 0, `page images in ${dir}`);
    for (const f of pages) rmSync(join(dir, f));

    await showTree();
    await wb.runCommand('Cryo: Restore…');
    await wb.answerQuickInput({ pick: newer, expect: /Checkpoint to restore/ });
    const toast = wb.page.locator('.notifications-toasts .notification-list-item', { hasText: `Restore of ${newer} failed` }).first();
    await toast.waitFor({ timeout: 120_000 });
    await wb.screenshot('restore-offers-older');
    await toast.getByRole('button', { name: /Try Older Checkpoints/ }).click();
    const done = await wb.waitForNotification(new RegExp(`restored from the older checkpoint ${older}`), 120_000);
    assert.match(done, new RegExp(`${newer} could not be restored`));
    assert.equal(await state(), 'running');
    const before = await count();
    await until(async () => (await count()) !== before, 'the restored counter to tick', 10_000);
  });
});
