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
 * Like docker(), against another daemon: `dockerAt('unix:///run/docker-b.sock')('ps')`.
 * @param {string} dockerHost  a DOCKER_HOST value
 * @returns {(...args: string[]) => Promise<string>}
 */
export function dockerAt(dockerHost) {
  return async (...args) => {
    try {
      const { stdout } = await execFileP('docker', args, {
        timeout: 120_000,
        maxBuffer: 16 << 20,
        env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_CONTEXT: '' },
      });
      return stdout.trim();
    } catch (e) {
      const err = /** @type {{stderr?: string, message: string}} */ (e);
      throw new Error(`DOCKER_HOST=${dockerHost} docker ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
    }
  };
}

/**
 * Polls until cond() is true (a throw counts as false).
 * @param {() => Promise<boolean>} cond
 * @param {string} what  for the timeout message
 * @param {number} [timeoutMs]
 */
export async function until(cond, what, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Opens a workbench on the shared code-server (or starts one) and returns it with a close()
 * that also stops a server it started. With `settings` or `machineSettings` it always starts
 * a server of its own, so those settings are in place before the workbench loads and no
 * other test file sees them.
 * @param {object} [opts]
 * @param {boolean} [opts.verbose]
 * @param {Record<string, unknown>} [opts.settings]         user settings (e.g. cryo.resultsFile)
 * @param {Record<string, unknown>} [opts.machineSettings]  machine-scoped ones (e.g. cryo.hosts)
 * @returns {Promise<{wb: import('./browser.mjs').Workbench, close: () => Promise<void>}>}
 */
export async function openSession(opts = {}) {
  const own = !!(opts.settings || opts.machineSettings);
  let url = own ? undefined : process.env.CRYO_E2E_URL;
  let folder = own ? undefined : process.env.CRYO_E2E_WORKSPACE;
  /** @type {(() => Promise<void>)[]} */
  const cleanups = [];
  if (!url) {
    folder = await fsp.mkdtemp(path.join(os.tmpdir(), 'cryo-e2e-ws-'));
    const ws = folder;
    cleanups.push(() => fsp.rm(ws, { recursive: true, force: true }));
    const server = await startCodeServer({
      vsix: process.env.CRYO_VSIX ?? defaultVsix,
      workspace: folder,
      settings: opts.settings,
      machineSettings: opts.machineSettings,
    });
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

/**
 * An afterEach hook that saves what the screen showed when a test failed, as
 * artifacts/screenshots/<prefix>-failed-<test name>.png.
 * @param {() => import('./browser.mjs').Workbench | undefined} workbench
 * @param {string} prefix
 */
export function screenshotOnFailure(workbench, prefix) {
  return async (/** @type {{name: string, passed?: boolean}} */ t) => {
    const wb = workbench();
    if (!wb || t.passed !== false) return;
    const file = await wb.screenshot(`${prefix}-failed-${t.name.slice(0, 40).replace(/\W+/g, '-').replace(/-$/, '')}`).catch(() => undefined);
    if (file) console.log(`screenshot of the failure: ${file}`);
  };
}
