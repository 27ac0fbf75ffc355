#!/usr/bin/env node
// Runs a test suite INSIDE the real VS Code extension host (code-server 1.100.3), the way
// @vscode/test-web does: the workbench reads extensionDevelopmentPath/extensionTestsPath from
// the URL payload, loads the suite module's run() in the Node extension host, and reports the
// exit code through window.codeAutomationExit. Extension-host console output (the suite's
// reporter) is copied to stdout.
//
// usage: node test/e2e/run-extension-host-tests.mjs [extensionTestsPath]
//          [--dev <extensionDevelopmentPath>] [--workspace <folder>] [--timeout <seconds>]
// defaults: <repo>/dist/test/suite/index.cjs, --dev <repo>, --workspace <repo>, --timeout 600
// exit: the suite's code; 1 on timeout or when the harness itself fails.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openWorkbench } from './lib/browser.mjs';
import { startCodeServer } from './lib/codeServer.mjs';
import { repoRoot } from './lib/paths.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dev: { type: 'string', default: repoRoot },
    workspace: { type: 'string', default: repoRoot },
    timeout: { type: 'string', default: process.env.CRYO_EXT_TESTS_TIMEOUT ?? '600' },
  },
});
const testsPath = path.resolve(positionals[0] ?? path.join(repoRoot, 'dist/test/suite/index.cjs'));
const devPath = path.resolve(values.dev);
const workspace = path.resolve(values.workspace);
const timeoutMs = Number(values.timeout) * 1000;

for (const [what, p] of [['extensionTestsPath', testsPath], ['extensionDevelopmentPath', path.join(devPath, 'package.json')]]) {
  if (!fs.existsSync(p)) {
    console.error(`run-extension-host-tests: ${what} not found: ${p} (run the root package's build first)`);
    process.exit(1);
  }
}

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const server = await startCodeServer({ workspace });
/** @type {import('./lib/browser.mjs').Workbench | undefined} */
let wb;
/** mocha's summary lines, when the suite uses a mocha reporter */
const counts = { passing: -1, failing: 0, pending: 0 };
let code = 1;
try {
  const remote = (/** @type {string} */ p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  /** @type {(code: number) => void} */
  let onExit = () => {};
  const exited = new Promise((resolve) => (onExit = resolve));
  wb = await openWorkbench({
    url: server.url,
    folder: workspace,
    payload: [
      ['extensionDevelopmentPath', remote(devPath)],
      ['extensionTestsPath', remote(testsPath)],
    ],
    expose: { codeAutomationExit: (/** @type {number} */ c) => onExit(c) },
    waitReady: false,
    // The suite's own output comes through the workbench log, not as [Extension Host] lines.
    verbose: true,
    log: (line) => {
      process.stdout.write(line + '\n');
      const m = /^\[vscode\]\s+(\d+) (passing|failing|pending)\b/.exec(line);
      if (m) counts[/** @type {'passing'|'failing'|'pending'} */ (m[2])] = Number(m[1]);
    },
  });
  console.log(`[ext-tests] workbench loaded after ${elapsed()}; running ${path.relative(repoRoot, testsPath) || testsPath}`);
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    console.error(`[ext-tests] no result within ${timeoutMs / 1000} s`);
    await wb.screenshot('extension-host-tests-timeout').catch(() => {});
    code = 1;
  } else {
    code = Number(result) || 0;
  }
} catch (err) {
  console.error('[ext-tests] harness error:', err);
  code = 1;
} finally {
  await wb?.close();
  await server.stop();
}
if (counts.passing >= 0) {
  // A closing line CI log readers understand.
  console.log(`extension-host: ${counts.passing} passed, ${counts.failing} failed${counts.pending ? `, ${counts.pending} skipped` : ''}`);
}
console.log(`[ext-tests] extension host suite exited with code ${code} after ${elapsed()}`);
process.exit(code);
