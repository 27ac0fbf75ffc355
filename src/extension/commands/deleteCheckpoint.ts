import * as vscode from 'vscode';
import { deleteCheckpoint } from '../../core/index.js';
import type { CheckpointNode } from '../tree/nodes.js';
import { reportError } from '../ui/progress.js';
import type { CommandContext } from './context.js';
import { pickCheckpoint } from './pickers.js';

export function deleteCheckpointCommand(ctx: CommandContext) {
  return async (node?: CheckpointNode): Promise<void> => {
    const target = node ? { host: node.host, info: node.container, checkpoint: node.info.name } : await pickCheckpoint(ctx, 'Checkpoint to delete');
    if (!target) return;
    const confirm = 'Delete';
    const answer = await vscode.window.showWarningMessage(`Delete checkpoint ${target.checkpoint} of ${target.info.name}? It cannot be restored afterwards.`, { modal: true }, confirm);
    if (answer !== confirm) return;
    try {
      await deleteCheckpoint(target.host, target.info.id, target.checkpoint);
      ctx.log.info(`Deleted checkpoint ${target.checkpoint} of ${target.info.name} on ${target.host.name}`);
    } catch (e) {
      await reportError(ctx.log, `deleting ${target.checkpoint}`, e);
    } finally {
      ctx.refresh.request();
    }
  };
}
