import * as vscode from 'vscode';
import type { HostRegistry } from '../hosts/hostRegistry.js';

const SETTING = 'checkpoint.maxFrozenSeconds';

/**
 * Hands `cryo.checkpoint.maxFrozenSeconds` to every host, so each dump (a checkpoint, a
 * periodic version, a migration's freeze) is bounded by it; 0 leaves the core's default,
 * which scales with the container's memory.
 */
export function applyFrozenLimitSetting(hosts: HostRegistry): vscode.Disposable {
  const apply = () => {
    const s = vscode.workspace.getConfiguration('cryo').get<number>(SETTING, 0);
    const ms = Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : undefined;
    for (const h of hosts.all()) h.maxFrozenMs = ms;
  };
  apply();
  return vscode.Disposable.from(
    hosts.onDidChange(apply),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`cryo.${SETTING}`)) apply();
    }),
  );
}
