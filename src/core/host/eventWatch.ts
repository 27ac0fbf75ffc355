import type { DockerHost } from './dockerHost.js';

export interface HostEventHandlers {
  /** A container event (start, die, checkpoint…). */
  onEvent(): void;
  /** The daemon went away (the stream ended or failed and the daemon does not answer). */
  onLost(reason: string): void;
  /** It answers again after onLost, and the stream is back. */
  onBack(): void;
}

export interface HostEventWatch {
  /** Whether the daemon was answering as of the last look. */
  readonly reachable: boolean;
  dispose(): void;
}

export interface EventWatchOptions {
  /** Between two attempts to reach a lost daemon. Default 2 s. */
  reconnectMs?: number;
  /** How long a ping may take before the daemon counts as gone. Default 3 s. */
  pingMs?: number;
}

/**
 * Docker's event stream of one host, kept alive. When it ends or fails the daemon is asked
 * at once (a ping): gone means onLost right away, so a tree stops showing containers of a
 * daemon that is not there (measured before: 12 s stale until a manual Refresh); still there
 * (the stream was cut for another reason) means a new stream at once, no onLost. A lost
 * daemon is tried again every reconnectMs until it answers (onBack).
 */
export function watchHostEvents(host: DockerHost, h: HostEventHandlers, opts: EventWatchOptions = {}): HostEventWatch {
  const reconnectMs = opts.reconnectMs ?? 2_000;
  const pingMs = opts.pingMs ?? 3_000;
  let disposed = false;
  let reachable = true;
  let stream: (NodeJS.ReadableStream & { destroy(): void }) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const lose = (reason: string) => {
    if (disposed) return;
    if (reachable) {
      reachable = false;
      h.onLost(reason);
    }
    timer = setTimeout(() => void connect(), reconnectMs);
  };

  const ended = async (why: string) => {
    if (disposed) return;
    stream = undefined;
    const ping = await pingWithin(host, pingMs);
    if (disposed) return;
    if (ping === true) return void connect();
    lose(`${why}; ${ping}`);
  };

  const connect = async () => {
    if (disposed) return;
    try {
      const s = (await host.docker.getEvents({ filters: { type: ['container'] } })) as NodeJS.ReadableStream & { destroy(): void };
      if (disposed) return s.destroy();
      stream = s;
      let done = false;
      const finish = (why: string) => {
        if (done || stream !== s) return;
        done = true;
        void ended(why);
      };
      s.on('data', () => h.onEvent());
      s.on('error', (e: Error) => finish(`the event stream failed: ${e.message}`));
      s.on('end', () => finish('the event stream ended'));
      s.on('close', () => finish('the event stream closed'));
      if (!reachable) {
        reachable = true;
        h.onBack();
      }
    } catch (e) {
      lose(`Docker does not answer on ${host.endpoint}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  void connect();
  return {
    get reachable() {
      return reachable;
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
      stream?.destroy();
    },
  };
}

/** true, or why not. */
async function pingWithin(host: DockerHost, ms: number): Promise<true | string> {
  const signal = AbortSignal.timeout(ms);
  try {
    // dockerode's types know ping(callback) only; it takes options with an abortSignal like any call.
    const ping = host.docker.ping as unknown as (this: unknown, o: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping.call(host.docker, { abortSignal: signal });
    return true;
  } catch (e) {
    return signal.aborted ? `no answer within ${ms / 1000} s` : `Docker does not answer on ${host.endpoint}: ${e instanceof Error ? e.message : String(e)}`;
  }
}
