#!/usr/bin/env node
// The e2e entry: starts code-server with the packaged extension (cryo.vsix) installed, runs
// the Playwright UI tests in test/e2e/tests/*.test.mjs with node's test runner, stops
// code-server. Builds nothing: run the root package's `npm run build` and
// `npm run package` first (scripts/run-vscode.sh does both).
//
// usage: node test/e2e/run.mjs [test-file-or-name-substring ...]
// env:   CRYO_VSIX (default <repo>/cryo.vsix), CRYO_E2E_VERBOSE=1 (all browser/server output)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCodeServer } from './lib/codeServer.mjs';
import { defaultVsix, repoRoot } from './lib/paths.mjs';

const testsDir = path.join(repoRoot, 'test/e2e/tests');
const vsix = path.resolve(process.env.CRYO_VSIX ?? defaultVsix);
for (const need of [vsix, path.join(repoRoot, 'dist/extension.cjs')]) {
  if (!fs.existsSync(need)) {
    console.error(`e2e: ${path.relative(repoRoot, need)} is missing; build first: npm run build && npm run package`);
    process.exit(1);
  }
}

const filters = process.argv.slice(2);
const files = fs
  .readdirSync(testsDir)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(path.basename(x))))
  .sort()
  .map((f) => path.join(testsDir, f));
if (files.length === 0) {
  console.error(`e2e: no test files matched in ${testsDir}`);
  process.exit(1);
}

const t0 = Date.now();
// An empty workspace: the repo itself would have the file watcher crawl ~300 MB of node_modules.
const workspace = await fsp.mkdtemp(path.join(os.tmpdir(), 'cryo-e2e-ws-'));
const server = await startCodeServer({ vsix, workspace });
console.log(`e2e: code-server ${server.url} with ${path.basename(vsix)} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

let code = 1;
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, CRYO_E2E_URL: server.url, CRYO_E2E_WORKSPACE: workspace },
});
const stopOnSignal = (/** @type {NodeJS.Signals} */ sig) => child.kill(sig);
process.on('SIGINT', stopOnSignal);
process.on('SIGTERM', stopOnSignal);
try {
  const [exitCode, signal] = await once(child, 'exit');
  code = exitCode ?? (signal ? 1 : 0);
} finally {
  await server.stop();
  await fsp.rm(workspace, { recursive: true, force: true });
}
console.log(`e2e: done in ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${code}`);
process.exit(code);
