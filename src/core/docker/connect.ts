import Docker from 'dockerode';
import { DEFAULT_DOCKER_LIMITS, limitDockerCalls, type DockerCallLimits } from './callTimeouts.js';

/** A Docker endpoint as DOCKER_HOST spells it: unix:///path, tcp://host:port, or ssh://user@host[:port]. */
export interface Endpoint {
  scheme: 'unix' | 'tcp' | 'ssh';
  socketPath?: string;
  host?: string;
  port?: number;
  user?: string;
}

// A tcp host is a DNS name or an IPv4 address: nothing a shell, URL or option parser reads specially.
const TCP_HOST = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export function parseEndpoint(url: string): Endpoint {
  const shown = JSON.stringify(url.length > 120 ? `${url.slice(0, 120)}…` : url).slice(1, -1);
  // A NUL or newline would cut or split the path/host where a syscall or a log reads it.
  if (/[\u0000-\u001f\u007f]/.test(url)) throw new Error(`Docker endpoint "${shown}" contains control characters`);
  if (url.length > 4096) throw new Error(`Docker endpoint "${shown}" is too long`);
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error(`Docker endpoint "${shown}": a unix socket path must be absolute`);
    return { scheme: 'unix', socketPath };
  }
  const m = url.match(/^(tcp|ssh):\/\/(?:([^@/:]+)@)?([^/:]+)(?::(\d+))?\/?$/);
  if (!m) throw new Error(`Unsupported Docker endpoint "${shown}": use unix:///path, tcp://host:port or ssh://user@host[:port]`);
  if (m[1] === 'tcp' && (!TCP_HOST.test(m[3]!) || m[3]!.length > 253 || m[2] !== undefined)) {
    throw new Error(`Docker endpoint "${shown}": the tcp host must be a host name or an IPv4 address (letters, digits, "-", "."), with no user`);
  }
  if (m[4] !== undefined && (Number(m[4]) < 1 || Number(m[4]) > 65535)) throw new Error(`Docker endpoint "${shown}": port ${m[4]} is out of range`);
  const ep: Endpoint = { scheme: m[1] as 'tcp' | 'ssh', host: m[3]! };
  if (m[2]) ep.user = m[2];
  if (m[4]) ep.port = Number(m[4]);
  return ep;
}

/** dockerode for unix and tcp endpoints; ssh endpoints get their own transport (see ssh/). */
export function connectDocker(ep: Endpoint, limits: DockerCallLimits = DEFAULT_DOCKER_LIMITS): Docker {
  // Every call is bounded until the daemon answers (docker/callTimeouts.ts).
  if (ep.scheme === 'unix') return limitDockerCalls(new Docker({ socketPath: ep.socketPath! }), `unix://${ep.socketPath!}`, limits);
  if (ep.scheme === 'tcp') return limitDockerCalls(new Docker({ host: ep.host!, port: ep.port ?? 2375, protocol: 'http' }), `tcp://${ep.host!}:${ep.port ?? 2375}`, limits);
  throw new Error('ssh endpoints are connected through the SSH transport');
}
