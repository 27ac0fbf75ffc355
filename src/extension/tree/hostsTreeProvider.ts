import * as vscode from 'vscode';
import type { DockerHost } from '../../core/index.js';
import type { HostRegistry } from '../hosts/hostRegistry.js';
import type { Logger } from '../ui/logger.js';
import { CheckpointNode, ContainerNode, HostMessageNode, HostNode, type CryoNode } from './nodes.js';

/** Each host answers on its own clock: a slow or dead one never blocks the others. */
const HOST_TIMEOUT_MS = 15_000;

export class HostsTreeProvider implements vscode.TreeDataProvider<CryoNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<CryoNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Last children handed out, so tests and commands can find nodes without re-querying. */
  private readonly lastChildren = new Map<string, CryoNode[]>();
  private readonly testing = new Set<DockerHost>();
  private disposed = false;

  constructor(
    private readonly hosts: HostRegistry,
    private readonly log: Logger,
    /** What periodic checkpoints run on a container, for its row. */
    private readonly periodicOf: (host: DockerHost, containerId: string) => string | undefined = () => undefined,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: CryoNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: CryoNode): Promise<CryoNode[]> {
    const children = await this.childrenOf(node);
    this.lastChildren.set(node ? keyOf(node) : 'root', children);
    return children;
  }

  /** The nodes currently shown under a parent (root when omitted). */
  shown(parent?: CryoNode): readonly CryoNode[] {
    return this.lastChildren.get(parent ? keyOf(parent) : 'root') ?? [];
  }

  private async childrenOf(node?: CryoNode): Promise<CryoNode[]> {
    if (!node) return Promise.all(this.hosts.all().map((h) => this.hostNode(h)));
    switch (node.kind) {
      case 'host':
        return this.hostChildren(node);
      case 'container':
        return this.checkpointChildren(node);
      default:
        return [];
    }
  }

  private async hostNode(host: DockerHost): Promise<HostNode> {
    const removable = this.hosts.specOf(host)?.source === 'setting';
    try {
      const report = await withTimeout(host.capabilities(), HOST_TIMEOUT_MS, `probing ${host.name}`);
      if (report.raw.restoreTest?.outcome === 'pending') this.whenRestoreTested(host);
      return new HostNode(host, report, removable);
    } catch (e) {
      this.log.warn(`Probe of ${host.name} failed: ${String(e)}`);
      return new HostNode(host, undefined, removable);
    }
  }

  /** The restore behaviour test runs in the background (once per daemon): show its answer when it comes. */
  private whenRestoreTested(host: DockerHost): void {
    if (this.testing.has(host)) return;
    this.testing.add(host);
    void host
      .restoreInPlace()
      .then((f) => this.log.info(`Restore in place on ${host.name}: ${f.ok ? 'works' : 'not relied on'} — ${f.reason ?? ''}`))
      .catch((e: unknown) => this.log.warn(`Restore test on ${host.name} failed: ${String(e)}`))
      .finally(() => {
        this.testing.delete(host);
        if (!this.disposed) this.refresh();
      });
  }

  private async hostChildren(node: HostNode): Promise<CryoNode[]> {
    const { host, report } = node;
    if (!report) return [new HostMessageNode(host, 'Host did not answer in time', `Probing ${host.endpoint} took longer than ${HOST_TIMEOUT_MS / 1000} s.`, 'retry')];
    if (report.blocker && !report.docker.ok) {
      return [new HostMessageNode(host, report.blocker.message, report.docker.reason ?? '', report.blocker.action)];
    }
    const out: CryoNode[] = [];
    if (report.blocker) {
      const detail = [report.experimental, report.criu].find((f) => !f.ok)?.reason ?? '';
      out.push(new HostMessageNode(host, report.blocker.message, detail, report.blocker.action));
    }
    try {
      const containers = await withTimeout(host.listContainers(), HOST_TIMEOUT_MS, `listing containers on ${host.name}`);
      out.push(...containers.map((c) => new ContainerNode(host, c, this.periodicOf(host, c.id))));
    } catch (e) {
      out.push(new HostMessageNode(host, 'Failed to list containers', String(e), 'retry'));
    }
    return out;
  }

  private async checkpointChildren(node: ContainerNode): Promise<CryoNode[]> {
    const report = await node.host.capabilities().catch(() => undefined);
    // Without experimental mode the checkpoint endpoints answer 501: nothing to list.
    if (!report?.experimental.ok) return [];
    try {
      const list = await withTimeout(node.host.listCheckpoints(node.info.id), HOST_TIMEOUT_MS, 'listing checkpoints');
      return list.map((cp) => new CheckpointNode(node.host, node.info, cp));
    } catch (e) {
      this.log.warn(`Listing checkpoints of ${node.info.name} failed: ${String(e)}`);
      return [new HostMessageNode(node.host, 'Failed to list checkpoints', String(e), 'retry')];
    }
  }

  dispose(): void {
    this.disposed = true;
    this.changed.dispose();
  }
}

function keyOf(node: CryoNode): string {
  return node.toTreeItem().id ?? '';
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms / 1000} s ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
