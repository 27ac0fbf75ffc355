import * as vscode from 'vscode';
import { join } from 'node:path';
import { ResultsStore } from '../core/index.js';
import { registerCommands } from './commands/registry.js';
import { HostRegistry } from './hosts/hostRegistry.js';
import { HostsTreeProvider } from './tree/hostsTreeProvider.js';
import { RefreshManager } from './tree/refreshManager.js';
import { createLogger } from './ui/logger.js';

/** What activate() returns: the extension-host tests reach the live objects through it. */
export interface CryoApi {
  hosts: HostRegistry;
  tree: HostsTreeProvider;
  store: ResultsStore;
}

/** The composition root: every object is built here and every disposable registered. */
export function activate(context: vscode.ExtensionContext): CryoApi {
  const log = createLogger();
  const hosts = new HostRegistry();
  const tree = new HostsTreeProvider(hosts, log);
  const refresh = new RefreshManager(hosts, () => tree.refresh(), log);
  const configured = vscode.workspace.getConfiguration('cryo').get<string>('resultsFile', '');
  const store = new ResultsStore(configured || join(context.globalStorageUri.fsPath, 'results.jsonl'));
  const view = vscode.window.createTreeView('cryo.hosts', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(log, hosts, tree, refresh, view, ...registerCommands({ hosts, tree, refresh, log, store, extensionUri: context.extensionUri }));
  log.info(`Cryo activated; results go to ${store.path}`);
  return { hosts, tree, store };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
