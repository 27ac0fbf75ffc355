// Periodic checkpoints in a real VS Code (code-server + headless Chromium): "Cryo: Checkpoint
// Periodically…" on a running counter, every 2 s keeping 2, the tree shows it, versions come
// and go in Docker, and "Stop Periodic Checkpoints" ends it with the newest 2 kept.
// Needs the local daemon with CRIU and cryo-counter:latest (scripts/provision/host.sh).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { docker, openSession } from '../lib/session.mjs';

const NAME = 'cryo-e2e-periodic';
const IMAGE = 'cryo-counter:latest';

/** @returns {Promise<string[]>} the periodic versions Docker lists for the container */
async function versions() {
  const out = await docker('checkpoint', 'ls', NAME);
  return out.split('\n').slice(1).map((l) => l.trim()).filter((n) => /^auto-\d{8}-\d{6}-\d+$/.test(n));
}

/**
 * @param {() => Promise<boolean>} cond
 * @param {string} what
 */
async function until(cond, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('Cryo in VS Code: periodic checkpoints', { timeout: 300_000 }, () => {
  /** @type {import('../lib/browser.mjs').Workbench} */
  let wb;
  /** @type {() => Promise<void>} */
  let close = async () => {};

  before(async () => {
    await docker('rm', '-f', NAME).catch(() => {});
    await docker('run', '-d', '--name', NAME, '--network', 'none', IMAGE);
    ({ wb, close } = await openSession());
  });

  after(async () => {
    await close();
    await docker('rm', '-f', NAME).catch(() => {});
  });

  it('every 2 s keeping 2: the row says so, old versions are removed, Stop keeps the newest 2', async () => {
    // A checkpoint of the user's own: the ticker must never remove it.
    await docker('checkpoint', 'create', '--leave-running', NAME, 'mine');
    await wb.openCryoView();
    await wb.setSideBarWidth(700);
    await wb.expandTreeItem('local', 60_000);
    await wb.treeItem(NAME).waitFor({ timeout: 60_000 });

    await wb.runCommand('Cryo: Checkpoint Periodically…');
    await wb.answerQuickInput({ pick: NAME, expect: /Container to checkpoint periodically/, timeout: 60_000 });
    await wb.answerQuickInput({ pick: 'Other…', expect: /How often/ });
    await wb.answerQuickInput({ text: '2s', expect: /Period, with a unit/ });
    await wb.answerQuickInput({ text: '2', expect: /How many versions to keep/ });
    await wb.waitForNotification(new RegExp(`checkpointing ${NAME} every 2 s, keeping the newest 2`), 120_000);

    const row = wb.treeItem(NAME);
    await until(async () => /periodic: every 2 s, keeps 2, [4-9] made/.test((await row.locator('.label-description').textContent()) ?? ''), 'the row to count 4 versions', 120_000);
    await wb.screenshot('periodic-running');
    const live = await versions();
    assert.ok(live.length <= 2, `at most 2 versions kept while running: ${live.join(', ')}`);

    await wb.runCommand('Cryo: Stop Periodic Checkpoints');
    await wb.answerQuickInput({ pick: NAME, expect: /Stop periodic checkpoints of/ });
    await wb.waitForNotification(new RegExp(`periodic checkpoints of ${NAME} stopped; its versions are kept`), 60_000);
    await until(async () => !/periodic:/.test((await row.locator('.label-description').textContent()) ?? ''), 'the row to drop its periodic note', 30_000);

    const kept = await versions();
    assert.equal(kept.length, 2, `the newest 2 versions are kept: ${kept.join(', ')}`);
    const all = (await docker('checkpoint', 'ls', NAME)).split('\n').map((l) => l.trim());
    assert.ok(all.includes('mine'), "the user's own checkpoint is untouched");
    await new Promise((r) => setTimeout(r, 4_000));
    assert.deepEqual(await versions(), kept, 'nothing new after Stop');
  });
});
