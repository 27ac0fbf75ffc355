import { PassThrough } from 'node:stream';
import { connectDocker, parseEndpoint } from '../docker/connect.js';
import { LocalRunner } from '../exec/localRunner.js';
import type { CommandRunner, RunOptions, RunResult, StreamingCommand } from '../exec/runner.js';
import { DockerHost } from '../host/dockerHost.js';
import type { HostSpec } from './sources.js';

/**
 * The DockerHost for a spec: unix sockets and loopback tcp run commands locally, ssh
 * endpoints over ssh. A remote tcp:// endpoint offers only the Docker API, so its commands
 * fail with the reason (the docker engine still works there; runc needs ssh).
 */
export function hostFromSpec(spec: HostSpec): DockerHost {
  const ep = parseEndpoint(spec.endpoint);
  if (ep.scheme === 'ssh') return DockerHost.ssh(spec.name, spec.endpoint, spec.ssh ?? {});
  const runner = ep.scheme === 'unix' || isLoopback(ep.host ?? '') ? new LocalRunner() : new NoCommandsRunner(spec.endpoint);
  return new DockerHost(spec.name, spec.endpoint, connectDocker(ep), runner);
}

/** Whether two specs make the same DockerHost (so a rebuild can keep the live one). */
export function sameHost(a: HostSpec, b: HostSpec): boolean {
  return a.name === b.name && a.endpoint === b.endpoint && JSON.stringify(a.ssh ?? {}) === JSON.stringify(b.ssh ?? {});
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A runner for hosts Cryo reaches only through the Docker API. */
export class NoCommandsRunner implements CommandRunner {
  readonly where: string;
  private readonly reason: string;

  constructor(endpoint: string) {
    this.where = endpoint;
    this.reason = `Cryo cannot run commands (runc, criu, du) on ${endpoint}: a tcp:// endpoint gives only the Docker API. Use ssh://user@host for full access.`;
  }

  async run(_argv: readonly string[], _options?: RunOptions): Promise<RunResult> {
    return { stdout: '', stderr: this.reason, exitCode: 127 };
  }

  async runBinary(_argv: readonly string[], _options?: RunOptions) {
    return { stdout: Buffer.alloc(0), stderr: this.reason, exitCode: 127 };
  }

  spawnStream(): StreamingCommand {
    const stdout = new PassThrough();
    stdout.end();
    const stdin = new PassThrough();
    stdin.resume();
    return { stdin, stdout, done: Promise.resolve({ exitCode: 127, stderr: this.reason }), kill: () => undefined };
  }
}
