// What a UI test file needs around the workbench: the code-server that run.mjs started
// (CRYO_E2E_URL) or, when a test file is run on its own, one of its own with cryo.vsix
// installed; and a docker CLI wrapper for setting up and checking containers.
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openWorkbench } from './browser.mjs';
import { startCodeServer } from './codeServer.mjs';
import { defaultVsix } from './paths.mjs';

const execFileP = promisify(execFile);

/**
 * Runs the docker CLI (no shell) and returns its trimmed stdout.
 * @param {...string} args
 * @returns {Promise<string>}
 */
export async function docker(...args) {
  try {
    const { stdout } = await execFileP('docker', args, { timeout: 120_000, maxBuffer: 16 << 20 });
    return stdout.trim();
  } catch (e) {
    const err = /** @type {{stderr?: string, message: string}} */ (e);
    throw new Error(`docker ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/**
 * Opens a workbench on the shared code-server (or starts one) and returns it with a close()
 * that also stops a server it started.
 * @param {{verbose?: boolean}} [opts]
 * @returns {Promise<{wb: import('./browser.mjs').Workbench, close: () => Promise<void>}>}
 */
export async function openSession(opts = {}) {
  let url = process.env.CRYO_E2E_URL;
  let folder = process.env.CRYO_E2E_WORKSPACE;
  /** @type {(() => Promise<void>)[]} */
  const cleanups = [];
  if (!url) {
    folder = await fsp.mkdtemp(path.join(os.tmpdir(), 'cryo-e2e-ws-'));
    const ws = folder;
    cleanups.push(() => fsp.rm(ws, { recursive: true, force: true }));
    const server = await startCodeServer({ vsix: process.env.CRYO_VSIX ?? defaultVsix, workspace: folder });
    cleanups.push(server.stop);
    url = server.url;
  }
  try {
    const wb = await openWorkbench({ url, folder, verbose: opts.verbose });
    return {
      wb,
      close: async () => {
        await wb.close();
        for (const c of cleanups.reverse()) await c();
      },
    };
  } catch (e) {
    for (const c of cleanups.reverse()) await c();
    throw e;
  }
}
