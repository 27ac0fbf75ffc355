import { abortError } from '../exec/localRunner.js';

export type Policy = 'sjf' | 'fifo' | 'unlimited';

export interface SchedulerOptions {
  /** At most this many jobs run at once (ignored by 'unlimited'). */
  concurrency: number;
  /**
   * 'sjf': cheapest expected job first, so a small container is not stuck behind a big
   * one (the seeds' 0.36 s -> 2.29 s); 'fifo': arrival order; 'unlimited': naive parallel.
   */
  policy: Policy;
  /** How much waiting (ms) offsets 1 ms of expected cost: keeps big jobs from starving. */
  agingPerMs?: number;
  now?: () => number;
}

interface Pending {
  cost: number;
  arrived: number;
  seq: number;
  start: () => void;
  cancel: () => void;
}

export interface SchedulerStats {
  running: number;
  queued: number;
  /** The highest number of jobs seen running at once: what tests assert the limit on. */
  maxRunning: number;
  started: number;
}

/**
 * A per-host gate every checkpoint passes. Checkpoints slow each other down when they
 * share CPU and disk; this bounds how many run at once and picks who goes next.
 */
export class Scheduler {
  private readonly queue: Pending[] = [];
  private running = 0;
  private seq = 0;
  private readonly stats: SchedulerStats = { running: 0, queued: 0, maxRunning: 0, started: 0 };
  private readonly now: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    if (!(opts.concurrency >= 1)) throw new Error('concurrency must be at least 1');
    this.now = opts.now ?? (() => performance.now());
  }

  get policy(): Policy {
    return this.opts.policy;
  }

  snapshot(): SchedulerStats {
    return { ...this.stats, running: this.running, queued: this.queue.length };
  }

  /**
   * Runs `work` when its turn comes. Waiting can be cancelled through `signal` (nothing
   * has started yet); once started, the work decides what cancelling means.
   */
  run<T>(cost: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        cost,
        arrived: this.now(),
        seq: this.seq++,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.running++;
          this.stats.started++;
          this.stats.maxRunning = Math.max(this.stats.maxRunning, this.running);
          // The slot is free before the caller hears the result, so the next job is
          // already chosen when it looks.
          const release = () => {
            this.running--;
            this.pump();
          };
          work().then(
            (v) => (release(), resolve(v)),
            (e: unknown) => (release(), reject(e)),
          );
        },
        cancel: () => reject(abortError()),
      };
      const onAbort = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) {
          this.queue.splice(i, 1);
          entry.cancel();
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
      // Let jobs submitted in the same tick (a burst) queue together before choosing.
      queueMicrotask(() => this.pump());
    });
  }

  private limit(): number {
    return this.opts.policy === 'unlimited' ? Number.POSITIVE_INFINITY : this.opts.concurrency;
  }

  private pump(): void {
    while (this.running < this.limit() && this.queue.length > 0) {
      const next = this.pickNext();
      this.queue.splice(this.queue.indexOf(next), 1);
      next.start();
    }
  }

  private pickNext(): Pending {
    if (this.opts.policy !== 'sjf') return this.queue[0]!;
    const now = this.now();
    const aging = this.opts.agingPerMs ?? 0.5;
    const score = (p: Pending) => p.cost - aging * (now - p.arrived);
    return this.queue.reduce((best, p) => (score(p) < score(best) || (score(p) === score(best) && p.seq < best.seq) ? p : best));
  }
}
