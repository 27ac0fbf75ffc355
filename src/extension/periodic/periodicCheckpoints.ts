import * as vscode from 'vscode';
import { formatPeriod, startPeriodic, TickerRegistry, type DockerHost, type PeriodicHandle, type PeriodicPlan, type ResultsStore, type TickerEvent } from '../../core/index.js';
import type { Logger } from '../ui/logger.js';

interface Tally {
  name: string;
  versions: number;
  stopped?: boolean;
}

interface Running {
  host: DockerHost;
  containerId: string;
  handle: PeriodicHandle;
  plan: PeriodicPlan;
  tally: Tally;
}

/**
 * The periodic checkpoints running in this window, one ticker per container. They live as
 * long as the window: closing it stops them cleanly (a version in progress is finished).
 */
export class PeriodicCheckpoints implements vscode.Disposable {
  private readonly running = new Map<string, Running>();
  /** Gates starts and holds the shutdown barrier (core/periodic/registry.ts, unit-tested). */
  private readonly tickers = new TickerRegistry<PeriodicHandle>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** A ticker started, made a version or stopped: the tree redraws. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly log: Logger,
    private readonly store: ResultsStore,
  ) {}

  async start(host: DockerHost, containerId: string, plan: PeriodicPlan): Promise<PeriodicHandle> {
    const key = keyOf(host, containerId);
    // Counted from the first event on: the first version is made before startPeriodic returns.
    const tally: Tally = { name: containerId.slice(0, 12), versions: 0 };
    // A ticker still starting when the window closes is stopped too: stopAll waits for it.
    const handle = await this.tickers.start(key, () => startPeriodic(host, containerId, plan, { store: this.store, onEvent: (e) => this.onEvent(key, tally, e) }));
    tally.name = handle.container;
    // A ticker that already stopped (e.g. its first version failed three times) is not listed.
    if (!tally.stopped) this.running.set(key, { host, containerId, handle, plan, tally });
    this.log.info(`Periodic checkpoints of ${handle.container} on ${host.name}: every ${formatPeriod(plan.everyMs)}, keeping ${plan.keep}${handle.preDump ? ', pre-dump first' : ''}`);
    if (handle.preDumpUnavailable) this.log.warn(`Pre-dump is unavailable on ${host.name}, so versions are full dumps: ${handle.preDumpUnavailable}`);
    this.changed.fire();
    return handle;
  }

  /** Stops a container's ticker; resolves once a version in progress is done. */
  async stop(host: DockerHost, containerId: string): Promise<void> {
    await this.running.get(keyOf(host, containerId))?.handle.stop();
  }

  /** "every 1 min, keeps 5, 3 made" for the tree; undefined when none runs. */
  describe(host: DockerHost, containerId: string): string | undefined {
    const r = this.running.get(keyOf(host, containerId));
    return r && `every ${formatPeriod(r.plan.everyMs)}, keeps ${r.plan.keep}, ${r.tally.versions} made`;
  }

  active(): { host: DockerHost; containerId: string; container: string }[] {
    return [...this.running.values()].map((r) => ({ host: r.host, containerId: r.containerId, container: r.handle.container }));
  }

  /**
   * Stops every ticker; settles once each version in flight is made and recorded, so the
   * hosts it runs on must stay open until then (extension.ts closes them after). Idempotent.
   */
  stopAll(): Promise<void> {
    return this.tickers.stopAll();
  }

  /** Returns stopAll's promise: extension.ts closes the hosts only once it settles. */
  dispose(): Promise<void> {
    const stopped = this.stopAll();
    this.changed.dispose();
    return stopped;
  }

  private onEvent(key: string, tally: Tally, e: TickerEvent): void {
    const name = tally.name;
    switch (e.kind) {
      case 'version':
        tally.versions++;
        this.log.info(`Periodic checkpoint ${e.name} of ${name}${e.deleted.length ? `; removed ${e.deleted.join(', ')}` : ''}`);
        if (e.retentionError) this.log.warn(`Could not remove an old version of ${name}: ${e.retentionError}`);
        break;
      case 'skipped':
        this.log.info(`Periodic checkpoint of ${name} skipped: ${e.busy ?? `${e.busyWith} still running`}`);
        return;
      case 'failed':
        this.log.warn(`Periodic checkpoint of ${name} failed (${e.consecutive} in a row): ${e.error}`);
        break;
      case 'stopped':
        tally.stopped = true;
        this.running.delete(key);
        this.log.info(`Periodic checkpoints of ${name} stopped: ${e.summary.message}`);
        if (e.summary.reason === 'failures' || e.summary.reason === 'not-running') {
          void vscode.window.showWarningMessage(`Cryo: periodic checkpoints of ${name} stopped: ${e.summary.message}`);
        }
        break;
    }
    this.changed.fire();
  }
}

const keyOf = (host: DockerHost, containerId: string) => `${host.name}\u0000${containerId}`;
