/** What the registry needs of a ticker: PeriodicHandle fits. */
export interface StoppableTicker {
  /** Settles once the ticker has stopped for any reason, with no version in flight. */
  readonly done: Promise<unknown>;
  /** Stops it; settles once a version in flight is made and recorded. Idempotent. */
  stop(): Promise<unknown>;
}

export class RegistryClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryClosedError';
  }
}

/**
 * The tickers of one owner (a VS Code window), one per key, and the barrier its shutdown
 * needs: stopAll() settles only once every ticker, including one still making its first
 * version when the shutdown came, has finished its version in flight. The owner closes its
 * hosts after that, so no dump is cut off by a closing ssh connection.
 */
export class TickerRegistry<H extends StoppableTicker> {
  private readonly live = new Map<string, H>();
  private readonly starting = new Map<string, Promise<H>>();
  private closing: Promise<void> | undefined;

  /** Starts a ticker under `key`; refused when one runs or starts under it, or after stopAll(). */
  async start(key: string, start: () => Promise<H>): Promise<H> {
    if (this.closing) throw new RegistryClosedError('Shutting down: no new periodic checkpoints.');
    if (this.live.has(key) || this.starting.has(key)) throw new Error('Periodic checkpoints already run for this container; stop them first.');
    const p = start();
    this.starting.set(key, p);
    let h: H;
    try {
      h = await p;
    } finally {
      this.starting.delete(key);
    }
    if (this.closing) {
      // stopAll() came while it started: it waits for this stop too.
      await h.stop();
      throw new RegistryClosedError('Shutting down: the periodic checkpoints were stopped after their first version.');
    }
    this.live.set(key, h);
    // A ticker that stops by itself (count reached, container gone) leaves the registry.
    void h.done.finally(() => {
      if (this.live.get(key) === h) this.live.delete(key);
    });
    return h;
  }

  get(key: string): H | undefined {
    return this.live.get(key);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Stops every ticker, those still starting included; settles when all have. Idempotent. */
  stopAll(): Promise<void> {
    this.closing ??= Promise.allSettled([...[...this.starting.values()].map((p) => p.then((h) => h.stop())), ...[...this.live.values()].map((h) => h.stop())]).then(() => undefined);
    return this.closing;
  }
}
