import { abortError } from '../../exec/localRunner.js';
import { Scheduler, type SchedulerOptions } from '../../scheduler/scheduler.js';

/**
 * A Scheduler that holds a batch's jobs until all of them have arrived, then hands them to
 * the policy together. checkpointContainer() reads each container's memory before queueing;
 * where that read goes through Docker's stats API (paced to one answer a second: a cgroup v1
 * host, see the core's memoryInUse) the requests of a batch reach the scheduler up to a
 * second apart, and a batch "at once" was not. The barrier makes it one again.
 *
 * A request that fails before it is queued never arrives: after `timeoutMs` from the first
 * arrival the barrier opens with what it has. The wait is counted in the record's queuedMs;
 * the scheduler summary measures latency from the barrier's opening (the last arrival).
 */
export class BarrierScheduler extends Scheduler {
  private arrived = 0;
  private first: number | undefined;
  private open!: () => void;
  private readonly opened: Promise<void>;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    opts: SchedulerOptions,
    private readonly expected: number,
    private readonly timeoutMs = 10_000,
  ) {
    super(opts);
    this.opened = new Promise<void>((r) => (this.open = r));
    if (expected <= 0) this.release();
  }

  /** When the last job arrived (performance.now()), once open. */
  openedAt: number | undefined;

  override run<T>(cost: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError());
    this.first ??= performance.now();
    this.timer ??= setTimeout(() => this.release(), this.timeoutMs);
    if (++this.arrived >= this.expected) this.release();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortError());
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.opened.then(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    }).then(() => super.run(cost, work, signal));
  }

  private release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.openedAt ??= performance.now();
    this.open();
  }
}
