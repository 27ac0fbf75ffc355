import * as vscode from 'vscode';
import { CRIU_OPTIONS, describeCriuOptions, mergeCriuOptions, newestCheckpointOptions, normalizeCriuOptions, type CriuOptionKey, type CriuOptions, type DockerHost } from '../../core/index.js';

/** The defaults from settings: cryo.checkpoint.criuOptions.tcpEstablished and the others. */
export function criuDefaults(): CriuOptions | undefined {
  const cfg = vscode.workspace.getConfiguration('cryo.checkpoint.criuOptions');
  return normalizeCriuOptions(Object.fromEntries(CRIU_OPTIONS.map((o) => [o.key, cfg.get<boolean>(o.key, false)])) as CriuOptions);
}

export type CriuOptionItem = vscode.QuickPickItem & { criu: CriuOptionKey };

/** One multi-select row per CRIU option, with when it is needed; `picked` from the given set. */
export function criuOptionItems(selected: CriuOptions | undefined, runcOk: boolean): (CriuOptionItem | vscode.QuickPickItem)[] {
  return [
    { label: runcOk ? 'CRIU options (runc engine)' : 'CRIU options (need the runc engine, unavailable here)', kind: vscode.QuickPickItemKind.Separator },
    ...CRIU_OPTIONS.map((o): CriuOptionItem => ({ criu: o.key, label: o.label, description: o.cliFlag, detail: `Needed when ${o.when}.`, picked: selected?.[o.key] === true })),
  ];
}

export function pickedCriuOptions(picked: readonly vscode.QuickPickItem[]): CriuOptions | undefined {
  return normalizeCriuOptions(Object.fromEntries(picked.filter((p): p is CriuOptionItem => 'criu' in p).map((p) => [p.criu, true])) as CriuOptions);
}

/**
 * What a migration or periodic checkpoints of the container dump with: the defaults from
 * settings plus whatever its newest checkpoint needed (a container that needed
 * tcp-established once needs it again).
 */
export async function containerCriuOptions(host: DockerHost, containerId: string): Promise<{ criu?: CriuOptions; why: string }> {
  const defaults = criuDefaults();
  const last = await newestCheckpointOptions(host, containerId).catch(() => undefined);
  const criu = mergeCriuOptions(defaults, last?.criu);
  const from = [defaults ? 'settings (cryo.checkpoint.criuOptions)' : undefined, last?.criu ? `its newest checkpoint ${last.checkpoint}` : undefined].filter(Boolean).join(' and ');
  return { ...(criu ? { criu } : {}), why: criu ? `CRIU options: ${describeCriuOptions(criu)} (from ${from}).` : 'CRIU options: none (set defaults in cryo.checkpoint.criuOptions, or checkpoint it once with the options it needs).' };
}
