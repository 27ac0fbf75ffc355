import * as vscode from 'vscode';
import { benchCommand } from './bench.js';
import { checkpointCommand } from './checkpoint.js';
import type { CommandContext } from './context.js';
import { deleteCheckpointCommand } from './deleteCheckpoint.js';
import { openDocsCommand, refreshCommand, showCapabilitiesCommand } from './hostCommands.js';
import { addHostCommand, removeHostCommand } from './hostManagement.js';
import { migrateCommand } from './migrate.js';
import { checkpointPeriodicallyCommand, stopPeriodicCommand } from './periodic.js';
import { restoreCommand } from './restore.js';
import type { ChartsPanels } from '../webview/chartsPanel.js';

/** Every command id in package.json `contributes.commands` is registered here, and only here. */
export const COMMAND_IDS = [
  'cryo.hosts.refresh',
  'cryo.host.showCapabilities',
  'cryo.host.add',
  'cryo.host.remove',
  'cryo.container.checkpoint',
  'cryo.container.checkpointLeaveRunning',
  'cryo.checkpoint.restore',
  'cryo.checkpoint.delete',
  'cryo.container.migrate',
  'cryo.container.checkpointPeriodically',
  'cryo.container.stopPeriodic',
  'cryo.openDocs',
  'cryo.showLog',
  'cryo.charts.open',
  'cryo.bench.run',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

export function registerCommands(ctx: CommandContext, charts: Pick<ChartsPanels, 'createOrShow'>): vscode.Disposable[] {
  const handlers: Record<CommandId, (...args: never[]) => unknown> = {
    'cryo.hosts.refresh': refreshCommand(ctx),
    'cryo.host.showCapabilities': showCapabilitiesCommand(ctx),
    'cryo.host.add': addHostCommand(ctx),
    'cryo.host.remove': removeHostCommand(ctx),
    'cryo.container.checkpoint': checkpointCommand(ctx, false),
    'cryo.container.checkpointLeaveRunning': checkpointCommand(ctx, true),
    'cryo.checkpoint.restore': restoreCommand(ctx),
    'cryo.checkpoint.delete': deleteCheckpointCommand(ctx),
    'cryo.container.migrate': migrateCommand(ctx),
    'cryo.container.checkpointPeriodically': checkpointPeriodicallyCommand(ctx),
    'cryo.container.stopPeriodic': stopPeriodicCommand(ctx),
    'cryo.openDocs': openDocsCommand(ctx),
    'cryo.showLog': () => ctx.log.show(),
    'cryo.charts.open': () => void charts.createOrShow(),
    'cryo.bench.run': benchCommand(ctx, charts),
  };
  return COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, handlers[id]));
}
