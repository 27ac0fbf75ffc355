import * as vscode from 'vscode';
import { describeVolumePlan, formatBytes, migrateContainer, MigrationFailedError, phaseTitle, planVolumes, targetFormFor, targetFormLine, type DockerHost, type MigrationPhase, type MigrationRecord, type VolumeMode, type VolumePlan } from '../../core/index.js';
import type { ContainerNode } from '../tree/nodes.js';
import { reportError, withCancellableProgress } from '../ui/progress.js';
import type { CommandContext } from './context.js';
import { containerCriuOptions } from './criuOptions.js';
import { pickContainer, type PickedContainer } from './pickers.js';

const WITHOUT_VOLUMES = 'Migrate Without Volume Contents';
const PHASES: MigrationPhase[] = ['preflight', 'image', 'create', 'volumes', 'checkpoint', 'volume-changes', 'filesystem', 'transfer', 'restore', 'verify'];

/**
 * "Migrate Container…": pick the container and the target host, confirm a summary
 * (with the downtime past runs suggest), then run phase by phase with cancel.
 */
export function migrateCommand(ctx: CommandContext) {
  return async (node?: ContainerNode): Promise<void> => {
    const source: PickedContainer | undefined = node ? { host: node.host, info: node.info } : await pickContainer(ctx, (c) => c.state === 'running', 'Container to migrate');
    if (!source) return;
    const targets = ctx.hosts.all().filter((h) => h !== source.host);
    if (targets.length === 0) {
      void vscode.window.showWarningMessage('Cryo: there is no other host to migrate to. Add one with "Cryo: Add Docker Host…".');
      return;
    }
    const target = await pickTarget(targets);
    if (!target) return;
    const go = 'Migrate';
    const inspect = await source.host.docker.getContainer(source.info.id).inspect();
    const volumePlan = await planVolumes(source.host, inspect);
    const targetForm = await targetFormFor(source.host, inspect, target);
    const form = targetFormLine(targetForm, target.name);
    if (targetForm.form === 'refused') {
      // Refused before anything is frozen: preflight would say the same, later.
      void vscode.window.showErrorMessage(`Cryo: ${form ?? ''}`, { modal: true });
      return;
    }
    // Dumped with the settings' defaults plus what its newest checkpoint needed; said in the summary.
    const criu = await containerCriuOptions(source.host, source.info.id);
    const summary = await describe(ctx, source, target, volumePlan, criu.why, form);
    // The user chooses whether local volumes are copied (e.g. not when both hosts share the storage).
    const choices = volumePlan.travel.length ? [go, WITHOUT_VOLUMES] : [go];
    const choice = await vscode.window.showInformationMessage(summary, { modal: true }, ...choices);
    if (choice === undefined) return;
    const volumes: VolumeMode = choice === WITHOUT_VOLUMES ? 'skip' : 'copy';
    const removeSource = vscode.workspace.getConfiguration('cryo').get<boolean>('migration.removeSource', false);
    const precopy = preCopySetting() !== 'off';
    try {
      const rec = await withCancellableProgress(`Cryo: migrating ${source.info.name} to ${target.name}`, (say, signal) =>
        migrateContainer(source.host, target, source.info.id, { signal, removeSource, precopy, volumes, ...(criu.criu ? { criu: criu.criu } : {}), onPhase: (p, codec) => say(`${PHASES.indexOf(p) + 1}/${PHASES.length} ${phaseTitle(p, codec)}`) }, ctx.store),
      );
      ctx.log.info(`Migration ${rec.container} ${rec.source} -> ${rec.target}: ${JSON.stringify({ phasesMs: rec.phasesMs, bytes: rec.bytes, downtimeMs: rec.downtimeMs })}`);
      if (rec.precopyFinish) ctx.log.info(`Pre-copy of ${rec.container}: ${rec.precopyRounds?.length ?? 0} round(s) shipped while running; ${rec.precopyFinish.why}`);
      for (const w of rec.warnings) ctx.log.warn(w);
      void vscode.window.showInformationMessage(
        `Cryo: ${rec.container} now runs on ${rec.target} (downtime ${((rec.downtimeMs ?? 0) / 1000).toFixed(2)} s, ${formatBytes(rec.bytes.checkpoint + rec.bytes.filesystem + rec.bytes.image + (rec.bytes.volumes ?? 0))} moved).` +
          (removeSource ? '' : ` The source is kept, stopped, on ${rec.source}.`),
      );
    } catch (e) {
      if (e instanceof MigrationFailedError && e.name !== 'AbortError') {
        // After the freeze the one-line notice must say where the container is now, not only what broke.
        ctx.log.error(`Migration stopped in phase ${e.phase}; source ${e.sourceState}, target ${e.targetState}.\n${e.message}`);
        const how = e.cause instanceof Error && e.cause.name === 'AbortError' ? 'cancelled' : 'failed';
        const choice = await vscode.window.showErrorMessage(`Cryo: migration of ${source.info.name} ${how} (${phaseTitle(e.phase, e.codec)}). ${e.detail}`, 'Show Log');
        if (choice === 'Show Log') ctx.log.show(true);
      } else {
        await reportError(ctx.log, `migration of ${source.info.name}`, e);
      }
    } finally {
      ctx.refresh.request();
    }
  };
}

async function pickTarget(targets: readonly DockerHost[]): Promise<DockerHost | undefined> {
  if (targets.length === 1) return targets[0];
  const picked = await vscode.window.showQuickPick(
    targets.map((h) => ({ label: h.name, description: h.endpoint, host: h })),
    { placeHolder: 'Target host' },
  );
  return picked?.host;
}

/** What will move, and what the last comparable migrations cost. */
async function describe(ctx: CommandContext, source: PickedContainer, target: DockerHost, volumes: VolumePlan, criuLine: string, form: string | undefined): Promise<string> {
  const past = (await ctx.store.readAll()).filter((r): r is MigrationRecord => r.kind === 'migration' && r.outcome === 'ok' && r.source === source.host.name && r.target === target.name);
  const last = past.slice(-5).map((r) => r.downtimeMs ?? 0).sort((a, b) => a - b);
  const expected = last.length ? `Past migrations ${source.host.name} → ${target.name}: downtime median ${(last[Math.floor(last.length / 2)]! / 1000).toFixed(2)} s over ${last.length} run(s).` : 'No past migration between these hosts to estimate the downtime from.';
  return [
    `Migrate ${source.info.name} (${source.info.image}) from ${source.host.name} to ${target.name}?`,
    'Cryo checks both hosts first, copies the image if needed, then freezes the container, copies its changed files and memory, and restores it on the target.',
    await methodLine(source.host),
    criuLine,
    ...volumeLines(volumes),
    ...(form ? [form] : []),
    `The source container is ${vscode.workspace.getConfiguration('cryo').get<boolean>('migration.removeSource', false) ? 'removed' : 'kept, stopped'} afterwards; on any failure it is restored where it was.`,
    expected,
  ].join('\n\n');
}

/** What happens to each volume and mount, named before anything is frozen. */
function volumeLines(plan: VolumePlan): string[] {
  if (!plan.travel.length && !plan.stay.length) return [];
  const lines = describeVolumePlan(plan, 'copy').map((l) => `• ${l}`);
  if (plan.travel.length) lines.push(`"${WITHOUT_VOLUMES}" leaves the volumes' contents where they are (e.g. storage both hosts share).`);
  return [`Volumes and mounts:\n${lines.join('\n')}`];
}

function preCopySetting(): 'auto' | 'off' {
  return vscode.workspace.getConfiguration('cryo').get<string>('migration.preCopy', 'auto') === 'off' ? 'off' : 'auto';
}

/** Which way memory will move, and why, so the user is not surprised by the downtime. */
async function methodLine(source: DockerHost): Promise<string> {
  if (preCopySetting() === 'off') return 'Memory: stop-and-copy (cryo.migration.preCopy is off).';
  const preDump = (await source.capabilities()).preDump;
  return preDump.ok
    ? 'Memory: pre-copy — shipped in pre-dump rounds while the container runs, then only the last changes while it is frozen (set cryo.migration.preCopy to off for stop-and-copy).'
    : `Memory: stop-and-copy — pre-copy is unavailable on ${source.name}: ${preDump.reason ?? 'no dirty-memory tracking'}.`;
}
