import * as vscode from 'vscode';
import type { DockerHost } from '../../core/index.js';
import type { HostRegistry } from '../hosts/hostRegistry.js';
import type { Logger } from '../ui/logger.js';

const DEBOUNCE_MS = 500;
const RECONNECT_MS = 5_000;

/**
 * Owns refreshing: Docker's event stream per host (container start/die/checkpoint...),
 * host-list changes and explicit requests after Cryo's own commands, all debounced so a
 * burst of events repaints the tree once.
 */
export class RefreshManager implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly streams = new Map<string, { destroy(): void }>();
  private readonly reconnects = new Set<NodeJS.Timeout>();
  /** Hosts whose stream failed: when it comes back, their cached probe is stale too. */
  private readonly lost = new Set<string>();
  private disposed = false;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly hosts: HostRegistry,
    private readonly repaint: () => void,
    private readonly log: Logger,
  ) {
    this.subscription = hosts.onDidChange(() => {
      this.watchAll();
      this.request();
    });
    this.watchAll();
  }

  /** Ask for a repaint; several requests within the debounce window make one. */
  request(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.repaint(), DEBOUNCE_MS);
  }

  private watchAll(): void {
    const names = new Set(this.hosts.all().map((h) => h.name));
    for (const [name, stream] of this.streams) {
      if (!names.has(name)) {
        stream.destroy();
        this.streams.delete(name);
      }
    }
    for (const host of this.hosts.all()) if (!this.streams.has(host.name)) void this.watch(host);
  }

  private async watch(host: DockerHost): Promise<void> {
    try {
      const stream = (await host.docker.getEvents({ filters: { type: ['container'] } })) as NodeJS.ReadableStream & { destroy(): void };
      if (this.disposed) return stream.destroy();
      this.streams.set(host.name, stream);
      if (this.lost.delete(host.name)) {
        host.refresh();
        this.request();
      }
      stream.on('data', () => this.request());
      const retry = () => {
        if (this.streams.get(host.name) !== stream) return;
        this.streams.delete(host.name);
        this.scheduleReconnect(host);
      };
      stream.on('error', retry);
      stream.on('end', retry);
    } catch (e) {
      this.log.debug(`Docker events of ${host.name} unavailable: ${String(e)}`);
      this.scheduleReconnect(host);
    }
  }

  private scheduleReconnect(host: DockerHost): void {
    if (this.disposed) return;
    this.lost.add(host.name);
    const t = setTimeout(() => {
      this.reconnects.delete(t);
      if (this.hosts.byName(host.name) === host && !this.streams.has(host.name)) void this.watch(host);
    }, RECONNECT_MS);
    this.reconnects.add(t);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const t of this.reconnects) clearTimeout(t);
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.subscription.dispose();
  }
}
