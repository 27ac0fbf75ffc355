import { parseEndpoint } from '../docker/connect.js';

/** Where to connect: what `ssh://user@host:port` says. Missing parts come from ssh's own config. */
export interface SshTarget {
  /** A host name, an address or an alias of the user's ~/.ssh/config. */
  host: string;
  user?: string;
  port?: number;
}

/** How to connect. Everything else (agents, ProxyJump, ciphers...) comes from the ssh config. */
export interface SshOptions {
  /** ssh -i; also sets IdentitiesOnly=yes so a full agent cannot exhaust MaxAuthTries first. */
  identityFile?: string;
  /** ssh -F: a config file used instead of ~/.ssh/config. */
  sshConfigFile?: string;
  /** UserKnownHostsFile: where this host's key is trusted. */
  knownHostsFile?: string;
  /** ConnectTimeout in seconds (default 10). */
  connectTimeoutSec?: number;
  /** How long the shared connection outlives its last use, in seconds (default 300). */
  controlPersistSec?: number;
  /**
   * At most this many sessions at once over the shared connection (default 8): sshd's
   * MaxSessions (10 by default) refuses more. Commands and Docker connections wait their turn.
   */
  maxSessions?: number;
  /** The OpenSSH client binary (default "ssh" on PATH). */
  sshPath?: string;
}

export const DEFAULT_CONNECT_TIMEOUT_SEC = 10;
export const DEFAULT_CONTROL_PERSIST_SEC = 300;
export const DEFAULT_MAX_SESSIONS = 8;

// Conservative on purpose: these reach ssh's argv and must never read as an option.
const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function validateTarget(t: SshTarget): SshTarget {
  if (!HOST.test(t.host) || t.host.length > 253) throw new Error(`Invalid SSH host "${t.host}": use a host name, an IPv4 address or an ssh config alias (letters, digits, ".", "-", "_").`);
  if (t.user !== undefined && (!USER.test(t.user) || t.user.length > 64)) throw new Error(`Invalid SSH user "${t.user}".`);
  if (t.port !== undefined && (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)) throw new Error(`Invalid SSH port ${t.port}.`);
  return t;
}

/** `ssh://[user@]host[:port]` → an SshTarget, validated. */
export function sshTargetFromEndpoint(endpoint: string): SshTarget {
  const ep = parseEndpoint(endpoint);
  if (ep.scheme !== 'ssh' || !ep.host) throw new Error(`"${endpoint}" is not an ssh:// endpoint (use ssh://user@host[:port]).`);
  const t: SshTarget = { host: ep.host };
  if (ep.user) t.user = ep.user;
  if (ep.port !== undefined) t.port = ep.port;
  return validateTarget(t);
}

/** "root@host:2222", "host" — for messages. */
export function describeTarget(t: SshTarget): string {
  return `${t.user ? `${t.user}@` : ''}${t.host}${t.port ? `:${t.port}` : ''}`;
}

/**
 * The ssh options shared by every call for one target: connection reuse through a
 * control socket, no prompts (BatchMode), bounded connect time, dead-peer detection,
 * nothing forwarded.
 * Host keys are checked as the user's config says; Cryo never turns checking off.
 */
export function sshBaseArgs(target: SshTarget, options: SshOptions, controlPath: string): string[] {
  validateTarget(target);
  const args: string[] = [];
  if (options.sshConfigFile) args.push('-F', options.sshConfigFile);
  args.push(
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${options.connectTimeoutSec ?? DEFAULT_CONNECT_TIMEOUT_SEC}`,
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${controlPath}`,
    '-o', `ControlPersist=${options.controlPersistSec ?? DEFAULT_CONTROL_PERSIST_SEC}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    // A user config made for interactive use must not change what Cryo's sessions do:
    // no RemoteCommand instead of ours, no port forwards (a second session would fail to
    // bind them), no agent or X11 forwarded to a host that only needs docker/runc.
    '-o', 'RemoteCommand=none',
    '-o', 'ClearAllForwardings=yes',
    '-o', 'ForwardAgent=no',
    '-o', 'ForwardX11=no',
  );
  if (options.identityFile) args.push('-i', options.identityFile, '-o', 'IdentitiesOnly=yes');
  if (options.knownHostsFile) args.push('-o', `UserKnownHostsFile=${options.knownHostsFile}`);
  if (target.user) args.push('-l', target.user);
  if (target.port) args.push('-p', String(target.port));
  return args;
}

/** ssh argv running one remote command line (already quoted, see remoteCommandLine). */
export function sshCommandArgs(base: readonly string[], target: SshTarget, remoteLine: string): string[] {
  // -T: no terminal (binary-clean stdio); "--" ends ssh's options before the destination.
  return [...base, '-T', '--', target.host, remoteLine];
}

/** ssh argv asking the shared connection's master to exit. */
export function sshExitMasterArgs(base: readonly string[], target: SshTarget): string[] {
  return [...base, '-O', 'exit', '--', target.host];
}
