import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { execa } from 'execa';
import { DockerHost, removeWithHolder, ResultsStore, type SshOptions } from '../../src/core/index.js';

/** The hosts scripts/provision/ makes on this machine. */
export const HOST_A_ENDPOINT = 'unix:///var/run/docker.sock'; // Docker 20.10
export const HOST_C_ENDPOINT = 'unix:///run/docker-c.sock'; // Docker 28.5.2 (host-c.sh)

/** Host A: the machine's own daemon, Docker 20.10 (scripts/provision/host.sh). */
export function hostA(): DockerHost {
  return DockerHost.local('host-a', HOST_A_ENDPOINT);
}

/** Host B: a second daemon (Docker 20.10) behind a private sshd (scripts/provision/host-b.sh). */
export const HOST_B_ENDPOINT = 'ssh://root@127.0.0.1:2222';
export const HOST_B_SSH_DIR = '/var/lib/cryo/host-b/ssh';
export const HOST_B_SSH_OPTIONS: SshOptions = { identityFile: `${HOST_B_SSH_DIR}/id_ed25519`, knownHostsFile: `${HOST_B_SSH_DIR}/known_hosts` };

/** Host B over SSH, as a remote host is reached; dispose() it (it holds an ssh connection). */
export function hostB(): DockerHost {
  return DockerHost.ssh('host-b', HOST_B_ENDPOINT, HOST_B_SSH_OPTIONS);
}

/** Host C: a third local daemon running Docker 28.5.2 (scripts/provision/host-c.sh). */
export function hostC(): DockerHost {
  return DockerHost.local('host-c', HOST_C_ENDPOINT);
}

/**
 * Real containers on a real daemon for the integration tests. Every container gets a
 * unique name with the cryo-it- prefix and is force-removed by the test that made it.
 */
export function uniqueName(prefix: string): string {
  return `cryo-it-${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export async function runContainer(host: DockerHost, image: string, name: string, cmd?: string[]): Promise<string> {
  const c = await host.docker.createContainer({ Image: image, name, ...(cmd ? { Cmd: cmd } : {}), HostConfig: { NetworkMode: 'none' } });
  await c.start();
  return c.id;
}

/** Running containers named exactly `name`, summed over the hosts ("exactly one instance" checks). */
export async function runningCopies(name: string, ...hosts: DockerHost[]): Promise<number> {
  let n = 0;
  for (const h of hosts) n += (await h.docker.listContainers({ filters: { name: [`^/${name}$`] } })).length;
  return n;
}

export async function removeContainer(host: DockerHost, id: string): Promise<void> {
  // A container restored on Docker 28 by recreation has a network holder: it goes with it.
  const inspect = await host.docker.getContainer(id).inspect().catch(() => undefined);
  if (inspect) await removeWithHolder(host, inspect).catch(() => host.docker.getContainer(id).remove({ force: true }).catch(() => undefined));
}

/** Reads a file from a container, running or stopped, through the archive API (no exec needed). */
export async function readFile(host: DockerHost, id: string, path: string): Promise<string> {
  const stream = await host.docker.getContainer(id).getArchive({ path });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const tar = Buffer.concat(chunks);
  const size = parseInt(tar.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim(), 8);
  return tar.subarray(512, 512 + size).toString('utf8');
}

/**
 * The counter the test images write to /count. The images truncate and rewrite the file
 * every tick, so a read can land between the two and see it empty: read again then, since
 * Number('') would be a silent 0.
 */
export async function readCount(host: DockerHost, id: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const text = (await readFile(host, id, '/count')).trim();
    if (/^\d+$/.test(text)) return Number(text);
    if (attempt >= 10) throw new Error(`/count of ${id.slice(0, 12)} holds no counter: '${text}'`);
    await sleep(20);
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function isRunning(host: DockerHost, id: string): Promise<boolean> {
  return (await host.docker.getContainer(id).inspect()).State.Running;
}

/** containerd's leftover restore copies on this machine. */
export async function ctrdLeftovers(): Promise<string[]> {
  const r = await execa('find', ['/tmp', '-mindepth', '1', '-maxdepth', '1', '-name', 'ctrd-checkpoint*'], { reject: false });
  return String(r.stdout).split('\n').filter(Boolean);
}

/** A results file in a temp folder of the calling test file's own, removed after its tests. */
export function tempResultsStore(prefix = 'cryo-it-'): ResultsStore {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return new ResultsStore(join(dir, 'results.jsonl'));
}
