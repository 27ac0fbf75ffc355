// Drives the code-server workbench in Debian's chromium through playwright-core, the way a
// person would: activity bar, tree, context menus, the command palette, quick inputs and
// notifications. See shared/notes/vscode-in-ci.md for the flags and DOM facts used here.
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { harnessDir, screenshotDir } from './paths.mjs';

const require = createRequire(path.join(harnessDir, 'package.json'));
/** @type {typeof import('playwright-core')} */
const { chromium } = require('playwright-core');

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Locator} Locator */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */

export const chromiumPath = process.env.CRYO_CHROMIUM ?? '/usr/bin/chromium';
/** Known noise (shared/notes/vscode-in-ci.md): the offline extension gallery. */
const harmless = /ENOTFOUND open-vsx\.org/;

const chromiumArgs = [
  '--no-sandbox', // root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Re-formats a browser console call so it reads like the original console.log in the
 * extension host. The workbench relays extension-host lines as
 * ('%c[Extension Host] %cFORMAT', css, css, ...args) and its own as ('%c INFO', css, FORMAT, ...).
 * @param {unknown[]} args
 * @returns {string}
 */
export function formatConsoleArgs(args) {
  if (typeof args[0] !== 'string' || !args[0].includes('%c')) return util.format(...args);
  const head = args[0];
  const styles = head.split('%c').length - 1;
  const rest = args.slice(1 + styles);
  let text = head.replaceAll('%c', '');
  // The workbench's own lines carry their format string as the next argument.
  if (!/%[sdifjoO]/.test(text) && typeof rest[0] === 'string') text = `${text.trimEnd()} ${rest.shift()}`;
  return util.format(text, ...rest);
}

/**
 * @param {import('playwright-core').ConsoleMessage} msg
 * @returns {Promise<string>}
 */
async function consoleText(msg) {
  const values = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => '[unserialisable]')));
  return values.length ? formatConsoleArgs(values) : msg.text();
}

/**
 * Launches chromium with a fresh profile and opens the workbench.
 * @param {object} opts
 * @param {string} opts.url              code-server base URL
 * @param {string} [opts.folder]         absolute folder to open
 * @param {Array<[string, string]>} [opts.payload]  workbench payload (extensionDevelopmentPath, ...)
 * @param {Record<string, Function>} [opts.expose]  page functions to expose before loading
 * @param {boolean} [opts.waitReady]     wait for the workbench to render (default true)
 * @param {(line: string) => void} [opts.log]      where forwarded console lines go (default stdout)
 * @param {boolean} [opts.verbose]       forward all console lines, not only extension-host ones
 *        (default $CRYO_E2E_VERBOSE)
 * @param {{width: number, height: number}} [opts.viewport]
 * @returns {Promise<Workbench>}
 */
export async function openWorkbench(opts) {
  const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'cryo-chromium-'));
  const env = /** @type {Record<string, string>} */ ({ ...process.env });
  // Keep chromium's config, cache and NSS db out of $HOME.
  Object.assign(env, {
    HOME: profile,
    XDG_CONFIG_HOME: path.join(profile, 'xdg-config'),
    XDG_DATA_HOME: path.join(profile, 'xdg-data'),
    XDG_CACHE_HOME: path.join(profile, 'xdg-cache'),
  });
  const context = await chromium.launchPersistentContext(path.join(profile, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    env,
    viewport: opts.viewport ?? { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const log = opts.log ?? ((/** @type {string} */ line) => process.stdout.write(line + '\n'));
  const verbose = opts.verbose ?? !!process.env.CRYO_E2E_VERBOSE;
  page.on('console', (msg) => {
    void consoleText(msg).then((text) => {
      const level = msg.type() === 'log' ? '' : ` ${msg.type()}`;
      if (text.startsWith('[Extension Host]')) {
        log(`[ext-host${level}] ${text.slice('[Extension Host]'.length).trimStart()}`);
      } else if (verbose && !harmless.test(text)) {
        // In test mode the extension host's stdout (a mocha reporter) arrives as " INFO <line>".
        log(`[vscode${level}] ${text.replace(/^\s*(INFO|WARN|ERR|TRACE|DEBUG) /, '')}`);
      }
    });
  });
  page.on('pageerror', (err) => log(`[browser pageerror] ${err.message}`));
  for (const [name, fn] of Object.entries(opts.expose ?? {})) {
    await page.exposeFunction(name, fn);
  }
  const wb = new Workbench(context, page, profile);
  await page.goto(workbenchUrl(opts.url, opts.folder, opts.payload));
  if (opts.waitReady ?? true) await wb.waitReady();
  return wb;
}

/**
 * @param {string} base
 * @param {string} [folder]
 * @param {Array<[string, string]>} [payload]
 */
export function workbenchUrl(base, folder, payload) {
  const u = new URL(base);
  if (folder) u.searchParams.set('folder', folder);
  if (payload) u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}

/** @param {string} s */
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** @param {string | RegExp} s */
const exactly = (s) => (typeof s === 'string' ? new RegExp(`^\\s*${escapeRe(s)}\\s*$`) : s);

export class Workbench {
  /**
   * @param {BrowserContext} context
   * @param {Page} page
   * @param {string} profileDir
   */
  constructor(context, page, profileDir) {
    this.context = context;
    this.page = page;
    this.profileDir = profileDir;
    this.quickInput = page.locator('.quick-input-widget');
  }

  async waitReady(timeout = 60_000) {
    const p = this.page;
    await p.locator('.monaco-workbench .part.activitybar').waitFor({ timeout });
    await p.locator('.monaco-workbench .part.statusbar').waitFor({ timeout });
    await p.locator('.monaco-workbench .part.editor').waitFor({ timeout });
  }

  /** Opens the Cryo view container from the activity bar and waits for the Hosts view. */
  async openCryoView(timeout = 30_000) {
    const item = this.page.locator('.part.activitybar a.action-label[aria-label^="Cryo"]');
    await item.waitFor({ timeout });
    const selected = await item.locator('xpath=..').getAttribute('aria-selected');
    if (selected !== 'true') await item.click();
    await this.page
      .locator('.part.sidebar .composite.title')
      .filter({ hasText: /cryo/i })
      .waitFor({ timeout });
    return this.page.locator('.part.sidebar');
  }

  /**
   * Drags the side bar's edge so it is `width` px wide (long tree labels stay readable in
   * screenshots).
   * @param {number} width
   */
  async setSideBarWidth(width) {
    const bar = await this.page.locator('.part.sidebar').boundingBox();
    if (!bar) return;
    const y = bar.y + bar.height / 2;
    const edge = bar.x + bar.width;
    await this.page.mouse.move(edge - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(bar.x + width, y, { steps: 5 });
    await this.page.mouse.up();
    // Off the sash, or screenshots show it highlighted.
    await this.page.mouse.move(bar.x + width + 300, bar.y + bar.height - 5);
  }

  /**
   * A row of a tree in the side bar whose label (not description) is `label`.
   * @param {string | RegExp} label
   */
  treeItem(label) {
    return this.page
      .locator('.part.sidebar .monaco-list-row[role="treeitem"]')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) });
  }

  /**
   * The rows of the side bar's tree as shown now, top to bottom: label, description, the
   * label of the row it sits under (parent), its codicon (e.g. "vm-running") and whether it
   * is expanded. Only rendered rows are listed (the tree is virtual; keep it short).
   * @returns {Promise<{label: string, description: string, parent?: string, icon?: string, expanded?: boolean}[]>}
   */
  async treeRows() {
    return this.page.locator('.part.sidebar .monaco-list-row[role="treeitem"]').evaluateAll((els) => {
      /** @type {{label: string, level: number}[]} */
      const stack = [];
      // The list recycles row elements: DOM order is not display order, data-index is.
      const byIndex = (/** @type {Element} */ e) => Number(e.getAttribute('data-index'));
      return els.sort((a, b) => byIndex(a) - byIndex(b)).map((r) => {
        const level = Number(r.getAttribute('aria-level') ?? '1');
        const label = r.querySelector('.label-name')?.textContent?.trim() ?? '';
        while (stack.length && stack[stack.length - 1].level >= level) stack.pop();
        const parent = stack[stack.length - 1]?.label;
        stack.push({ label, level });
        const iconEl = r.querySelector('.custom-view-tree-node-item-icon');
        const icon = [...(iconEl?.classList ?? [])].find((c) => c.startsWith('codicon-'))?.slice('codicon-'.length);
        const expanded = r.getAttribute('aria-expanded');
        return {
          label,
          description: r.querySelector('.label-description')?.textContent?.trim() ?? '',
          ...(parent === undefined ? {} : { parent }),
          ...(icon === undefined ? {} : { icon }),
          ...(expanded === null ? {} : { expanded: expanded === 'true' }),
        };
      });
    });
  }

  /**
   * Waits for a tree row and expands it if it is collapsed.
   * @param {string | RegExp} label
   * @param {number} [timeout]
   */
  async expandTreeItem(label, timeout = 30_000) {
    const row = this.treeItem(label).first();
    await row.waitFor({ timeout });
    if ((await row.getAttribute('aria-expanded')) === 'false') {
      await row.locator('.monaco-tl-twistie').click();
      await this.page.waitForFunction(
        (el) => el?.getAttribute('aria-expanded') === 'true',
        await row.elementHandle(),
        { timeout },
      );
    }
    return row;
  }

  /**
   * Right-clicks a tree item and chooses a context-menu entry.
   * @param {string | RegExp} label       tree item label
   * @param {string | RegExp} entry       menu entry (a string matches the whole entry)
   * @param {{screenshot?: string, timeout?: number}} [opts]  screenshot name taken while the menu is open
   */
  async contextMenu(label, entry, opts = {}) {
    const row = this.treeItem(label).first();
    await row.waitFor({ timeout: opts.timeout ?? 30_000 });
    await row.click({ button: 'right' });
    const item = this.page.getByRole('menuitem', { name: exactly(entry) });
    await item.waitFor({ timeout: 10_000 });
    if (opts.screenshot) await this.screenshot(opts.screenshot);
    await item.click();
    // While the tree re-renders (a refresh after Docker events) a click can be lost and the
    // menu stays open; click once more then.
    if (!(await item.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false))) {
      await item.click();
      await item.waitFor({ state: 'hidden', timeout: 10_000 });
    }
  }

  /**
   * Runs a command from the palette: F1, type its title, Enter on it.
   * @param {string} title  full palette title, e.g. "Cryo: Refresh"
   */
  async runCommand(title, timeout = 15_000) {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.quickInput.locator('.quick-input-box input');
    await input.waitFor({ timeout });
    await input.fill('>' + title);
    // Rows read "Title" or "Title, recently used" / "Title, similar commands".
    const row = this.quickInput
      .locator(`.quick-input-list .monaco-list-row:is([aria-label=${JSON.stringify(title)}], [aria-label^=${JSON.stringify(title + ',')}])`)
      .first();
    await row.waitFor({ timeout });
    if (await row.evaluate((el) => el.classList.contains('focused'))) await input.press('Enter');
    else await row.click();
  }

  /** A snapshot of what the quick input currently asks, to notice when the next prompt comes. */
  async quickInputState() {
    return this.quickInput.evaluate((w) => {
      const q = (/** @type {string} */ s) => /** @type {HTMLElement | null} */ (w.querySelector(s));
      const input = /** @type {HTMLInputElement | null} */ (w.querySelector('.quick-input-box input'));
      const rows = [...w.querySelectorAll('.quick-input-list .monaco-list-row')].map((r) => r.getAttribute('aria-label'));
      return JSON.stringify([
        getComputedStyle(w).display,
        q('.quick-input-title')?.textContent,
        input?.placeholder,
        input?.getAttribute('aria-label'),
        q('.quick-input-message')?.textContent,
        rows.slice(0, 8),
      ]);
    });
  }

  /** The prompt text a person reads: title, placeholder, message. */
  async quickInputPrompt() {
    return this.quickInput.evaluate((w) =>
      [
        w.querySelector('.quick-input-title')?.textContent,
        /** @type {HTMLInputElement | null} */ (w.querySelector('.quick-input-box input'))?.placeholder,
        w.querySelector('.quick-input-message')?.textContent,
      ]
        .filter(Boolean)
        .join(' | '),
    );
  }

  /**
   * Answers the quick input (input box or quick pick) that is showing or about to show.
   * - no option: Enter (accepts the prefilled value or the focused pick)
   * - text: replaces the input's value, then Enter
   * - pick: filters a quick pick by this label and accepts that item
   * Then waits until that prompt is gone or replaced by the next one.
   * @param {{text?: string, pick?: string, expect?: RegExp, timeout?: number}} [opts]
   *        expect: wait until the prompt (title/placeholder/message) matches first
   */
  async answerQuickInput(opts = {}) {
    const timeout = opts.timeout ?? 30_000;
    await this.quickInput.waitFor({ state: 'visible', timeout });
    if (opts.expect) {
      const re = opts.expect;
      await this.page.waitForFunction(
        ([w, src, flags]) => {
          const text = [
            w?.querySelector('.quick-input-title')?.textContent,
            /** @type {HTMLInputElement | null} */ (w?.querySelector('.quick-input-box input'))?.placeholder,
            w?.querySelector('.quick-input-message')?.textContent,
          ].join(' | ');
          return new RegExp(/** @type {string} */ (src), /** @type {string} */ (flags)).test(text);
        },
        [await this.quickInput.elementHandle(), re.source, re.flags],
        { timeout },
      );
    }
    const input = this.quickInput.locator('.quick-input-box input');
    const list = this.quickInput.locator('.quick-input-list');
    if (opts.pick !== undefined) {
      await input.fill(opts.pick);
      await list
        .locator('.monaco-list-row.focused')
        .filter({ has: this.page.locator('.label-name', { hasText: exactly(opts.pick) }) })
        .waitFor({ timeout });
    } else if (opts.text !== undefined) {
      await input.fill(opts.text);
    } else if (await list.isVisible()) {
      // A quick pick whose items are still loading would swallow the Enter.
      await list.locator('.monaco-list-row').first().waitFor({ timeout });
    }
    const before = await this.quickInputState();
    await input.press('Enter');
    // Done when the prompt is gone or replaced; the next prompt may look the same, so give up quietly.
    for (const end = Date.now() + 5_000; Date.now() < end; await this.page.waitForTimeout(50)) {
      if ((await this.quickInputState()) !== before) break;
    }
  }

  /**
   * The rows of the quick pick showing now, as a person reads them. A multi-select pick's
   * rows carry `checked`; `label` is the text without icons ($(name) renders as an icon).
   * `index` is the row's place in the list (its data-index).
   * @returns {Promise<{index: number, label: string, description: string, detail: string, checked?: boolean}[]>}
   */
  async quickPickItems(timeout = 30_000) {
    const rows = this.quickInput.locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor({ timeout });
    return rows.evaluateAll((els) =>
      els.sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index'))).map((r) => {
        // Rows are recycled: a hidden part (e.g. an item without detail) may hold an old text.
        const text = (/** @type {string} */ sel) => {
          const el = r.querySelector(sel);
          return el?.checkVisibility() ? (el.textContent?.trim() ?? '') : '';
        };
        const checked = r.getAttribute('aria-checked');
        return {
          index: Number(r.getAttribute('data-index')),
          label: text('.quick-input-list-row .monaco-icon-name-container .label-name'),
          description: text('.quick-input-list-row .label-description'),
          detail: text('.quick-input-list-label-meta .label-name'),
          ...(checked === null ? {} : { checked: checked === 'true' }),
        };
      }),
    );
  }

  /**
   * Ticks or unticks an item of a multi-select quick pick by clicking it.
   * @param {string | RegExp} label  the item's label (text without icons)
   * @param {boolean} [checked]      the state wanted (default true)
   */
  async setQuickPickItemChecked(label, checked = true, timeout = 30_000) {
    const re = exactly(label);
    const items = await this.quickPickItems(timeout);
    const item = items.find((i) => re.test(i.label));
    if (!item) throw new Error(`no quick pick item ${re}; items: ${items.map((i) => i.label).join(' / ')}`);
    const row = this.quickInput.locator(`.quick-input-list .monaco-list-row[data-index="${item.index}"]`);
    if ((await row.getAttribute('aria-checked')) !== String(checked)) await row.locator('.monaco-checkbox').click();
    await this.page.waitForFunction(
      ([el, want]) => /** @type {Element} */ (el).getAttribute('aria-checked') === want,
      /** @type {const} */ ([await row.elementHandle(), String(checked)]),
      { timeout },
    );
  }

  /** The modal dialog (showInformationMessage/showWarningMessage with modal: true). */
  get dialog() {
    return this.page.locator('.monaco-dialog-box');
  }

  /**
   * Waits for a modal dialog and returns its text (message and detail, as shown).
   * @returns {Promise<{message: string, buttons: string[]}>}
   */
  async waitForDialog(timeout = 60_000) {
    await this.dialog.waitFor({ timeout });
    return this.dialog.evaluate((d) => ({
      message: [...d.querySelectorAll('.dialog-message-text, .dialog-message-detail')]
        .map((e) => /** @type {HTMLElement} */ (e).innerText.trim())
        .filter(Boolean)
        .join('\n'),
      buttons: [...d.querySelectorAll('.dialog-buttons .monaco-button')].map((b) => b.textContent?.trim() ?? ''),
    }));
  }

  /**
   * Clicks a button of the modal dialog and waits until the dialog is gone.
   * @param {string} button  its text, e.g. "Migrate", "OK", "Cancel"
   */
  async answerDialog(button, timeout = 30_000) {
    await this.dialog.locator('.dialog-buttons .monaco-button', { hasText: exactly(button) }).click({ timeout });
    await this.dialog.waitFor({ state: 'hidden', timeout });
  }

  /** Messages of the error notifications showing now. */
  async errorNotifications() {
    return this.page
      .locator('.notifications-toasts .notification-list-item:has(.codicon-error) .notification-list-item-message')
      .allTextContents();
  }

  /**
   * Waits for a notification whose message matches, failing at once with the text of any
   * error notification that shows first.
   * @param {RegExp} done
   * @returns {Promise<string>} the message
   */
  async waitForNotificationOrError(done, timeout = 120_000) {
    const end = Date.now() + timeout;
    for (;;) {
      const hit = (await this.notifications()).find((m) => done.test(m));
      if (hit) return hit;
      const failed = await this.errorNotifications();
      if (failed.length) throw new Error(`Cryo reported: ${failed.join(' / ')}`);
      if (Date.now() > end) throw new Error(`no notification matching ${done} within ${timeout} ms (showing: ${(await this.notifications()).join(' / ')})`);
      await this.page.waitForTimeout(250);
    }
  }

  /**
   * The content frame of the webview editor titled `title` (webviews are two iframes deep:
   * the host iframe, then #active-frame).
   * @param {string} title  the editor tab's title, e.g. "Cryo Charts"
   */
  async webviewFrame(title, timeout = 60_000) {
    await this.page.locator('.tabs-container .tab', { hasText: title }).first().waitFor({ timeout });
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
  }

  /**
   * Waits for a notification toast whose message matches.
   * @param {string | RegExp} text  substring or pattern
   * @returns {Promise<string>} the message
   */
  async waitForNotification(text, timeout = 60_000) {
    const toast = this.page
      .locator('.notifications-toasts .notification-list-item-message')
      .filter({ hasText: text })
      .first();
    await toast.waitFor({ timeout });
    return (await toast.textContent()) ?? '';
  }

  /** Messages of the notification toasts showing now. */
  async notifications() {
    return this.page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
  }

  /**
   * Saves a PNG to artifacts/screenshots/<name>.png (whole page, or one element).
   * @param {string} name
   * @param {Locator} [locator]
   * @returns {Promise<string>} the file written
   */
  async screenshot(name, locator) {
    await fsp.mkdir(screenshotDir, { recursive: true });
    const file = path.join(screenshotDir, name.endsWith('.png') ? name : `${name}.png`);
    await (locator ?? this.page).screenshot({ path: file });
    return file;
  }

  async close() {
    await this.context.close().catch(() => {});
    await fsp.rm(this.profileDir, { recursive: true, force: true }).catch(() => {});
  }
}

