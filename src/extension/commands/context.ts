import type * as vscode from 'vscode';
import type { ResultsStore } from '../../core/index.js';
import type { HostRegistry } from '../hosts/hostRegistry.js';
import type { PeriodicCheckpoints } from '../periodic/periodicCheckpoints.js';
import type { HostsTreeProvider } from '../tree/hostsTreeProvider.js';
import type { RefreshManager } from '../tree/refreshManager.js';
import type { Logger } from '../ui/logger.js';

/** What every command handler may use; built once in activate(). */
export interface CommandContext {
  hosts: HostRegistry;
  tree: HostsTreeProvider;
  refresh: RefreshManager;
  log: Logger;
  store: ResultsStore;
  periodic: PeriodicCheckpoints;
  extensionUri: vscode.Uri;
}
