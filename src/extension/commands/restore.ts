import * as vscode from 'vscode';
import { newestFirst, RestoreFailedError, restoreContainer, restoredMessage, restoreWithFallback } from '../../core/index.js';
import type { CheckpointNode, ContainerNode } from '../tree/nodes.js';
import { reportError, withCancellableProgress } from '../ui/progress.js';
import type { CommandContext } from './context.js';
import { pickCheckpoint, type PickedCheckpoint } from './pickers.js';

/**
 * Restore from a checkpoint node, from a stopped container (pick one of its checkpoints),
 * or from the palette (pick any checkpoint). A running container is stopped first, after
 * the user agrees, since Docker restores only into a stopped container.
 */
export function restoreCommand(ctx: CommandContext) {
  return async (node?: CheckpointNode | ContainerNode): Promise<void> => {
    let target: PickedCheckpoint | undefined;
    if (node?.kind === 'checkpoint') target = { host: node.host, info: node.container, checkpoint: node.info.name };
    else if (node?.kind === 'container') target = await pickCheckpoint(ctx, `Checkpoint of ${node.info.name} to restore`, { host: node.host, info: node.info });
    else target = await pickCheckpoint(ctx, 'Checkpoint to restore');
    if (!target) return;
    const t = target;
    const what = `restore of ${t.info.name} from ${t.checkpoint}`;
    try {
      const live = await t.host.docker.getContainer(t.info.id).inspect();
      if (live.State.Running) {
        const stop = 'Stop and Restore';
        const answer = await vscode.window.showWarningMessage(
          `${t.info.name} is running. Stop it and restore checkpoint ${t.checkpoint}? Its current state since then is lost.`,
          { modal: true },
          stop,
        );
        if (answer !== stop) return;
      }
      const record = await withCancellableProgress(`Cryo: restoring ${t.info.name}`, async (say, signal) => {
        if (live.State.Running) {
          say('Stopping the container');
          await t.host.docker.getContainer(t.info.id).stop({ t: 5 });
        }
        say(`Restoring ${t.checkpoint}`);
        return restoreContainer(t.host, t.info.id, t.checkpoint, { signal }, ctx.store);
      });
      ctx.log.info(`Restored ${record.container} from ${record.checkpointName} on ${record.host} in ${record.wallMs.toFixed(0)} ms${record.recreated ? ` by recreating it (was ${record.recreated.oldId.slice(0, 12)}, now ${record.containerId.slice(0, 12)}): ${record.recreated.changes.join('; ')}` : ''}`);
      void vscode.window.showInformationMessage(`Cryo: ${restoredMessage(record)}`);
    } catch (e) {
      if (e instanceof RestoreFailedError && (await offerOlder(ctx, t, e))) return;
      await reportError(ctx.log, what, e);
    } finally {
      ctx.refresh.request();
    }
  };
}

/**
 * Seed 002's restore fallback, with the user in the loop: when a checkpoint is refused and
 * the container has older ones, offer to try those, newest first, so a damaged checkpoint
 * does not leave the container down. True when the offer was shown (and handled).
 */
async function offerOlder(ctx: CommandContext, t: PickedCheckpoint, failure: RestoreFailedError): Promise<boolean> {
  const order = newestFirst(await t.host.listCheckpoints(t.info.id).catch(() => []));
  const older = order.slice(order.indexOf(t.checkpoint) + 1);
  if (order.indexOf(t.checkpoint) < 0 || older.length === 0) return false;
  ctx.log.error(`restore of ${t.info.name} from ${t.checkpoint} failed: ${failure.message}`);
  const tryOlder = `Try Older Checkpoints (${older.length})`;
  const choice = await vscode.window.showErrorMessage(`Cryo: ${t.info.name}: ${failure.message.split('\n')[0]}`, tryOlder, 'Show Log');
  if (choice === 'Show Log') ctx.log.show(true);
  if (choice !== tryOlder) return true;
  try {
    const r = await withCancellableProgress(`Cryo: restoring ${t.info.name} from an older checkpoint`, (say, signal) =>
      restoreWithFallback(t.host, t.info.id, { from: older[0]!, signal, onAttempt: (name, failed) => say(`Restoring ${name}${failed ? ` (${failed} more refused)` : ''}`) }, ctx.store),
    );
    for (const f of r.failed) ctx.log.warn(`${f.checkpoint} could not be restored either: ${f.error}`);
    void vscode.window.showWarningMessage(`Cryo: ${r.record.container} restored from the older checkpoint ${r.record.checkpointName} (${t.checkpoint}${r.failed.length ? ` and ${r.failed.length} more` : ''} could not be restored).`);
  } catch (e) {
    await reportError(ctx.log, `restore of ${t.info.name} from older checkpoints`, e);
  }
  return true;
}
