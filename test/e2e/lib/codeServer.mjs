// Starts a throwaway code-server (VS Code 1.100.3 web workbench + Node extension host) on
// 127.0.0.1 with its own user-data, extensions and XDG dirs, so nothing lands in $HOME and
// runs never see each other's state. See shared/notes/vscode-in-ci.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { codeServerBin } from './paths.mjs';

/** User settings that keep the workbench quiet and deterministic under automation. */
const defaultSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'window.commandCenter': false,
  'chat.commandCenter.enabled': false,
};

/** @returns {Promise<number>} a port that was free on 127.0.0.1 a moment ago */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (srv.address());
  srv.close();
  await once(srv, 'close');
  return port;
}

/**
 * @typedef {object} CodeServer
 * @property {string} url      base URL, e.g. http://127.0.0.1:41234/
 * @property {number} port
 * @property {string} dir      the temp dir holding user-data, extensions, XDG dirs, logs
 * @property {string} logFile  code-server's combined stdout/stderr
 * @property {() => Promise<void>} stop
 */

/**
 * @param {object} [opts]
 * @param {string} [opts.vsix]        a .vsix to install before starting
 * @param {string} [opts.workspace]   folder the server opens by default
 * @param {number} [opts.port]        fixed port (default: a free one)
 * @param {Record<string, unknown>} [opts.settings]  extra user settings (ud/User/settings.json)
 * @param {Record<string, unknown>} [opts.machineSettings]  remote machine settings
 *        (ud/Machine/settings.json). The workbench is a remote window, which ignores
 *        machine-scoped settings (e.g. `cryo.hosts`) in the user file; they go here.
 * @param {Record<string, string>} [opts.env]        extra env for the server and its extension host
 * @param {boolean} [opts.echo]       copy server output to this process's stderr (default: $CRYO_E2E_VERBOSE)
 * @param {boolean} [opts.keep]       keep the temp dir after stop (default: $CRYO_E2E_KEEP)
 * @param {number} [opts.readyTimeoutMs]
 * @returns {Promise<CodeServer>}
 */
export async function startCodeServer(opts = {}) {
  if (!fs.existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed at ${codeServerBin}: run scripts/provision/code-server.sh`);
  }
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cryo-code-server-'));
  const d = (/** @type {string} */ name) => path.join(dir, name);
  for (const sub of ['ud/User', 'ud/Machine', 'ext', 'xdg-config', 'xdg-data', 'xdg-cache']) {
    await fsp.mkdir(d(sub), { recursive: true });
  }
  await fsp.writeFile(
    d('ud/User/settings.json'),
    JSON.stringify({ ...defaultSettings, ...opts.settings }, null, 2),
  );
  if (opts.machineSettings) {
    await fsp.writeFile(d('ud/Machine/settings.json'), JSON.stringify(opts.machineSettings, null, 2));
  }
  // A config file of our own stops code-server from writing a default one into ~/.config.
  await fsp.writeFile(d('config.yaml'), 'auth: none\ncert: false\n');
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: d('xdg-config'),
    XDG_DATA_HOME: d('xdg-data'),
    XDG_CACHE_HOME: d('xdg-cache'),
    ...opts.env,
  };
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  delete env.VSCODE_IPC_HOOK_CLI; // would make code-server talk to an enclosing VS Code
  const common = ['--config', d('config.yaml'), '--user-data-dir', d('ud'), '--extensions-dir', d('ext')];
  const echo = opts.echo ?? !!process.env.CRYO_E2E_VERBOSE;
  const keep = opts.keep ?? !!process.env.CRYO_E2E_KEEP;
  const logFile = d('code-server.log');
  const log = fs.createWriteStream(logFile);

  if (opts.vsix) {
    const r = await run(codeServerBin, [...common, '--force', '--install-extension', path.resolve(opts.vsix)], env);
    log.write(r.output);
    if (r.code !== 0) {
      await fsp.rm(dir, { recursive: true, force: true });
      throw new Error(`installing ${opts.vsix} failed (exit ${r.code}):\n${r.output}`);
    }
  }

  const port = opts.port ?? (await freePort());
  const args = [
    ...common,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (opts.workspace) args.push(path.resolve(opts.workspace));
  // detached: own process group, so stop() also reaches the extension host and pty host.
  const child = spawn(codeServerBin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk);
      if (echo) process.stderr.write(`[code-server] ${chunk}`);
    });
  }
  let exited = /** @type {null | {code: number|null, signal: string|null}} */ (null);
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const url = `http://127.0.0.1:${port}/`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      killGroup(child.pid, 'SIGTERM');
      const done = await Promise.race([exitPromise, sleep(5000, 'timeout')]);
      if (done === 'timeout') killGroup(child.pid, 'SIGKILL');
      await Promise.race([exitPromise, sleep(2000)]);
    }
    // Stray children (extension host) that outlived the server share its group.
    killGroup(child.pid, 'SIGKILL');
    await new Promise((resolve) => log.end(resolve));
    if (!keep) await fsp.rm(dir, { recursive: true, force: true }).catch(() => {});
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      const out = await fsp.readFile(logFile, 'utf8').catch(() => '');
      await stop();
      throw new Error(`code-server exited before it was ready (${JSON.stringify(exited)}):\n${out}`);
    }
    try {
      const res = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server was not healthy on ${url}healthz within the timeout`);
    }
    await sleep(150);
  }

  return { url, port, dir, logFile, stop };
}

/**
 * @param {number | undefined} pid
 * @param {NodeJS.Signals} signal
 */
function killGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{code: number | null, output: string}>}
 */
async function run(cmd, args, env) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const [code] = await once(child, 'close');
  return { code, output };
}
