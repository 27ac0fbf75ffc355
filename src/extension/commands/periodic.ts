import * as vscode from 'vscode';
import { describeCriuOptions, formatPeriod, MIN_PERIOD_MS, parsePeriod, type PeriodicPlan } from '../../core/index.js';
import { containerCriuOptions } from './criuOptions.js';
import type { ContainerNode } from '../tree/nodes.js';
import { reportError } from '../ui/progress.js';
import type { CommandContext } from './context.js';
import { pickContainer, type PickedContainer } from './pickers.js';

const PERIODS = ['30s', '1m', '5m', '15m', '1h'];
const OTHER = 'Other…';

/**
 * "Checkpoint Periodically…" (seed 002's checkpoint ticker): a new leave-running version
 * every period, the oldest beyond "keep" removed, each through the host's scheduler.
 */
export function checkpointPeriodicallyCommand(ctx: CommandContext) {
  const { periodic } = ctx;
  return async (node?: ContainerNode): Promise<void> => {
    const target: PickedContainer | undefined = node ? { host: node.host, info: node.info } : await pickContainer(ctx, (c) => c.state === 'running', 'Container to checkpoint periodically');
    if (!target) return;
    const plan = await askPlan(target);
    if (!plan) return;
    try {
      // The first version is made before this returns; the ticker has no half-way to cancel to.
      const handle = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cryo: first periodic checkpoint of ${target.info.name}` }, () => periodic.start(target.host, target.info.id, plan));
      const note = handle.preDumpUnavailable ? ` Pre-dump is unavailable here, so each version is a full dump (${handle.preDumpUnavailable.split(':')[0]}).` : '';
      const withCriu = plan.criu ? ` CRIU options: ${describeCriuOptions(plan.criu)}.` : '';
      void vscode.window.showInformationMessage(`Cryo: checkpointing ${handle.container} every ${formatPeriod(plan.everyMs)}, keeping the newest ${plan.keep}.${note}${withCriu}`);
    } catch (e) {
      await reportError(ctx.log, `periodic checkpoints of ${target.info.name}`, e);
    } finally {
      ctx.refresh.request();
    }
  };
}

export function stopPeriodicCommand(ctx: CommandContext) {
  const { periodic } = ctx;
  return async (node?: ContainerNode): Promise<void> => {
    let target = node && { host: node.host, containerId: node.info.id, container: node.info.name };
    if (!target) {
      const active = periodic.active();
      if (active.length === 0) {
        void vscode.window.showInformationMessage('Cryo: no periodic checkpoints are running.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        active.map((a) => ({ label: a.container, description: `${a.host.name} · ${periodic.describe(a.host, a.containerId) ?? ''}`, a })),
        { placeHolder: 'Stop periodic checkpoints of' },
      );
      target = picked?.a;
    }
    if (!target) return;
    const t = target;
    // Stopping waits for a version in progress, so nothing is left half-written.
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cryo: stopping periodic checkpoints of ${t.container}` }, () => periodic.stop(t.host, t.containerId));
    void vscode.window.showInformationMessage(`Cryo: periodic checkpoints of ${t.container} stopped; its versions are kept.`);
    ctx.refresh.request();
  };
}

async function askPlan(target: PickedContainer): Promise<PeriodicPlan | undefined> {
  const title = `Checkpoint ${target.info.name} periodically`;
  const period = await vscode.window.showQuickPick([...PERIODS.map((p) => ({ label: `every ${formatPeriod(parsePeriod(p)!)}`, p })), { label: OTHER, p: '' }], { title, placeHolder: 'How often' });
  if (!period) return undefined;
  let everyMs = parsePeriod(period.p);
  if (everyMs === undefined) {
    const text = await vscode.window.showInputBox({
      title,
      prompt: 'Period, with a unit: 10s, 2m, 1h',
      validateInput: (v) => {
        const ms = parsePeriod(v);
        return ms === undefined ? 'A number with a unit: ms, s, m or h (e.g. 10s).' : ms < MIN_PERIOD_MS ? `At least ${MIN_PERIOD_MS / 1000} s.` : undefined;
      },
    });
    if (text === undefined) return undefined;
    everyMs = parsePeriod(text)!;
  }
  const keepText = await vscode.window.showInputBox({
    title,
    prompt: 'How many versions to keep (older ones are removed; your other checkpoints are never touched)',
    value: '5',
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'A whole number, at least 1.'),
  });
  if (keepText === undefined) return undefined;
  const preDump = (await target.host.capabilities()).preDump.ok;
  // Every version is dumped with the settings' CRIU options plus those its newest checkpoint needed.
  const { criu } = await containerCriuOptions(target.host, target.info.id);
  return { everyMs, keep: Number(keepText.trim()), preDump, ...(criu ? { criu } : {}) };
}
