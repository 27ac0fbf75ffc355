import type Docker from 'dockerode';

/**
 * Limits on every Docker API call of one client, until the daemon ANSWERS (response
 * headers): a hung or overloaded daemon otherwise keeps a call, and whatever waits on it
 * (a frozen container's rollback), waiting forever. Streams (events, logs, archives, image
 * transfers) are limited only until they start: what flows afterwards is the consumer's to
 * bound (an idle limit there), so a 1 GB transfer is never cut for being long.
 */
export interface DockerCallLimits {
  /** Ordinary calls (inspect, list, create, remove…). */
  defaultMs: number;
  /** Calls whose answer comes after real work: a restore's start, Docker's checkpoint, image load/commit. */
  longMs: number;
}

export const DEFAULT_DOCKER_LIMITS: DockerCallLimits = { defaultMs: 60_000, longMs: 15 * 60_000 };

export class DockerTimeoutError extends Error {
  constructor(
    readonly call: string,
    readonly where: string,
    readonly limitMs: number,
  ) {
    super(`Docker on ${where} did not answer ${call} within ${Math.round(limitMs / 1000)} s: the daemon may be hung or overloaded (check \`docker info\` there, or restart the daemon).`);
    this.name = 'DockerTimeoutError';
  }
}

interface DialOptions {
  method?: string;
  path?: string;
  isStream?: boolean;
  hijack?: boolean;
  abortSignal?: AbortSignal;
}
type DialCallback = (err: unknown, data?: unknown) => void;
interface Dialer {
  dial(options: DialOptions, callback: DialCallback): unknown;
}

/** Calls that legitimately take as long as the work behind them. */
const LONG = [/\/containers\/[^/]+\/start/, /\/checkpoints/, /\/images\/(load|create)/, /\/commit/, /\/build/, /\/containers\/[^/]+\/(stop|restart|kill)/];
/** Calls that wait by design (until a container exits, or for the caller's stream): never limited. */
const UNBOUNDED = [/\/containers\/[^/]+\/wait/, /\/containers\/[^/]+\/attach/, /\/exec\/[^/]+\/start/];

export function limitFor(method: string, path: string, limits: DockerCallLimits): number | undefined {
  if (UNBOUNDED.some((r) => r.test(path))) return undefined;
  return LONG.some((r) => r.test(path)) && method !== 'GET' ? limits.longMs : limits.defaultMs;
}

/** Puts the limits on a dockerode client (every call goes through its modem's dial). */
export function limitDockerCalls(docker: Docker, where: string, limits: DockerCallLimits = DEFAULT_DOCKER_LIMITS): Docker {
  const modem = docker.modem as unknown as Dialer;
  const dial = modem.dial.bind(modem);
  modem.dial = (options: DialOptions, callback: DialCallback) => {
    const method = options.method ?? 'GET';
    const path = (options.path ?? '').split('?')[0] ?? '';
    const ms = options.hijack ? undefined : limitFor(method, path, limits);
    if (ms === undefined) return dial(options, callback);
    const ours = new AbortController();
    const timer = setTimeout(() => ours.abort(), ms);
    timer.unref?.();
    const theirs = options.abortSignal;
    options.abortSignal = theirs ? AbortSignal.any([theirs, ours.signal]) : ours.signal;
    return dial(options, (err, data) => {
      // Answered (for a stream: it started): the limit is done with.
      clearTimeout(timer);
      if (err && ours.signal.aborted && !theirs?.aborted) return callback(new DockerTimeoutError(`${method} ${path}`, where, ms));
      callback(err, data);
    });
  };
  return docker;
}
