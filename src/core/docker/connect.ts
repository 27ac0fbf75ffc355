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

export function parseEndpoint(url: string): Endpoint {
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error(`Docker endpoint "${url}": a unix socket path must be absolute`);
    return { scheme: 'unix', socketPath };
  }
  const m = url.match(/^(tcp|ssh):\/\/(?:([^@/:]+)@)?([^/:]+)(?::(\d+))?\/?$/);
  if (!m) throw new Error(`Unsupported Docker endpoint "${url}": use unix:///path, tcp://host:port or ssh://user@host[:port]`);
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
