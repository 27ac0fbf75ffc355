import * as vscode from 'vscode';
import {
  CheckpointFailedError,
  chooseEngine,
  criuOptionInfo,
  checkpointContainer,
  defaultCheckpointName,
  describeRoute,
  describeCriuOptions,
  formatBytes,
  hasCriuOptions,
  isValidName,
  mergeCriuOptions,
  missingCriuOptions,
  newestCheckpointOptions,
  restoreRouteOf,
  UnavailableError,
  type CapabilityReport,
  type CheckpointOptions,
  type CriuOptions,
  type EngineId,
} from '../../core/index.js';
import type { ContainerNode } from '../tree/nodes.js';
import { reportError, withCancellableProgress } from '../ui/progress.js';
import type { CommandContext } from './context.js';
import { criuDefaults, criuOptionItems, pickedCriuOptions } from './criuOptions.js';
import { pickContainer, type PickedContainer } from './pickers.js';

interface Choices {
  name: string;
  leaveRunning: boolean;
  preDump: boolean;
  engine: EngineId;
  criu?: CriuOptions;
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
      const record = await checkpointWithOffers(ctx, target, choices);
      if (!record) return;
      const frozen = record.criu ? `, frozen ${(record.criu.frozenTimeUs / 1e6).toFixed(2)} s` : '';
      const size = record.imageBytes !== undefined ? `, ${formatBytes(record.imageBytes)}` : '';
      const criu = record.options.criu ? `, CRIU options ${describeCriuOptions(record.options.criu)}` : '';
      ctx.log.info(`Checkpoint ${record.checkpointName} of ${record.container} on ${record.host}: ${record.engine} engine, ${record.wallMs.toFixed(0)} ms${size}${frozen}${criu}`);
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
  // Pre-dump and CRIU options exist only in the runc engine: nothing to ask (unless the
  // settings insist on docker: the core then refuses and the user is offered runc).
  const setting = vscode.workspace.getConfiguration('cryo').get<string>('checkpoint.engine', 'ask');
  const runcOnly = options.preDump || (hasCriuOptions(options.criu) && setting !== 'docker');
  const engine = runcOnly ? 'runc' : await askEngine(report, setting, ctx);
  if (!engine) return undefined;
  return { name, ...options, engine };
}

type OptionItem = vscode.QuickPickItem & { id: 'leaveRunning' | 'preDump' };

/**
 * Options as a multi-select; pre-dump stays visible when unavailable, with the reason.
 * Below them the CRIU options, preselected from the settings and from what the
 * container's newest checkpoint needed.
 */
async function askOptions(target: PickedContainer, report: CapabilityReport, leaveRunningDefault: boolean): Promise<{ leaveRunning: boolean; preDump: boolean; criu?: CriuOptions } | undefined> {
  const last = await newestOptions(target);
  const base: OptionItem[] = [
    { id: 'leaveRunning', label: 'Leave running', description: 'the container keeps running after the checkpoint', picked: leaveRunningDefault },
    report.preDump.ok
      ? { id: 'preDump', label: 'Pre-dump first', description: 'copy memory while running to cut the frozen time' }
      : // The first clause fits the pick's width; the modal below gives the whole reason.
        { id: 'preDump', label: '$(circle-slash) Pre-dump first (unavailable)', description: 'cannot be selected', detail: (report.preDump.reason ?? '').split(/[,(]/)[0]!.trim() },
  ];
  const items: vscode.QuickPickItem[] = [...base, ...criuOptionItems(mergeCriuOptions(criuDefaults(), last), report.engines.runc.ok)];
  for (;;) {
    const picked = await vscode.window.showQuickPick(items, { title: `Checkpoint ${target.info.name}: options`, canPickMany: true, placeHolder: 'Enter to accept' });
    if (!picked) return undefined;
    const ids = new Set(picked.flatMap((p) => ('id' in p ? [(p as OptionItem).id] : [])));
    if (ids.has('preDump') && !report.preDump.ok) {
      await vscode.window.showWarningMessage(`Pre-dump is unavailable on ${target.host.name}: ${report.preDump.reason ?? ''}`, { modal: true });
      for (const it of items) it.picked = picked.includes(it) && !('id' in it && (it as OptionItem).id === 'preDump');
      continue;
    }
    const criu = pickedCriuOptions(picked);
    return { leaveRunning: ids.has('leaveRunning'), preDump: ids.has('preDump'), ...(criu ? { criu } : {}) };
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

async function newestOptions(target: PickedContainer): Promise<CriuOptions | undefined> {
  return (await newestCheckpointOptions(target.host, target.info.id).catch(() => undefined))?.criu;
}

/**
 * Runs the checkpoint; when the core refuses the docker engine for CRIU options, offers
 * "Use runc engine", and when CRIU refused for a missing option, offers to checkpoint again
 * with it. Returns undefined when the user declined.
 */
async function checkpointWithOffers(ctx: CommandContext, target: PickedContainer, choices: Choices) {
  const run = (c: Choices) =>
    withCancellableProgress(`Cryo: checkpointing ${target.info.name}`, (say, signal) => checkpointContainer(target.host, target.info.id, { ...c, signal, onPhase: say } satisfies CheckpointOptions, ctx.store));
  try {
    return await run(choices);
  } catch (e) {
    if (e instanceof UnavailableError && e.offerEngine === 'runc') {
      ctx.log.warn(e.message);
      const use = 'Use runc engine';
      if ((await vscode.window.showErrorMessage(`Cryo: ${e.message}`, use)) !== use) return undefined;
      return run({ ...choices, engine: 'runc' });
    }
    // The decisive cause (criu/diagnose.ts) names the option when one is the remedy.
    const diagnosis = e instanceof CheckpointFailedError ? e.diagnosis : undefined;
    const missing = diagnosis
      ? diagnosis.option && choices.criu?.[diagnosis.option] !== true ? [criuOptionInfo(diagnosis.option)] : []
      : e instanceof Error && e.name !== 'AbortError' ? missingCriuOptions(e.message, choices.criu) : [];
    if (missing.length === 0) throw e;
    ctx.log.error(`checkpoint of ${target.info.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    const again = `Checkpoint with ${missing.map((m) => m.label).join(' + ')}`;
    const reason = diagnosis?.decisiveLine ?? (e instanceof CheckpointFailedError ? e.criuReason : undefined);
    const choice = await vscode.window.showErrorMessage(`Cryo: checkpoint of ${target.info.name} failed. CRIU says: ${reason ?? `${missing[0]!.label} is needed`}`, again, 'Show Log');
    if (choice === 'Show Log') ctx.log.show(true);
    if (choice !== again) return undefined;
    const criu = mergeCriuOptions(choices.criu, Object.fromEntries(missing.map((m) => [m.key, true])) as CriuOptions);
    return run({ ...choices, ...(criu ? { criu } : {}), engine: 'runc' });
  }
}
