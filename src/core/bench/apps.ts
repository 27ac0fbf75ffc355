import type { CriuOptions } from '../criu/options.js';
import { abortError } from '../exec/localRunner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { sleep } from '../time.js';

/** The application image the provisioning builds from Debian packages (scripts/provision). */
export const APPS_IMAGE = 'cryo-apps:latest';

/** The applications of seed 001 fig. 2, each stood in for by what Debian packages. */
export const APP_NAMES = ['base', 'redis', 'nginx', 'postgresql', 'mariadb'] as const;
export type AppName = (typeof APP_NAMES)[number];


export interface AppSpec {
  name: AppName;
  /** What the seed ran in its place (its figures are labelled with these). */
  seedName: string;
  /** The container's own command: every process of the app descends from it (docker exec'd ones are not dumped). */
  cmd: string[];
  /** Without these CRIU refuses the dump (a client's connected socket, InnoDB's file locks). */
  criu: CriuOptions;
}

/**
 * How each application runs in cryo-apps (scripts/provision/apps.sh): its entry script
 * /cryo/APP as the container's own command, every process as root (this sandbox lacks
 * CAP_SYS_RESOURCE: CRIU cannot dump a process of another uid here), each printing
 * "[cryo] ready: ..." once it answers and its in-container client runs. The idle base prints
 * the same line, then blocks on a FIFO without forking.
 */
export const APPS: Readonly<Record<AppName, AppSpec>> = {
  // The seed's "ubuntu": a distribution base with an idle shell.
  base: { name: 'base', seedName: 'ubuntu', cmd: ['/bin/bash', '-c', 'mkfifo /idle && echo "[cryo] ready: base" && exec 3<>/idle && while :; do read -r -u 3 _; done'], criu: {} },
  // Its client keeps ONE connection open: a connected TCP socket.
  redis: { name: 'redis', seedName: 'redis', cmd: ['/cryo/redis'], criu: { tcpEstablished: true } },
  // Its client fetches every 200 ms: a dump can meet a request in flight.
  nginx: { name: 'nginx', seedName: 'nginx', cmd: ['/cryo/nginx'], criu: { tcpEstablished: true } },
  postgresql: { name: 'postgresql', seedName: 'mongo', cmd: ['/cryo/postgresql'], criu: {} },
  // InnoDB holds file locks on its files.
  mariadb: { name: 'mariadb', seedName: 'mysql', cmd: ['/cryo/mariadb'], criu: { fileLocks: true } },
};

export function isAppName(x: string): x is AppName {
  return (APP_NAMES as readonly string[]).includes(x);
}

/** Polls the container's output for the entry script's "[cryo] ready:" line, failing if it stops first or the time runs out. */
export async function waitAppReady(host: DockerHost, id: string, app: AppSpec, signal?: AbortSignal, timeoutMs = 180_000): Promise<void> {
  const container = host.docker.getContainer(id);
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw abortError();
    const logs = await container.logs({ stdout: true, stderr: false, follow: false, tail: 20 });
    if (logs.toString('latin1').includes('[cryo] ready:')) return;
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`${app.name} container ${id.slice(0, 12)} stopped (${state.Status}, exit ${state.ExitCode}) before it was ready; see docker logs ${id.slice(0, 12)}`);
    if (Date.now() > end) throw new Error(`${app.name} container ${id.slice(0, 12)} not ready after ${timeoutMs / 1000} s; see docker logs ${id.slice(0, 12)}`);
    await sleep(250, signal);
  }
}
