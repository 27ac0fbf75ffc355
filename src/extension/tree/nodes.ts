import * as vscode from 'vscode';
import { hostDescription } from './hostDescription.js';
import { describeReport, formatAge, formatBytes, type CapabilityReport, type CheckpointInfo, type ContainerInfo, type DockerHost } from '../../core/index.js';

/**
 * Tree nodes carry the core objects they stand for, so command handlers get a host and
 * a container id, not a label to look up again. `contextValue` encodes state for menus.
 */
export type CryoNode = HostNode | HostMessageNode | ContainerNode | CheckpointNode;

export class HostNode {
  readonly kind = 'host';
  constructor(
    readonly host: DockerHost,
    readonly report?: CapabilityReport,
    /** Defined in the cryo.hosts setting, so "Remove Docker Host" applies. */
    readonly removable = false,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.host.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `host:${this.host.name}`;
    item.iconPath = new vscode.ThemeIcon(this.report?.blocker ? 'warning' : 'server');
    const raw = this.report?.raw;
    item.description = raw?.docker.reachable ? hostDescription(this.report!) : this.host.endpoint;
    item.tooltip = new vscode.MarkdownString(`**${this.host.name}** — ${this.host.endpoint}\n\n`).appendCodeblock(this.report ? describeReport(this.report) : 'probing…', 'text');
    item.contextValue = `${this.report?.blocker ? 'hostError' : 'host'}${this.removable ? 'Removable' : ''}`;
    return item;
  }
}

/** A problem shown in the tree with the action that fixes it, instead of an empty tree. */
export class HostMessageNode {
  readonly kind = 'message';
  constructor(
    readonly host: DockerHost,
    readonly message: string,
    readonly detail: string,
    readonly action: 'docs' | 'settings' | 'retry',
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.id = `msg:${this.host.name}:${this.message}`;
    item.iconPath = new vscode.ThemeIcon('error');
    item.tooltip = this.detail;
    item.contextValue = 'hostMessage';
    const actions: Record<HostMessageNode['action'], vscode.Command> = {
      retry: { command: 'cryo.hosts.refresh', title: 'Retry' },
      docs: { command: 'cryo.openDocs', title: 'Open the host setup docs' },
      settings: { command: 'workbench.action.openSettings', title: 'Open settings', arguments: ['cryo.'] },
    };
    item.command = actions[this.action];
    item.description = this.action === 'retry' ? 'click to retry' : this.action === 'docs' ? 'click for help' : 'click to open settings';
    return item;
  }
}

export class ContainerNode {
  readonly kind = 'container';
  constructor(
    readonly host: DockerHost,
    readonly info: ContainerInfo,
    /** "every 1 min, keeps 5, 3 made" while periodic checkpoints run. */
    readonly periodic?: string,
  ) {}

  get running(): boolean {
    return this.info.state === 'running';
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.info.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `ctr:${this.host.name}:${this.info.id}`;
    item.description = this.periodic ? `${this.info.image} · periodic: ${this.periodic}` : this.info.image;
    item.tooltip = `${this.info.name} (${this.info.id.slice(0, 12)})\n${this.info.image}\n${this.info.status}${this.periodic ? `\nPeriodic checkpoints: ${this.periodic}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(
      this.running ? 'vm-running' : this.info.state === 'paused' ? 'debug-pause' : 'vm-outline',
      this.running ? new vscode.ThemeColor('charts.green') : undefined,
    );
    // The suffix lets menus offer Stop Periodic Checkpoints only where a ticker runs.
    const state = this.running ? 'runningContainer' : this.info.state === 'paused' ? 'pausedContainer' : 'stoppedContainer';
    item.contextValue = this.periodic ? `${state}Periodic` : state;
    return item;
  }
}

export class CheckpointNode {
  readonly kind = 'checkpoint';
  constructor(
    readonly host: DockerHost,
    readonly container: ContainerInfo,
    readonly info: CheckpointInfo,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.info.name, vscode.TreeItemCollapsibleState.None);
    item.id = `cp:${this.host.name}:${this.container.id}:${this.info.name}`;
    const parts = [this.info.sizeBytes !== undefined ? formatBytes(this.info.sizeBytes) : undefined, this.info.createdAt ? formatAge(this.info.createdAt) : undefined];
    item.description = parts.filter(Boolean).join(' · ');
    item.tooltip = `Checkpoint ${this.info.name} of ${this.container.name}${this.info.createdAt ? `\nmade ${this.info.createdAt.toLocaleString()}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('archive');
    item.contextValue = 'checkpoint';
    return item;
  }
}
