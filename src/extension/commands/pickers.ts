import * as vscode from 'vscode';
import type { ContainerInfo, DockerHost } from '../../core/index.js';
import type { CommandContext } from './context.js';

export interface PickedContainer {
  host: DockerHost;
  info: ContainerInfo;
}

export interface PickedCheckpoint extends PickedContainer {
  checkpoint: string;
}

/** From the palette there is no tree node: offer the matching containers of every host. */
export async function pickContainer(ctx: CommandContext, filter: (c: ContainerInfo) => boolean, placeHolder: string): Promise<PickedContainer | undefined> {
  const items = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Cryo: listing containers' }, async () => {
    const perHost = await Promise.all(
      ctx.hosts.all().map(async (host) => {
        const list = await host.listContainers().catch(() => [] as ContainerInfo[]);
        return list.filter(filter).map((info) => ({ label: info.name, description: `${info.image} · ${host.name}`, detail: info.status, host, info }));
      }),
    );
    return perHost.flat();
  });
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`Cryo: no container to choose (${placeHolder.toLowerCase()}).`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  return picked ? { host: picked.host, info: picked.info } : undefined;
}

/** Checkpoints of every container (stopped ones first, since those are what restore serves). */
export async function pickCheckpoint(ctx: CommandContext, placeHolder: string, only?: PickedContainer): Promise<PickedCheckpoint | undefined> {
  const items = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Cryo: listing checkpoints' }, async () => {
    const hosts = only ? [only.host] : ctx.hosts.all();
    const perHost = await Promise.all(
      hosts.map(async (host) => {
        const report = await host.capabilities().catch(() => undefined);
        if (!report?.experimental.ok) return [];
        const containers = only ? [only.info] : await host.listContainers().catch(() => [] as ContainerInfo[]);
        const lists = await Promise.all(
          containers.map(async (info) => {
            const cps = await host.listCheckpoints(info.id).catch(() => []);
            return cps.map((cp) => ({ label: cp.name, description: `${info.name} (${info.state}) · ${host.name}`, host, info, checkpoint: cp.name, stopped: info.state !== 'running' }));
          }),
        );
        return lists.flat();
      }),
    );
    return perHost.flat().sort((a, b) => Number(b.stopped) - Number(a.stopped) || b.label.localeCompare(a.label));
  });
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Cryo: there are no checkpoints yet.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true });
  return picked ? { host: picked.host, info: picked.info, checkpoint: picked.checkpoint } : undefined;
}
