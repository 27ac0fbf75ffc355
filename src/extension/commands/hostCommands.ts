import * as vscode from 'vscode';
import { describeReport } from '../../core/index.js';
import type { HostNode } from '../tree/nodes.js';
import type { CommandContext } from './context.js';

export function refreshCommand(ctx: CommandContext) {
  return (): void => {
    ctx.hosts.reprobe();
    ctx.tree.refresh();
  };
}

/** The full capability report in the log, for copying into a bug report. */
export function showCapabilitiesCommand(ctx: CommandContext) {
  return async (node?: HostNode): Promise<void> => {
    const host = node?.host ?? ctx.hosts.all()[0];
    if (!host) return;
    const report = await host.capabilities();
    ctx.log.info(`Capabilities of ${host.name} (${host.endpoint}):\n${describeReport(report)}`);
    ctx.log.show(true);
  };
}

export function openDocsCommand(ctx: CommandContext) {
  return async (): Promise<void> => {
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(ctx.extensionUri, 'README.md'));
  };
}
