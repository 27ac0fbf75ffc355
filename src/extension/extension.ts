import * as vscode from 'vscode';
import { join } from 'node:path';
import { ResultsStore, setLockClientName } from '../core/index.js';
import { registerCommands } from './commands/registry.js';
import { applyFrozenLimitSetting } from './guard/frozenLimitSetting.js';
import { HostRegistry } from './hosts/hostRegistry.js';
import { PeriodicCheckpoints } from './periodic/periodicCheckpoints.js';
import { HostsTreeProvider } from './tree/hostsTreeProvider.js';
import { RefreshManager } from './tree/refreshManager.js';
import { createLogger } from './ui/logger.js';
import { ChartsPanels } from './webview/chartsPanel.js';

/** What activate() returns: the extension-host tests reach the live objects through it. */
export interface CryoApi {
  hosts: HostRegistry;
  tree: HostsTreeProvider;
  store: ResultsStore;
  charts: ChartsPanels;
}

/** The composition root: every object is built here and every disposable registered. */
export function activate(context: vscode.ExtensionContext): CryoApi {
  const log = createLogger();
  setLockClientName(`VS Code window (${vscode.env.appName})`);
  const hosts = new HostRegistry({ warn: (m) => void warnHosts(log, m) });
  const configured = vscode.workspace.getConfiguration('cryo').get<string>('resultsFile', '');
  const store = new ResultsStore(configured || join(context.globalStorageUri.fsPath, 'results.jsonl'));
  const periodic = new PeriodicCheckpoints(log, store);
  const tree = new HostsTreeProvider(hosts, log, (host, id) => periodic.describe(host, id));
  const refresh = new RefreshManager(hosts, () => tree.refresh(), log);
  const periodicChanged = periodic.onDidChange(() => refresh.request());
  const view = vscode.window.createTreeView('cryo.hosts', { treeDataProvider: tree, showCollapseAll: true });
  // Built at activation so its serializer can bring back a charts panel left open before a reload.
  const charts = new ChartsPanels({ extensionUri: context.extensionUri, store, log });
  // Hosts close only after the periodic versions in flight are done, whichever of
  // deactivate() and the subscriptions' disposal comes first.
  let closing: Promise<void> | undefined;
  const closeHosts = () =>
    (closing ??= periodic.stopAll().then(() => {
      hosts.dispose();
      return hosts.closed();
    }));
  context.subscriptions.push(log, { dispose: () => void closeHosts() }, applyFrozenLimitSetting(hosts), tree, refresh, view, charts, periodic, periodicChanged, ...registerCommands({ hosts, tree, refresh, log, store, periodic, extensionUri: context.extensionUri }, charts));
  log.info(`Cryo activated; results go to ${store.path}`);
  hostsClosed = closeHosts;
  return { hosts, tree, store, charts };
}

/** Set by activate(): lets deactivate() wait for periodic versions in flight, then for SSH hosts to close. */
let hostsClosed: (() => Promise<void>) | undefined;

export async function deactivate(): Promise<void> {
  await hostsClosed?.();
}

async function warnHosts(log: vscode.LogOutputChannel, message: string): Promise<void> {
  log.warn(message);
  if ((await vscode.window.showWarningMessage(`Cryo: ${message.split('\n')[0]}`, 'Show Log')) === 'Show Log') log.show(true);
}
