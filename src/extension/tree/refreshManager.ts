import * as vscode from 'vscode';
import { watchHostEvents, type DockerHost, type HostEventWatch } from '../../core/index.js';
import type { HostRegistry } from '../hosts/hostRegistry.js';
import type { Logger } from '../ui/logger.js';

const DEBOUNCE_MS = 500;
const RECONNECT_MS = 2_000;

/**
 * Owns refreshing: Docker's event stream per host (container start/die/checkpoint...; a
 * daemon that goes away or comes back: core/host/eventWatch.ts), host-list changes and
 * explicit requests after Cryo's own commands, all debounced so a burst of events repaints
 * the tree once.
 */
export class RefreshManager implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly watches = new Map<string, { host: DockerHost; watch: HostEventWatch }>();
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
    const current = new Set(this.hosts.all());
    for (const [name, w] of this.watches) {
      if (!current.has(w.host)) {
        w.watch.dispose();
        this.watches.delete(name);
      }
    }
    for (const host of current) if (!this.watches.has(host.name)) this.watches.set(host.name, { host, watch: this.watch(host) });
  }

  /**
   * The end of a host's event stream turns it unreachable in the tree within a second when
   * its daemon is gone (the repaint lists it again and fails), and back when it answers.
   */
  private watch(host: DockerHost): HostEventWatch {
    return watchHostEvents(host, {
      onEvent: () => this.request(),
      onLost: (reason) => {
        this.log.warn(`Host ${host.name} is unreachable: ${reason}`);
        host.refresh(); // its cached probe is stale
        this.request();
      },
      onBack: () => {
        this.log.info(`Host ${host.name} answers again`);
        host.refresh();
        this.request();
      },
    }, { reconnectMs: RECONNECT_MS });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const w of this.watches.values()) w.watch.dispose();
    this.watches.clear();
    this.subscription.dispose();
  }
}
