import { abortError } from '../exec/localRunner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { sleep } from '../time.js';

/** The application image the provisioning builds from Debian packages (scripts/provision). */
export const APPS_IMAGE = 'cryo-apps:latest';

/** The applications of seed 001 fig. 2, each stood in for by what Debian packages. */
export const APP_NAMES = ['base', 'redis', 'nginx', 'postgresql', 'mariadb'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** CRIU options an application needs (the subset of CheckpointOptions.criu the bench sets). */
export interface AppCriuNeeds {
  tcpEstablished?: boolean;
  fileLocks?: boolean;
}

export interface AppSpec {
  name: AppName;
  /** What the seed ran in its place (its figures are labelled with these). */
  seedName: string;
  /** The container's own command: every process of the app descends from it (docker exec'd ones are not dumped). */
  cmd: string[];
  /** A TCP port on the container's loopback that answers once the app serves; none for the idle base. */
  port?: number;
  /** Without these CRIU refuses the dump of the idle app (mariadb holds InnoDB file locks). */
  criu: AppCriuNeeds;
}

const entry = (app: string) => ['/bin/sh', '-c', `exec /cryo/apps/${app}.sh`];

/**
 * How each application runs in cryo-apps: its entry script, started as the container's command
 * and running every process as root (this sandbox lacks CAP_SYS_RESOURCE: CRIU cannot dump a
 * process of another uid here; see the provisioning notes).
 */
export const APPS: Readonly<Record<AppName, AppSpec>> = {
  // The seed's "ubuntu": a distribution base with an idle shell.
  base: { name: 'base', seedName: 'ubuntu', cmd: ['/bin/bash', '-c', 'while :; do sleep 1; done'], criu: {} },
  redis: { name: 'redis', seedName: 'redis', cmd: entry('redis'), port: 6379, criu: {} },
  nginx: { name: 'nginx', seedName: 'nginx', cmd: entry('nginx'), port: 80, criu: {} },
  postgresql: { name: 'postgresql', seedName: 'mongo', cmd: entry('postgresql'), port: 5432, criu: {} },
  mariadb: { name: 'mariadb', seedName: 'mysql', cmd: entry('mariadb'), port: 3306, criu: { fileLocks: true } },
};

export function isAppName(x: string): x is AppName {
  return (APP_NAMES as readonly string[]).includes(x);
}

/**
 * Waits until the app accepts a connection on its port inside the container (bash's
 * /dev/tcp from a `docker exec`, which ends before any checkpoint, so it is no part of one),
 * failing if the container stops or the time runs out.
 */
export async function waitAppReady(host: DockerHost, id: string, app: AppSpec, signal?: AbortSignal, timeoutMs = 180_000): Promise<void> {
  const container = host.docker.getContainer(id);
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw abortError();
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`${app.name} container ${id.slice(0, 12)} stopped (${state.Status}, exit ${state.ExitCode}) before it served; see docker logs ${id.slice(0, 12)}`);
    if (app.port === undefined || (await execExitCode(host, id, ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${app.port}`])) === 0) return;
    if (Date.now() > end) throw new Error(`${app.name} container ${id.slice(0, 12)}: nothing listening on port ${app.port} after ${timeoutMs / 1000} s`);
    await sleep(250, signal);
  }
}

async function execExitCode(host: DockerHost, id: string, cmd: string[]): Promise<number | null> {
  const exec = await host.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
    stream.resume();
  });
  const info = await exec.inspect();
  return info.ExitCode;
}
