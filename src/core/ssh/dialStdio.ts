import type { ChildProcess } from 'node:child_process';
import { Agent, type ClientRequestArgs } from 'node:http';
import { Duplex } from 'node:stream';
import { stopProcess, type SshConnection } from './connection.js';
import { dialStdioError } from './errors.js';

/** The remote command docker's own ssh:// transport runs: it pipes stdio to the daemon's socket. */
export const DIAL_STDIO = ['docker', 'system', 'dial-stdio'] as const;

export interface DialAgentOptions {
  /** Idle keep-alive connections are closed (their ssh process ends) after this long. Default 10 s. */
  idleMs?: number;
  /** At most this many Docker connections at once; more requests queue. Default 6. */
  maxSockets?: number;
  /** At most this many idle connections kept for reuse. Default 2. */
  maxFreeSockets?: number;
}

/**
 * One HTTP connection to a remote Docker daemon: an `ssh … -- docker system dial-stdio`
 * process whose stdin/stdout carry the bytes. It stands in for a net.Socket inside Node's
 * http client (timeouts, keep-alive, ref/unref), so dockerode works unchanged, streaming
 * and hijacked requests included.
 *
 * When the process ends without a connection, the socket fails with the reason from its
 * stderr (daemon down, no docker CLI, ssh failure), not a bare "socket hang up".
 */
export class DialStdioSocket extends Duplex {
  /** Idle timeout in ms, as net.Socket#timeout (0 = none). */
  timeout = 0;
  private child: ChildProcess | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private queued: Array<{ chunk: Buffer; cb: (err?: Error | null) => void }> = [];
  private queuedFinal: ((err?: Error | null) => void) | undefined;
  private refed = true;
  private killedByUs = false;
  private stderr = '';

  constructor(
    private readonly connection: SshConnection,
    /** Called when this connection's ssh died as ssh does when its connection is lost (exit 255 or a signal). */
    private readonly onLost?: () => void,
  ) {
    super({ allowHalfOpen: false });
    connection.open(DIAL_STDIO, { stdin: true }).then(
      (child) => this.attach(child),
      (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
    );
  }

  private attach(child: ChildProcess): void {
    this.child = child;
    if (this.destroyed) {
      this.killedByUs = true;
      void stopProcess(child);
      return;
    }
    child.stdin!.on('error', () => undefined); // EPIPE after the remote end exits: 'close' reports why
    child.stdout!.on('data', (chunk: Buffer) => {
      this.touch();
      if (!this.push(chunk)) child.stdout!.pause();
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (this.stderr.length < 16_384) this.stderr += s;
    });
    child.once('close', (code: number | null) => {
      if (this.destroyed || this.killedByUs) return;
      if (code === 255 || code === null) this.onLost?.();
      if (code !== 0) return void this.destroy(dialStdioError(this.stderr, code, this.connection.target, this.connection.options));
      this.push(null);
      // An idle pooled connection whose daemon went away (restarted, stopped) must leave the
      // pool now: nobody reads it, so 'end' would never come, and the next request would
      // wait forever on a dead process.
      if (!(this as unknown as { _httpMessage?: unknown })._httpMessage) this.destroy();
    });
    if (!this.refed) this.unref();
    for (const { chunk, cb } of this.queued) child.stdin!.write(chunk, () => cb());
    this.queued = [];
    if (this.queuedFinal) child.stdin!.end(() => this.queuedFinal?.());
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.touch();
    if (!this.child) this.queued.push({ chunk, cb });
    else if (this.child.exitCode !== null || this.child.signalCode !== null) cb(new Error('Docker connection over ssh closed (dial-stdio exited)'));
    else this.child.stdin!.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.child) this.queuedFinal = cb;
    else this.child.stdin!.end(() => cb());
  }

  override _read(): void {
    this.child?.stdout?.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.killedByUs = true;
      void stopProcess(this.child);
    }
    cb(err);
  }

  // --- the parts of net.Socket that Node's http client and Agent use -------------------

  /** As net.Socket: 0 turns the idle timer off and removes cb (Node's http client relies on that). */
  setTimeout(ms: number, cb?: () => void): this {
    this.timeout = ms;
    if (cb) {
      if (ms === 0) this.removeListener('timeout', cb);
      else this.once('timeout', cb);
    }
    this.touch();
    return this;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.timeout > 0 && !this.destroyed) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), this.timeout);
      this.idleTimer.unref();
    }
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  /** An idle pooled connection must not keep Node running: unref the ssh process and its pipes. */
  unref(): this {
    this.refed = false;
    const c = this.child;
    if (c) {
      c.unref();
      for (const s of [c.stdin, c.stdout, c.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    }
    return this;
  }

  ref(): this {
    this.refed = true;
    const c = this.child;
    if (c) {
      c.ref();
      for (const s of [c.stdin, c.stdout, c.stderr]) (s as unknown as { ref?: () => void } | null)?.ref?.();
    }
    return this;
  }
}

/**
 * An http.Agent whose connections are DialStdioSockets over one SshConnection. Hand it to
 * dockerode (`new Docker({ protocol: 'http', host: 'localhost', agent })`). Keep-alive reuses a
 * connection for the next request; idle ones close after `idleMs`.
 */
export class SshDialAgent extends Agent {
  private readonly open = new Set<DialStdioSocket>();

  constructor(
    readonly connection: SshConnection,
    options: DialAgentOptions = {},
  ) {
    super({ keepAlive: true, timeout: options.idleMs ?? 10_000, maxSockets: options.maxSockets ?? 6, maxFreeSockets: options.maxFreeSockets ?? 2, scheduling: 'lifo' });
  }

  override createConnection(_options: ClientRequestArgs, _cb?: (err: Error | null, stream: Duplex) => void): Duplex {
    const socket = new DialStdioSocket(this.connection, () => this.connectionLost());
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  }

  /**
   * One Docker connection's ssh died with the connection (its ControlMaster killed, the network
   * cut): every idle pooled one rode the same master and is dead too, but its process may not
   * have been reaped yet. Drop them all now, so that the next request opens a fresh connection
   * instead of writing into a dead one ("ended unexpectedly (exit 255)" measured on the first
   * two requests after a cut, one per pooled connection). Busy ones fail on their own.
   */
  private connectionLost(): void {
    this.connection.noteLost();
    for (const s of this.open) if (!(s as unknown as { _httpMessage?: unknown })._httpMessage) s.destroy();
  }

  /** Connections (ssh processes) open now, busy or idle. */
  get openConnections(): number {
    return this.open.size;
  }

  override destroy(): void {
    super.destroy();
    for (const s of this.open) s.destroy();
    this.open.clear();
  }
}
