#!/usr/bin/env node
// Serves a real VS Code (code-server) with cryo.vsix installed, opening a folder, for a
// person to use; takes a headless-Chromium screenshot of the Cryo view as proof that it
// works. Used by scripts/run-vscode.sh.
//
// usage: node test/e2e/serve.mjs [--port N] [--folder DIR] [--expect NAME] [--check]
//   --check   take the screenshot, then stop and exit (0 only if the Cryo view shows the
//             local host, and the container --expect names when given)
// Without --check it stays in the foreground until Ctrl-C.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openWorkbench, workbenchUrl } from './lib/browser.mjs';
import { startCodeServer } from './lib/codeServer.mjs';
import { defaultVsix, repoRoot, screenshotDir } from './lib/paths.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    folder: { type: 'string', default: repoRoot },
    vsix: { type: 'string', default: process.env.CRYO_VSIX ?? defaultVsix },
    expect: { type: 'string' },
    check: { type: 'boolean', default: false },
  },
});
const folder = path.resolve(values.folder);
const t0 = Date.now();
const server = await startCodeServer({
  vsix: values.vsix,
  workspace: folder,
  port: values.port ? Number(values.port) : undefined,
});
const url = workbenchUrl(server.url, folder);
console.log(`[serve] VS Code ${server.port === Number(values.port) ? '' : '(free port) '}ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${url}`);

/** @returns {Promise<boolean>} whether the Cryo view showed what it should */
async function proof() {
  const wb = await openWorkbench({ url: server.url, folder });
  try {
    await wb.openCryoView(60_000);
    await wb.setSideBarWidth(560);
    await wb.expandTreeItem('local', 60_000);
    if (values.expect) await wb.treeItem(values.expect).waitFor({ timeout: 60_000 });
    // Let icons and descriptions settle after the first listing.
    await wb.page.waitForTimeout(1500);
    const file = await wb.screenshot('main');
    console.log(`[serve] screenshot of the Cryo view: ${path.relative(repoRoot, file)}`);
    return true;
  } catch (e) {
    console.error(`[serve] the Cryo view did not show what it should: ${/** @type {Error} */ (e).message}`);
    await wb.screenshot('main-failed').catch(() => {});
    console.error(`[serve] see ${path.relative(repoRoot, path.join(screenshotDir, 'main-failed.png'))} and ${server.logFile}`);
    return false;
  } finally {
    await wb.close();
  }
}

const ok = await proof();
if (values.check) {
  await server.stop();
  process.exit(ok ? 0 : 1);
}
console.log(`[serve] open ${url} in a browser (Ctrl-C stops)`);
await new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
console.log('[serve] stopping');
await server.stop();
