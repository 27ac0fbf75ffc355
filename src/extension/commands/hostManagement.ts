import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { checkSettingEntry, endpointProblem, expandHome, isValidName, SshRunner, type DockerHost, type HostSpec, type SettingHostEntry } from '../../core/index.js';
import type { HostNode } from '../tree/nodes.js';
import { reportError } from '../ui/progress.js';
import type { CommandContext } from './context.js';

/**
 * "Add Docker Host…": a name, an endpoint (ssh://user@host[:port] mostly) and, for ssh, an
 * optional identity file; saved in the user's `cryo.hosts` setting. The registry picks the
 * change up; then the connection is tried once so a host-key or auth problem shows now.
 */
export function addHostCommand(ctx: CommandContext) {
  return async (): Promise<void> => {
    const taken = new Set(ctx.hosts.all().map((h) => h.name));
    const name = await vscode.window.showInputBox({
      title: 'Add Docker Host (1/3): name',
      prompt: 'A short name for the tree',
      placeHolder: 'build-server',
      validateInput: (v) =>
        !isValidName(v) ? 'At least 2 characters: a letter or digit, then letters, digits, "_", "." or "-".' : taken.has(v) ? `A host named ${v} already exists.` : undefined,
    });
    if (name === undefined) return;
    const endpoint = await vscode.window.showInputBox({
      title: 'Add Docker Host (2/3): address',
      prompt: 'ssh://user@host[:port] (Cryo uses your ssh client, config, agent and known_hosts); unix:///path and tcp://host:port work too',
      placeHolder: 'ssh://root@build-server:22',
      validateInput: (v) => {
        if (!v.trim()) return 'Enter an address such as ssh://root@host:22';
        const why = endpointProblem(v.trim());
        if (why) return why;
        const dup = ctx.hosts.all().find((h) => h.endpoint === v.trim());
        return dup ? `That is already host ${dup.name}.` : undefined;
      },
    });
    if (endpoint === undefined) return;
    const entry: SettingHostEntry = { name, endpoint: endpoint.trim() };
    if (entry.endpoint.startsWith('ssh://')) {
      const identity = await vscode.window.showInputBox({
        title: 'Add Docker Host (3/3): identity file (optional)',
        prompt: 'Private key to log in with. Leave empty to use your ssh config and agent.',
        placeHolder: '~/.ssh/id_ed25519',
        validateInput: (v) => (!v.trim() ? undefined : !existsSync(expandHome(v.trim(), homedir())) ? 'No such file' : undefined),
      });
      if (identity === undefined) return;
      if (identity.trim()) entry.identityFile = expandHome(identity.trim(), homedir());
    }
    const check = checkSettingEntry(entry, homedir());
    if (typeof check === 'string') {
      void vscode.window.showErrorMessage(`Cryo: ${check}`);
      return;
    }
    try {
      await ctx.hosts.addSettingHost(entry);
    } catch (e) {
      await reportError(ctx.log, `adding host ${name}`, e);
      return;
    }
    ctx.log.info(`Added host ${name} (${entry.endpoint}) to the cryo.hosts setting`);
    const host = ctx.hosts.byName(name);
    if (host) await tryConnection(ctx, host);
  };
}

/** "Remove Docker Host": only hosts defined in `cryo.hosts`; the others say where they come from. */
export function removeHostCommand(ctx: CommandContext) {
  return async (node?: HostNode): Promise<void> => {
    const host = node?.host ?? (await pickSettingHost(ctx));
    if (!host) return;
    const spec = ctx.hosts.specOf(host);
    if (spec?.source !== 'setting') {
      void vscode.window.showInformationMessage(`Cryo: ${host.name} is not from the cryo.hosts setting, so it cannot be removed here: ${origin(spec)}`);
      return;
    }
    const remove = 'Remove';
    const answer = await vscode.window.showWarningMessage(`Remove host ${host.name} (${host.endpoint}) from Cryo? Its containers and checkpoints stay on it.`, { modal: true }, remove);
    if (answer !== remove) return;
    try {
      const removed = await ctx.hosts.removeSettingHost(host.name);
      if (!removed) void vscode.window.showWarningMessage(`Cryo: no cryo.hosts entry is named ${host.name}.`);
      else ctx.log.info(`Removed host ${host.name} from the cryo.hosts setting`);
    } catch (e) {
      await reportError(ctx.log, `removing host ${host.name}`, e);
    }
  };
}

async function pickSettingHost(ctx: CommandContext): Promise<DockerHost | undefined> {
  const hosts = ctx.hosts.all().filter((h) => ctx.hosts.specOf(h)?.source === 'setting');
  if (hosts.length === 0) {
    void vscode.window.showInformationMessage('Cryo: no host comes from the cryo.hosts setting; add one with "Cryo: Add Docker Host…".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    hosts.map((host) => ({ label: host.name, description: host.endpoint, host })),
    { placeHolder: 'Host to remove from Cryo' },
  );
  return picked?.host;
}

function origin(spec: HostSpec | undefined): string {
  switch (spec?.source) {
    case 'local':
      return 'it is the local Docker daemon.';
    case 'env':
      return 'it comes from the DOCKER_HOST environment variable.';
    case 'context':
      return `it is a Docker context (remove it with: docker context rm ${spec.name}).`;
    default:
      return 'it is not a configured host.';
  }
}

/** Connects once right after adding, so the user sees host-key or auth problems with their fix now. */
async function tryConnection(ctx: CommandContext, host: DockerHost): Promise<void> {
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cryo: connecting to ${host.name}` }, async () => {
    try {
      if (host.runner instanceof SshRunner) await host.runner.connect();
      const version = await host.docker.version();
      return { ok: true as const, message: `Docker ${version.Version}` };
    } catch (e) {
      return { ok: false as const, message: e instanceof Error ? e.message : String(e) };
    }
  });
  if (result.ok) {
    void vscode.window.showInformationMessage(`Cryo: added ${host.name} (${result.message}).`);
    return;
  }
  ctx.log.warn(`Host ${host.name} added but not reachable: ${result.message}`);
  const settings = 'Open Settings';
  const choice = await vscode.window.showWarningMessage(`Cryo: added ${host.name}, but it is not reachable: ${result.message}`, settings, 'Show Log');
  if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'cryo.hosts');
  else if (choice === 'Show Log') ctx.log.show(true);
}
