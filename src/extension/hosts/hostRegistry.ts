import * as vscode from 'vscode';
import { discoverHosts, hostFromSpec, sameHost, SshRunner, type Discovered, type DockerHost, type HostSpec, type SettingHostEntry } from '../../core/index.js';

/** Where the registry learns its hosts; the defaults read this machine and VS Code's settings. */
export interface HostRegistryDeps {
  discover?: (setting: unknown) => Discovered;
  readSetting?: () => unknown;
  /** Shows problems with the host sources (invalid cryo.hosts entries...). */
  warn?: (message: string) => void;
}

const SETTING = 'hosts';

/**
 * The hosts the tree shows: the local daemon, Docker contexts, DOCKER_HOST and the
 * `cryo.hosts` setting, merged (see core/hosts). Rebuilt when `cryo.hosts` changes: hosts
 * whose definition did not change are kept alive (their SSH connection too), the others
 * are disposed (their ssh processes end) and replaced.
 */
export class HostRegistry implements vscode.Disposable {
  private entries: { spec: HostSpec; host: DockerHost }[] = [];
  private currentProblems: string[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly discover: (setting: unknown) => Discovered;
  private readonly readSetting: () => unknown;
  private readonly warn: (message: string) => void;

  constructor(deps: HostRegistryDeps = {}) {
    this.discover = deps.discover ?? ((setting) => discoverHosts(setting));
    this.readSetting = deps.readSetting ?? (() => vscode.workspace.getConfiguration('cryo').get<unknown>(SETTING, []));
    this.warn = deps.warn ?? ((message) => void showProblems(message));
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`cryo.${SETTING}`)) this.rebuild();
      }),
    );
    this.rebuild();
  }

  all(): readonly DockerHost[] {
    return this.entries.map((e) => e.host);
  }

  byName(name: string): DockerHost | undefined {
    return this.entries.find((e) => e.host.name === name)?.host;
  }

  /** Where a host comes from (local, env, context, setting) and how it was defined. */
  specOf(host: DockerHost | string): HostSpec | undefined {
    const name = typeof host === 'string' ? host : host.name;
    return this.entries.find((e) => e.host.name === name)?.spec;
  }

  /** Problems found in the host sources at the last rebuild. */
  problems(): readonly string[] {
    return this.currentProblems;
  }

  /** Forget cached capabilities so the next look re-probes every host. */
  reprobe(): void {
    for (const e of this.entries) {
      e.host.refresh();
      forgetSshFailure(e.host);
    }
    this.changed.fire();
  }

  /** Re-reads every source; keeps unchanged hosts, disposes the rest. */
  rebuild(): void {
    const found = this.discover(this.readSetting());
    const next: { spec: HostSpec; host: DockerHost }[] = [];
    const kept = new Set<DockerHost>();
    const problems = [...found.problems];
    for (const spec of found.hosts) {
      const old = this.entries.find((e) => sameHost(e.spec, spec));
      if (old) {
        kept.add(old.host);
        next.push({ spec, host: old.host });
        continue;
      }
      try {
        next.push({ spec, host: hostFromSpec(spec) });
      } catch (e) {
        problems.push(`Host "${spec.name}" (${spec.endpoint}) cannot be used: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const gone = this.entries.filter((e) => !kept.has(e.host));
    if (gone.length) {
      // Listeners key per-host state (event streams) by name: let them see the old hosts
      // leave before a new host of the same name arrives.
      this.entries = this.entries.filter((e) => kept.has(e.host));
      this.changed.fire();
      for (const e of gone) void e.host.dispose().catch(() => undefined);
    }
    this.entries = next;
    const fresh = problems.filter((p) => !this.currentProblems.includes(p));
    this.currentProblems = problems;
    if (fresh.length) this.warn(fresh.join('\n'));
    this.changed.fire();
  }

  /** Adds (or replaces, by name) an entry of the user's global `cryo.hosts` setting. */
  async addSettingHost(entry: SettingHostEntry): Promise<void> {
    const config = vscode.workspace.getConfiguration('cryo');
    const current = settingArray(config.inspect<unknown>(SETTING)?.globalValue);
    const next = [...current.filter((e) => nameOf(e) !== entry.name), compact(entry)];
    await config.update(SETTING, next, vscode.ConfigurationTarget.Global);
    this.rebuild(); // the change event may come later; rebuilding twice keeps the same hosts
  }

  /** Removes an entry from the user's `cryo.hosts` (a machine-scoped setting). False when none has that name. */
  async removeSettingHost(name: string): Promise<boolean> {
    const config = vscode.workspace.getConfiguration('cryo');
    const list = settingArray(config.inspect<unknown>(SETTING)?.globalValue);
    if (!list.some((e) => nameOf(e) === name)) return false;
    await config.update(SETTING, list.filter((e) => nameOf(e) !== name), vscode.ConfigurationTarget.Global);
    this.rebuild();
    return true;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    // Starts `ssh -O exit` for every SSH host at once; deactivate() awaits closed().
    this.closing = Promise.all(this.entries.map((e) => e.host.dispose().catch(() => undefined))).then(() => undefined);
    this.entries = [];
    this.changed.dispose();
  }

  /** Settles when every host disposed by dispose() has closed its connections. */
  closed(): Promise<void> {
    return this.closing ?? Promise.resolve();
  }

  private closing?: Promise<void>;
}

function settingArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function nameOf(entry: unknown): unknown {
  return typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
}

function compact(entry: SettingHostEntry): SettingHostEntry {
  const out: SettingHostEntry = { name: entry.name, endpoint: entry.endpoint };
  if (entry.identityFile) out.identityFile = entry.identityFile;
  if (entry.sshConfigFile) out.sshConfigFile = entry.sshConfigFile;
  if (entry.knownHostsFile) out.knownHostsFile = entry.knownHostsFile;
  return out;
}

/** An SSH host remembers a failed connect for a few seconds; an explicit refresh retries at once. */
function forgetSshFailure(host: DockerHost): void {
  if (host.runner instanceof SshRunner) host.runner.connection.forgetFailure();
}

async function showProblems(message: string): Promise<void> {
  const open = 'Open Settings';
  const choice = await vscode.window.showWarningMessage(`Cryo: some Docker hosts were skipped. ${message}`, open);
  if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'cryo.hosts');
}
