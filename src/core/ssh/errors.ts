import { shellQuote } from './quote.js';
import { describeTarget, type SshOptions, type SshTarget } from './target.js';

export type SshFailureKind = 'host-key' | 'unreachable' | 'auth' | 'config' | 'no-client';

/** ssh itself failed (not the remote command): says what went wrong and what to do. */
/**
 * dial-stdio on the remote host could not open the daemon's socket: the request never reached a
 * daemon, so it did nothing (a rollback may rely on that: a restore that got this never started).
 */
export class DockerUnreachableError extends Error {
  override name = 'DockerUnreachableError';
}

export class SshError extends Error {
  constructor(
    readonly kind: SshFailureKind,
    message: string,
    /** What ssh printed, for the log. */
    readonly sshStderr: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

// Lines the connection-sharing machinery prints that say nothing about the failure
// ("Control socket connect(...): Connection refused" would otherwise read as one).
const MUX_NOISE = /^(Control ?socket|ControlSocket|mux_client_|muxclient:|Warning: Permanently added)/i;

/**
 * Classifies what ssh printed when it exited with 255. Returns undefined when it does
 * not look like ssh's own failure: exit 255 can also be the remote command's status.
 */
export function classifySshFailure(stderr: string, target: SshTarget, options: SshOptions = {}): SshError | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !MUX_NOISE.test(l));
  const text = lines.join('\n');
  const has = (re: RegExp) => lines.find((l) => re.test(l));
  const where = describeTarget(target);

  // Where ssh says it tried ("ssh: connect to host H port P: ..."), else what Cryo asked for.
  const m = text.match(/connect to host (\S+) port (\d+)/);
  const host = m?.[1] ?? target.host;
  const port = m?.[2] ?? String(target.port ?? 22);

  if (has(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/)) {
    const known = options.knownHostsFile ?? '~/.ssh/known_hosts';
    return new SshError(
      'host-key',
      `The SSH host key of ${host}:${port} has CHANGED since it was trusted, so Cryo refused to connect (this is what a man-in-the-middle looks like). ` +
        `If the server was really reinstalled, check its new fingerprint on the server (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), ` +
        `then remove the old key with: ssh-keygen -f ${shellQuote(known)} -R ${shellQuote(knownHostsName(host, port))} and trust the new one as for a new host.`,
      stderr,
    );
  }
  if (has(/Host key verification failed|No \S+ host key is known for|host key is not known/)) {
    const known = options.knownHostsFile ?? '~/.ssh/known_hosts';
    return new SshError(
      'host-key',
      `The SSH host key of ${host}:${port} is unknown or has changed (${known} does not trust it), so Cryo refused to connect. ` +
        `Check the server's fingerprint (on the server: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then trust it with: ` +
        `ssh-keyscan -p ${port} ${shellQuote(host)} >> ${options.knownHostsFile ? shellQuote(known) : known}` +
        (options.knownHostsFile ? '' : ' — or set knownHostsFile for this host to a file that already trusts it.'),
      stderr,
    );
  }
  const denied = has(/Permission denied \(|Too many authentication failures|Authentication failed/);
  if (denied) {
    const keyHint = options.identityFile ? `the key ${options.identityFile}` : 'your ssh keys (agent or ~/.ssh/id_*)';
    const missing = has(/Identity file .* not accessible/);
    return new SshError(
      'auth',
      `SSH authentication failed for ${where} (${denied.replace(/^.*?: (?=Permission denied)/, '')}). ` +
        (missing ? `${missing} ` : '') +
        `Check that ${keyHint} is in the remote user's authorized_keys. Cryo runs ssh with BatchMode=yes: it cannot type passwords or passphrases (load the key into ssh-agent).`,
      stderr,
    );
  }
  const unreachable = has(/Connection refused|Connection timed out|Operation timed out|timed out during banner exchange|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known|Connection reset by peer|kex_exchange_identification|Connection closed by .* port \d+$/);
  if (unreachable) {
    const why = /refused/i.test(unreachable)
      ? 'connection refused: is sshd running and listening on that port?'
      : /timed out/i.test(unreachable)
        ? 'timed out'
        : /resolve|Name or service/i.test(unreachable)
          ? 'host name not found'
          : unreachable.replace(/^ssh: /, '');
    return new SshError('unreachable', `Cannot reach ${host}:${port} over SSH (${why}).`, stderr);
  }
  const config = has(/Can't open user config file|Bad owner or permissions|Bad configuration option|bad configuration options|Unsupported option|keyword .* extra arguments/i);
  if (config) return new SshError('config', `The SSH configuration for ${where} is unusable: ${config}`, stderr);
  return undefined;
}

/** The spawn of ssh itself failed (no OpenSSH client installed...). */
export function sshSpawnError(err: NodeJS.ErrnoException, sshPath: string): SshError {
  const message =
    err.code === 'ENOENT'
      ? `The OpenSSH client "${sshPath}" was not found: install it (Debian/Ubuntu: apt-get install openssh-client) or put ssh on PATH.`
      : `Could not start "${sshPath}": ${err.message}`;
  return new SshError('no-client', message, '');
}

/** known_hosts spells non-default ports as [host]:port. */
function knownHostsName(host: string, port: string): string {
  return port === '22' ? host : `[${host}]:${port}`;
}

/**
 * Why `docker system dial-stdio` on the remote host ended without a Docker connection:
 * ssh's own failure, no docker CLI there, or a daemon that does not answer.
 */
export function dialStdioError(stderr: string, exitCode: number | null, target: SshTarget, options: SshOptions = {}): Error {
  if (exitCode === 255) {
    const ssh = classifySshFailure(stderr, target, options);
    if (ssh) return ssh;
  }
  const where = describeTarget(target);
  const detail = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !MUX_NOISE.test(l))
    .join(' ');
  if (exitCode === 127 || /docker: (command )?not found|No such file or directory.*docker/.test(detail)) {
    return new Error(`The docker CLI is not installed on ${where}: Cryo reaches Docker there with "docker system dial-stdio", as docker's own ssh:// transport does. (${detail || `exit ${exitCode}`})`);
  }
  const daemon = detail.match(/failed to open the raw stream connection: (.*)|(Cannot connect to the Docker daemon.*)|(permission denied while trying to connect.*)/);
  if (daemon) {
    const why = (daemon[1] ?? daemon[2] ?? daemon[3] ?? '').trim();
    return new DockerUnreachableError(`The Docker daemon on ${where} is not reachable from there (${why}): is dockerd running, and may this ssh user use its socket?`);
  }
  return new Error(`The Docker connection over ssh to ${where} ended unexpectedly (exit ${exitCode ?? 'by signal'})${detail ? `: ${detail}` : ''}`);
}
