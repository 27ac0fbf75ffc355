import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { checkpointContainer, DockerHost, restoreContainer, SshError, SshRunner, type SshOptions } from '../../src/core/index.js';
import { isRunning, readCount, removeContainer, runContainer, sleep, uniqueName, waitFor } from './helpers.js';

/**
 * Host B over real SSH (scripts/provision/host-b.sh: sshd on 127.0.0.1:2222 whose sessions
 * talk to daemon B). Everything Cryo does on a host goes through one shared ssh connection:
 * the Docker API through `docker system dial-stdio`, commands through SshRunner.
 */
const SSH_DIR = '/var/lib/cryo/host-b/ssh';
const ENDPOINT = 'ssh://root@127.0.0.1:2222';
const OPTIONS: SshOptions = { identityFile: `${SSH_DIR}/id_ed25519`, knownHostsFile: `${SSH_DIR}/known_hosts` };
const PROVISION = join(process.cwd(), 'scripts', 'provision');
const HOST_TIMEOUT_MS = 15_000; // the tree's per-host budget (hostsTreeProvider.ts)

let host: DockerHost;
let scratch: string;
const made: string[] = [];

function sshOf(h: DockerHost): SshRunner {
  assert.ok(h.runner instanceof SshRunner);
  return h.runner;
}

/** Live processes started for one host's connection: its mux clients and its background master. */
function sshProcesses(h: DockerHost): number[] {
  const controlDir = dirname(sshOf(h).connection.controlPath);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(controlDir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** TCP connections to sshd B held by those processes (each is one SSH handshake). */
function tcpConnections(pids: number[]): number {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', '( dport = :2222 )'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => [...l.matchAll(/pid=(\d+)/g)].some((m) => pids.includes(Number(m[1])))).length;
}

async function daemonBUp(): Promise<boolean> {
  const r = await execa('docker', ['-H', 'unix:///run/docker-b.sock', 'info', '--format', '{{.ExperimentalBuild}}'], { reject: false, timeout: 10_000 });
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

async function provisionHostB(): Promise<void> {
  await execa('bash', [join(PROVISION, 'host-b.sh')], { timeout: 180_000 });
}

async function withinHostBudget<T>(what: string, p: Promise<T>): Promise<T> {
  const t0 = Date.now();
  const v = await p;
  assert.ok(Date.now() - t0 < HOST_TIMEOUT_MS, `${what} took ${Date.now() - t0} ms: the tree would give up`);
  return v;
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cryo-ssh-it-'));
  const sshdUp = (await execa('ssh', ['-F', `${SSH_DIR}/config`, 'cryo-host-b', 'true'], { reject: false, timeout: 20_000 })).exitCode === 0;
  if (!sshdUp || !(await daemonBUp())) await provisionHostB();
  host = DockerHost.ssh('host-b', ENDPOINT, OPTIONS);
});

after(async () => {
  for (const id of made) await removeContainer(host, id);
  await host.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

test('connection reuse: one handshake, fast calls after it, nothing left after dispose', async () => {
  const h = DockerHost.ssh('reuse', ENDPOINT, OPTIONS);
  assert.deepEqual(sshProcesses(h), [], 'nothing runs before the first call');
  let t0 = performance.now();
  const first = await h.runner.run(['true']);
  const firstMs = performance.now() - t0;
  assert.equal(first.exitCode, 0, first.stderr);
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    t0 = performance.now();
    assert.equal((await h.runner.run(['true'])).exitCode, 0);
    times.push(performance.now() - t0);
  }
  t0 = performance.now();
  await h.docker.ping();
  const firstApiMs = performance.now() - t0;
  const apiTimes: number[] = [];
  for (let i = 0; i < 8; i++) {
    t0 = performance.now();
    await h.docker.ping();
    apiTimes.push(performance.now() - t0);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `ssh latency: first command ${firstMs.toFixed(0)} ms (handshake), reused median ${median(times).toFixed(0)} ms; ` +
      `Docker API: first ping ${firstApiMs.toFixed(0)} ms (new dial-stdio session), kept-alive median ${median(apiTimes).toFixed(0)} ms`,
  );
  assert.ok(median(times) < firstMs, 'reused calls are faster than the first');
  assert.ok(median(apiTimes) < firstApiMs, 'kept-alive API calls are faster than opening one');

  const pids = sshProcesses(h);
  const masters = pids.filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('[mux]'));
  assert.equal(masters.length, 1, `one background master (${pids.length} processes)`);
  assert.equal(tcpConnections(pids), 1, 'one TCP connection (one handshake) for all of it');
  // The pooled Docker connection and the master: nothing else survives between calls.
  assert.ok(pids.length <= 3, `ssh processes between calls: ${pids.length}`);

  await h.dispose();
  await waitFor('ssh processes gone', async () => (sshProcesses(h).length === 0 ? true : undefined), 5_000);
  assert.equal(existsSync(dirname(sshOf(h).connection.controlPath)), false, 'control folder removed');
});

test("lists B's containers over SSH, and only B's", async () => {
  const name = uniqueName('ssh-list');
  const direct = DockerHost.local('b-direct', 'unix:///run/docker-b.sock');
  const id = await runContainer(direct, 'cryo-counter:latest', name);
  made.push(id);
  const list = await withinHostBudget('listing', host.listContainers());
  assert.ok(list.some((c) => c.id === id && c.name === name && c.state === 'running'), JSON.stringify(list.map((c) => c.name)));
  const local = await DockerHost.local().listContainers();
  assert.ok(!local.some((c) => c.id === id), 'the local daemon does not have it');
});

test('the probe over SSH finds both engines working on B, with B\'s data root', async () => {
  const report = await withinHostBudget('probe', host.capabilities());
  assert.equal(report.docker.ok, true, report.docker.reason);
  assert.equal(report.engines.runc.ok, true, report.engines.runc.reason);
  assert.equal(report.engines.docker.ok, true, report.engines.docker.reason);
  assert.equal(report.raw.privileged.isRoot, true);
  assert.equal(report.raw.docker.rootDir, '/var/lib/docker-b');
  assert.equal(report.blocker, undefined);
});

test('runc engine on B over SSH: leave-running checkpoint, then checkpoint+stop and restore; the counter continues', async () => {
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('ssh-runc'));
  made.push(id);
  const counterAtLeast = (n: number) => waitFor(`counter >= ${n}`, async () => ((await readCount(host, id)) >= n ? readCount(host, id) : undefined));
  await counterAtLeast(3);

  const lr = await checkpointContainer(host, id, { name: 'keep-going', leaveRunning: true, engine: 'runc' });
  assert.equal(lr.outcome, 'ok');
  assert.equal(lr.engine, 'runc');
  assert.ok(lr.criu && lr.criu.pagesWritten > 0, 'CRIU stats read back over ssh (binary)');
  assert.ok(existsSync(`/var/lib/docker-b/containers/${id}/checkpoints/keep-going/inventory.img`), 'written into daemon B\'s folder');
  assert.ok(await isRunning(host, id));
  const v1 = await readCount(host, id);
  await sleep(800);
  assert.ok((await readCount(host, id)) > v1, 'still counting');
  const cps = await host.listCheckpoints(id);
  assert.deepEqual(cps.map((c) => c.name), ['keep-going']);
  assert.ok((cps[0]?.sizeBytes ?? 0) > 0, 'size via du over ssh');

  await counterAtLeast(v1 + 5);
  const stop = await checkpointContainer(host, id, { name: 'frozen', leaveRunning: false, engine: 'runc' });
  assert.equal(stop.outcome, 'ok');
  await waitFor('stopped', async () => ((await isRunning(host, id)) ? undefined : true));
  const frozenAt = await readCount(host, id);
  await sleep(600);
  assert.equal(await readCount(host, id), frozenAt, 'nothing counts while stopped');

  const restored = await restoreContainer(host, id, 'frozen');
  assert.equal(restored.outcome, 'ok');
  assert.ok(await isRunning(host, id));
  const t0 = Date.now();
  const next = await counterAtLeast(frozenAt + 2);
  const ticks = (Date.now() - t0) / 200;
  assert.ok(next > frozenAt && next <= frozenAt + ticks + 10, `continued from ${frozenAt}, not from 1: now ${next}`);
});

test('streams through SshRunner: a checkpoint folder as a tar stream', async () => {
  // Its own container and checkpoint, so a failure above does not fail this one too.
  const id = await runContainer(host, 'cryo-counter:latest', uniqueName('ssh-stream'));
  made.push(id);
  await waitFor('counter >= 1', async () => ((await readCount(host, id)) >= 1 ? true : undefined));
  const cp = await checkpointContainer(host, id, { name: 'streamed', leaveRunning: true, engine: 'runc' });
  assert.equal(cp.outcome, 'ok', cp.error);
  const p = sshOf(host).spawnStream(['tar', '-C', `/var/lib/docker-b/containers/${id}/checkpoints/streamed`, '-cf', '-', '.'], { privileged: true });
  p.stdin.end();
  let bytes = 0;
  for await (const c of p.stdout as AsyncIterable<Buffer>) bytes += c.length;
  const done = await p.done;
  assert.equal(done.exitCode, 0, done.stderr);
  assert.ok(bytes > 100_000, `tar stream of ${bytes} bytes`);
});

test('an unknown host key is refused with how to check and trust it', async () => {
  const empty = join(scratch, 'empty_known_hosts');
  writeFileSync(empty, '');
  const h = DockerHost.ssh('unknown-key', ENDPOINT, { ...OPTIONS, knownHostsFile: empty });
  try {
    await assert.rejects(sshOf(h).connect(), (e: unknown) => {
      assert.ok(e instanceof SshError && e.kind === 'host-key', String(e));
      assert.match(e.message, /host key of 127\.0\.0\.1:2222 is unknown or has changed/);
      assert.match(e.message, new RegExp(`ssh-keyscan -p 2222 127\\.0\\.0\\.1 >> ${empty.replace(/[/.]/g, '\\$&')}`));
      return true;
    });
    const report = await withinHostBudget('probe', h.capabilities());
    assert.equal(report.docker.ok, false);
    assert.match(report.docker.reason ?? '', /host key/);
    assert.equal(report.blocker?.action, 'retry');
    assert.equal(readFileSync(empty, 'utf8'), '', 'nothing was added to known_hosts');
  } finally {
    await h.dispose();
  }
  assert.deepEqual(sshProcesses(h), []);
});

/** A loopback port nothing listens on: bound by us a moment ago, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

test('a wrong port: "cannot reach HOST:PORT", fast', async () => {
  const port = await closedPort();
  const h = DockerHost.ssh('wrong-port', `ssh://root@127.0.0.1:${port}`, OPTIONS);
  try {
    const r = await h.runner.run(['true']);
    assert.equal(r.exitCode, 255);
    assert.match(r.stderr, new RegExp(`Cannot reach 127\\.0\\.0\\.1:${port} over SSH \\(connection refused`));
    const report = await withinHostBudget('probe', h.capabilities());
    assert.match(report.docker.reason ?? '', new RegExp(`Cannot reach 127\\.0\\.0\\.1:${port}`));
  } finally {
    await h.dispose();
  }
});

test('a server that never answers: timed out after ConnectTimeout, the probe still finishes in time', async () => {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => sockets.add(s)); // accepts, never says a word
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const h = DockerHost.ssh('silent', `ssh://root@127.0.0.1:${port}`, { ...OPTIONS, connectTimeoutSec: 2 });
  try {
    const report = await withinHostBudget('probe', h.capabilities());
    assert.equal(report.docker.ok, false);
    assert.match(report.docker.reason ?? '', new RegExp(`Cannot reach 127\\.0\\.0\\.1:${port} over SSH \\(timed out\\)`));
  } finally {
    await h.dispose();
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('a refused login: authentication failed, naming the key', async () => {
  const key = join(scratch, 'stranger');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const h = DockerHost.ssh('stranger', ENDPOINT, { ...OPTIONS, identityFile: key });
  try {
    await assert.rejects(sshOf(h).connect(), (e: unknown) => e instanceof SshError && e.kind === 'auth' && e.message.includes(key));
  } finally {
    await h.dispose();
  }
});

test('daemon B stopped: ssh works, the probe says the daemon is not reachable, nothing hangs', async () => {
  const h = DockerHost.ssh('b-daemon-down', ENDPOINT, OPTIONS);
  try {
    await execa('bash', [join(PROVISION, 'host-b-stop.sh'), '--daemon-only'], { timeout: 90_000 });
    const report = await withinHostBudget('probe', h.capabilities());
    assert.equal(report.docker.ok, false);
    assert.match(report.docker.reason ?? '', /Docker daemon on root@127\.0\.0\.1:2222 is not reachable from there \(.*docker-b\.sock.*\)/);
    assert.equal(report.blocker?.message, 'Failed to connect. Is Docker running?');
    assert.equal(report.raw.privileged.isRoot, true, 'commands over ssh still work');
    await assert.rejects(withinHostBudget('listing', h.listContainers()), /Docker daemon on .* is not reachable/);
  } finally {
    await h.dispose();
    await provisionHostB();
  }
  assert.ok(await daemonBUp(), 'daemon B is back');
  assert.deepEqual(sshProcesses(h), []);
});
