import { MAX_CONSECUTIVE_FAILURES, ownVersions, validatePlan, versionName, type PeriodicPlan, type ValidPlan } from './plan.js';

/** What one version cost, as far as the checkpoint reports it (a CheckpointRecord fits). */
export interface VersionStats {
  wallMs?: number;
  imageBytes?: number;
  engine?: string;
}

/**
 * Everything the ticker does to Docker, behind a seam so the timing and retention rules
 * are testable without a daemon (dockerTickerOps is the real one).
 */
export interface TickerOps {
  /** Dumps one leave-running version; throws when it failed. */
  checkpoint(name: string): Promise<VersionStats | void>;
  /** All checkpoint names of the container; the ticker picks out its own. */
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
  isRunning(): Promise<boolean>;
}

/** Wall clock (epoch ms, also used for version names) and timers, injectable for tests. */
export interface TickerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: TickerTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type StopReason = 'requested' | 'count' | 'failures' | 'not-running';

export interface TickerSummary {
  reason: StopReason;
  message: string;
  versions: number;
  skipped: number;
  failed: number;
}

export type TickerEvent =
  | { kind: 'version'; at: Date; name: string; seq: number; stats?: VersionStats; deleted: string[]; kept: string[]; retentionError?: string }
  | { kind: 'skipped'; at: Date; busyWith: string; skipped: number; /** Another operation held the container (ContainerBusyError's message). */ busy?: string }
  | { kind: 'failed'; at: Date; name?: string; error: string; consecutive: number }
  | { kind: 'stopped'; at: Date; summary: TickerSummary };

export interface TickerOptions {
  onEvent?: (e: TickerEvent) => void;
  timers?: TickerTimers;
  /** The container's name, for messages. */
  label?: string;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/**
 * Seed 002 §3.4.1 (Algorithm 1): a new checkpoint version every period, the oldest of the
 * ticker's own versions deleted beyond `keep`. The first version is made at start, then at
 * start + k·T (fixed rate, so slow ticks do not make the schedule drift). Ticks never
 * overlap: one that comes while the previous still runs is skipped and counted, since
 * queueing it would only make two versions of nearly the same moment.
 */
export class CheckpointTicker {
  readonly plan: ValidPlan;
  /** Settles once, when the ticker has stopped for any reason and no tick is in flight. */
  readonly done: Promise<TickerSummary>;
  private settleDone!: (s: TickerSummary) => void;
  private readonly timers: TickerTimers;
  private timer: unknown;
  private dueAt = 0;
  private started = false;
  private inFlight: Promise<void> | undefined;
  private current = '';
  private seq = 0;
  private counts = { versions: 0, skipped: 0, failed: 0 };
  private consecutive = 0;
  private stopping: { reason: StopReason; message: string } | undefined;
  private settled = false;

  constructor(private readonly ops: TickerOps, plan: PeriodicPlan, private readonly opts: TickerOptions = {}) {
    this.plan = validatePlan(plan);
    this.timers = opts.timers ?? REAL_TIMERS;
    this.done = new Promise((resolve) => (this.settleDone = resolve));
  }

  /** Makes the first version now and schedules the rest. */
  start(): this {
    if (this.started) throw new Error('The ticker is already started.');
    this.started = true;
    if (this.stopping) return this;
    this.dueAt = this.timers.now();
    this.fire();
    return this;
  }

  /** Stops the schedule; a tick in flight finishes (dump and retention) before this resolves. */
  stop(): Promise<TickerSummary> {
    this.finish('requested', 'stopped on request');
    if (!this.inFlight) this.settle();
    return this.done;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopping) return;
    // After a long pause (a suspended laptop) catch up with one tick, not a burst.
    this.dueAt = Math.max(this.dueAt + this.plan.everyMs, this.timers.now());
    this.timer = this.timers.setTimeout(() => this.fire(), this.dueAt - this.timers.now());
    if (this.inFlight) {
      this.counts.skipped++;
      this.emit({ kind: 'skipped', at: this.date(), busyWith: this.current, skipped: this.counts.skipped });
      return;
    }
    this.inFlight = this.tick().finally(() => {
      this.inFlight = undefined;
      if (this.stopping) this.settle();
    });
  }

  private async tick(): Promise<void> {
    const at = this.date();
    let mine: { name: string; seq: number }[] = [];
    let name: string | undefined;
    let stats: VersionStats | void;
    try {
      if (!(await this.ops.isRunning())) return this.finish('not-running', this.goneMessage());
      mine = ownVersions(this.plan.prefix, await this.ops.list());
      // Number on after any version already there (an earlier run of the ticker).
      this.seq = Math.max(this.seq, mine.at(-1)?.seq ?? 0) + 1;
      name = this.current = versionName(this.plan.prefix, at, this.seq);
      stats = await this.ops.checkpoint(name);
    } catch (e) {
      // A restore, migration or manual checkpoint of the container is under way: not a failure.
      if (e instanceof Error && e.name === 'ContainerBusyError') {
        this.counts.skipped++;
        return this.emit({ kind: 'skipped', at, busyWith: name ?? '', skipped: this.counts.skipped, busy: messageOf(e) });
      }
      return this.failed(at, name, messageOf(e));
    }
    this.consecutive = 0;
    this.counts.versions++;
    const all = [...mine.map((v) => v.name), name];
    const old = all.slice(0, Math.max(0, all.length - this.plan.keep));
    const deleted: string[] = [];
    let retentionError: string | undefined;
    for (const n of old) {
      try {
        await this.ops.remove(n);
        deleted.push(n);
      } catch (e) {
        // The new version is good; a version that will not go away is reported, not a failed tick.
        retentionError ??= `${n}: ${messageOf(e)}`;
      }
    }
    const kept = all.filter((n) => !deleted.includes(n));
    this.emit({ kind: 'version', at, name, seq: this.seq, ...(stats ? { stats } : {}), deleted, kept, ...(retentionError ? { retentionError } : {}) });
    if (this.plan.count !== undefined && this.counts.versions >= this.plan.count) this.finish('count', `made the ${this.plan.count} versions asked for`);
  }

  private async failed(at: Date, name: string | undefined, error: string): Promise<void> {
    this.counts.failed++;
    this.consecutive++;
    this.emit({ kind: 'failed', at, ...(name ? { name } : {}), error, consecutive: this.consecutive });
    if (this.consecutive >= MAX_CONSECUTIVE_FAILURES) return this.finish('failures', `${this.consecutive} versions in a row failed; the last: ${error}`);
    // A container that stopped during the dump fails it; say that rather than retry.
    const running = await this.ops.isRunning().catch(() => true);
    if (!running) this.finish('not-running', this.goneMessage());
  }

  /** Ends the schedule with the first reason given; settling waits for the tick in flight. */
  private finish(reason: StopReason, message: string): void {
    this.stopping ??= { reason, message };
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(): void {
    if (this.settled || !this.stopping) return;
    this.settled = true;
    const summary: TickerSummary = { ...this.stopping, ...this.counts };
    this.emit({ kind: 'stopped', at: this.date(), summary });
    this.settleDone(summary);
  }

  private emit(e: TickerEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // A listener's bug must not stop the checkpoints it listens to.
    }
  }

  private goneMessage(): string {
    return `${this.opts.label ? `container ${this.opts.label}` : 'the container'} is no longer running`;
  }

  private date(): Date {
    return new Date(this.timers.now());
  }
}
