// A person's view of the CRIU options in Checkpoint…, on a real application: a redis whose
// client holds one TCP connection (cryo-apps:latest, /cryo/redis). The options pick lists
// every CRIU option with when it is needed; checkpointing without "Keep established TCP
// connections" is refused with CRIU's decisive line (not the first "Error" of its log) and
// the option offered as the remedy; taking the offer makes the checkpoint, the container
// running on with its client still counting on the same connection.
// Needs the local daemon with CRIU 4.2+ and cryo-apps:latest (scripts/provision/apps.sh).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { docker, openSession, screenshotOnFailure, until } from '../lib/session.mjs';

const IMAGE = 'cryo-apps:latest';
const NAME = `cryo-e2e-criu-redis-${Date.now().toString(36)}-${process.pid}`;
const OPTIONS = ['Keep established TCP connections', 'Keep file locks', 'Allow external unix sockets', 'Shell job (TTY)'];
const TCP = OPTIONS[0];

/** @returns {Promise<string[]>} checkpoint names Docker lists for the container */
async function checkpoints() {
  const out = await docker('checkpoint', 'ls', NAME);
  return out.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
}

/** The redis client's counter (/client.count, written by tmp+rename). */
async function clientCount() {
  return Number((await docker('exec', NAME, 'cat', '/client.count')).trim());
}

describe('Cryo in VS Code: CRIU options on a redis with a connected client', { timeout: 600_000 }, () => {
  /** @type {import('../lib/browser.mjs').Workbench} */
  let wb;
  /** @type {() => Promise<void>} */
  let close = async () => {};

  before(async () => {
    await docker('rm', '-f', NAME).catch(() => {});
    await docker('run', '-d', '--name', NAME, '--network', 'none', IMAGE, '/cryo/redis');
    // The entry script writes /ready once redis answers and its client counts (exec ends before any checkpoint).
    await until(async () => (await docker('exec', NAME, 'cat', '/ready')).includes('redis'), 'redis and its client to be ready', 120_000);
    // The runc engine without asking: the options are the runc engine's.
    ({ wb, close } = await openSession({ settings: { 'cryo.checkpoint.engine': 'runc' } }));
    await wb.openCryoView();
    await wb.setSideBarWidth(600);
  });

  afterEach(screenshotOnFailure(() => wb, 'criu-options'));

  after(async () => {
    await close();
    await docker('rm', '-f', NAME).catch(() => {});
  });

  it('lists the CRIU options with when each is needed; without the TCP one CRIU refuses, Cryo names the decisive reason and the remedy, and the offer checkpoints', async () => {
    await wb.expandTreeItem('local', 120_000);
    await wb.treeItem(NAME).locator('.codicon-vm-running').waitFor({ timeout: 120_000 });
    await wb.contextMenu(NAME, 'Checkpoint…', { timeout: 60_000 });
    if (/Container to checkpoint/.test(await wb.quickInputPrompt())) await wb.answerQuickInput({ pick: NAME });
    await wb.answerQuickInput({ expect: /Checkpoint name/ });
    await wb.page.waitForFunction((w) => /: options/.test(w?.querySelector('.quick-input-title')?.textContent ?? ''), await wb.quickInput.elementHandle(), { timeout: 60_000 });

    const items = await wb.quickPickItems();
    for (const label of OPTIONS) {
      const item = items.find((i) => i.label === label);
      assert.ok(item, `the options list "${label}": ${JSON.stringify(items.map((i) => i.label))}`);
      assert.match(item.detail, /^Needed when /, `"${label}" says when it is needed`);
      assert.equal(item.checked, false, `"${label}" is not preselected (no defaults set, no earlier checkpoint)`);
    }
    assert.match(items.find((i) => i.label === TCP)?.detail ?? '', /redis/, 'the TCP option names servers with clients');
    assert.match(items.find((i) => i.label === TCP)?.description ?? '', /--tcp-established/);
    await wb.screenshot('criu-options-dialog');

    // Leave running, and none of the CRIU options: CRIU meets the client's connection.
    await wb.setQuickPickItemChecked('Leave running', true);
    await wb.quickInput.locator('.quick-input-box input').press('Enter');
    const toast = wb.page.locator('.notifications-toasts .notification-list-item', { hasText: `checkpoint of ${NAME} failed` }).first();
    await toast.waitFor({ timeout: 120_000 });
    const message = (await toast.locator('.notification-list-item-message').textContent()) ?? '';
    console.log(`refusal: ${message}`);
    // The decisive line, not the first "Error" or smaps line of CRIU's log.
    assert.match(message, /CRIU says: .*Connected TCP socket/, message);
    assert.doesNotMatch(message, /Handling VMA|smaps/, 'not a VMA line');
    const offer = toast.getByRole('button', { name: new RegExp(`Checkpoint with ${TCP}`) });
    await offer.waitFor({ timeout: 10_000 });
    await wb.screenshot('criu-options-refused');
    assert.deepEqual(await checkpoints(), [], 'nothing was checkpointed');
    assert.equal(await docker('inspect', '-f', '{{.State.Status}}', NAME), 'running', 'the refused dump left redis running');

    const before = await clientCount();
    await offer.click();
    await wb.waitForNotificationOrError(new RegExp(`checkpoint .* of ${NAME} made`), 120_000);
    const made = await checkpoints();
    assert.equal(made.length, 1, `one checkpoint: ${made.join(', ')}`);
    assert.equal(await docker('inspect', '-f', '{{.State.Status}}', NAME), 'running', 'leave-running');
    // The client is on its one connection still: its counter goes on and it wrote no error.
    await until(async () => (await clientCount()) > before + 5, 'the redis client to count on', 30_000);
    assert.equal((await docker('exec', NAME, 'sh', '-c', 'cat /client.error 2>/dev/null || true')).trim(), '', 'the client lost no connection');
    await wb.screenshot('criu-options-made');
  });
});
