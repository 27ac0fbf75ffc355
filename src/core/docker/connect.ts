import Docker from 'dockerode';

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
export function connectDocker(ep: Endpoint): Docker {
  if (ep.scheme === 'unix') return new Docker({ socketPath: ep.socketPath! });
  if (ep.scheme === 'tcp') return new Docker({ host: ep.host!, port: ep.port ?? 2375, protocol: 'http' });
  throw new Error('ssh endpoints are connected through the SSH transport');
}
