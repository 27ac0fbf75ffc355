import * as vscode from 'vscode';
import { chooseEngine, checkpointContainer, defaultCheckpointName, describeRoute, formatBytes, isValidName, restoreRouteOf, type CapabilityReport, type EngineId } from '../../core/index.js';
import type { ContainerNode } from '../tree/nodes.js';
import { reportError, withCancellableProgress } from '../ui/progress.js';
import type { CommandContext } from './context.js';
import { pickContainer, type PickedContainer } from './pickers.js';

interface Choices {
  name: string;
  leaveRunning: boolean;
  preDump: boolean;
  engine: EngineId;
}

/** "Checkpoint…" and "Checkpoint (Leave Running)": the latter only preselects leave-running. */
export function checkpointCommand(ctx: CommandContext, leaveRunningDefault: boolean) {
  return async (node?: ContainerNode): Promise<void> => {
    const target: PickedContainer | undefined = node ? { host: node.host, info: node.info } : await pickContainer(ctx, (c) => c.state === 'running', 'Container to checkpoint');
    if (!target) return;
    const what = `checkpoint of ${target.info.name}`;
    try {
      const report = await target.host.capabilities();
      const choices = await askChoices(target, report, leaveRunningDefault, ctx);
      if (!choices) return;
      const record = await withCancellableProgress(`Cryo: checkpointing ${target.info.name}`, (say, signal) =>
        checkpointContainer(target.host, target.info.id, { ...choices, signal, onPhase: say }, ctx.store),
      );
      const frozen = record.criu ? `, frozen ${(record.criu.frozenTimeUs / 1e6).toFixed(2)} s` : '';
      const size = record.imageBytes !== undefined ? `, ${formatBytes(record.imageBytes)}` : '';
      ctx.log.info(`Checkpoint ${record.checkpointName} of ${record.container} on ${record.host}: ${record.engine} engine, ${record.wallMs.toFixed(0)} ms${size}${frozen}`);
      void vscode.window.showInformationMessage(`Cryo: checkpoint ${record.checkpointName} of ${record.container} made in ${(record.wallMs / 1000).toFixed(2)} s${size}${frozen}.`);
    } catch (e) {
      await reportError(ctx.log, what, e);
    } finally {
      ctx.refresh.request();
    }
  };
}

async function askChoices(target: PickedContainer, report: CapabilityReport, leaveRunningDefault: boolean, ctx: CommandContext): Promise<Choices | undefined> {
  const taken = new Set(await target.host.checkpointNames(target.info.id).catch(() => []));
  const name = await vscode.window.showInputBox({
    title: `Checkpoint ${target.info.name}`,
    prompt: 'Checkpoint name',
    value: defaultCheckpointName(),
    validateInput: (v) => (!isValidName(v) ? 'At least 2 characters: letters, digits, then also "_", "." or "-".' : taken.has(v) ? `${target.info.name} already has a checkpoint named ${v}.` : undefined),
  });
  if (name === undefined) return undefined;
  const asked = await askOptions(target, report, leaveRunningDefault);
  if (!asked) return undefined;
  const options = asked.leaveRunning ? asked : await confirmStop(target, asked);
  if (!options) return undefined;
  // Pre-dump exists only in the runc engine: nothing to ask.
  const engine = options.preDump ? 'runc' : await askEngine(report, vscode.workspace.getConfiguration('cryo').get<string>('checkpoint.engine', 'ask'), ctx);
  if (!engine) return undefined;
  return { name, ...options, engine };
}

type OptionItem = vscode.QuickPickItem & { id: 'leaveRunning' | 'preDump' };

/** Options as a multi-select; pre-dump stays visible when unavailable, with the reason. */
async function askOptions(target: PickedContainer, report: CapabilityReport, leaveRunningDefault: boolean): Promise<{ leaveRunning: boolean; preDump: boolean } | undefined> {
  const items: OptionItem[] = [
    { id: 'leaveRunning', label: 'Leave running', description: 'the container keeps running after the checkpoint', picked: leaveRunningDefault },
    report.preDump.ok
      ? { id: 'preDump', label: 'Pre-dump first', description: 'copy memory while running to cut the frozen time' }
      : // The first clause fits the pick's width; the modal below gives the whole reason.
        { id: 'preDump', label: '$(circle-slash) Pre-dump first (unavailable)', description: 'cannot be selected', detail: (report.preDump.reason ?? '').split(/[,(]/)[0]!.trim() },
  ];
  for (;;) {
    const picked = await vscode.window.showQuickPick(items, { title: `Checkpoint ${target.info.name}: options`, canPickMany: true, placeHolder: 'Enter to accept' });
    if (!picked) return undefined;
    const ids = new Set(picked.map((p) => p.id));
    if (ids.has('preDump') && !report.preDump.ok) {
      await vscode.window.showWarningMessage(`Pre-dump is unavailable on ${target.host.name}: ${report.preDump.reason ?? ''}`, { modal: true });
      for (const it of items) it.picked = ids.has(it.id) && it.id !== 'preDump';
      continue;
    }
    return { leaveRunning: ids.has('leaveRunning'), preDump: ids.has('preDump') };
  }
}

async function askEngine(report: CapabilityReport, setting: string, ctx: CommandContext): Promise<EngineId | undefined> {
  if (setting === 'runc' || setting === 'docker') return chooseEngine(report, setting);
  const both = report.engines.runc.ok && report.engines.docker.ok;
  if (setting === 'auto' || !both) return chooseEngine(report);
  ctx.log.debug('Both engines available: asking');
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'runc', description: 'fastest; keeps CRIU statistics (frozen time, pages)', id: 'runc' as const },
      { label: 'docker', description: "Docker's checkpoint API", id: 'docker' as const },
    ],
    { title: 'Checkpoint engine', placeHolder: 'Enter for runc (set cryo.checkpoint.engine to stop asking)' },
  );
  return picked?.id;
}

/**
 * Before a checkpoint that stops the container: on Docker 28+ its restore recreates it (say
 * what changes), or it could never come back (say why, offer leave-running instead).
 */
async function confirmStop<T extends { leaveRunning: boolean }>(target: PickedContainer, options: T): Promise<T | undefined> {
  const route = await restoreRouteOf(target.host, await target.host.docker.getContainer(target.info.id).inspect());
  if (route.route === 'in-place') return options;
  if (route.route === 'refused') {
    const instead = 'Leave Running Instead';
    const answer = await vscode.window.showErrorMessage(`Cryo will not stop ${target.info.name}: it could not be restored. ${route.reason}`, { modal: true }, instead);
    return answer === instead ? { ...options, leaveRunning: true } : undefined;
  }
  const go = 'Checkpoint and Stop';
  const answer = await vscode.window.showWarningMessage(`${target.info.name} on ${target.host.name}: ${describeRoute(route)}`, { modal: true }, go);
  return answer === go ? options : undefined;
}
