import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { DockerHost } from '../../src/core/index.js';
import { readFile, sleep } from './helpers.js';

/**
 * Real applications for the integration tests: the cryo-apps:latest image built from Debian
 * packages by scripts/provision/apps.sh (on hosts A, B and C). Each app is the container's
 * own command, so everything it runs is part of a checkpoint; all processes run as root
 * (CRIU in this sandbox cannot dump other uids). Apps listen on loopback only.
 *
 * app          what runs                                   what a test can read
 * redis        redis-server 127.0.0.1:6379, 10000 keys     /client.count: redis's INCR answer from
 *              key:N = value:N, a client on ONE TCP        a client that never reconnects
 *              connection INCRing every 100 ms             (/client.error says why it stopped);
 *                                                          exec: redis-cli dbsize / get key:N
 * mariadb      mariadbd 127.0.0.1:3306, table cryo.t       exec: mariadb -N -e SQL (mariadbQuery)
 *              (id AUTO_INCREMENT, v VARCHAR)
 * nginx        master + 2 workers on 127.0.0.1:80, a       /client.count: pages served right;
 *              client fetching every 200 ms                /client.failures
 * postgresql   postgres 127.0.0.1:5432, table t (id, v)    exec: psql -Atc SQL (psqlQuery)
 * web          python3 http.server 127.0.0.1:8080, state   /client.count: the server's hit number
 *              in memory (GET /hits, GET|PUT /kv/KEY)      (continues only if its memory did)
 * procs        exactly N counting processes (default 20)   /client.count, /procs/I.count
 * tty          one loop echoing its count (run with -t)    /client.count
 *
 * Every app writes /ready when it answers (and its client runs): waitForApp. A test writes
 * state before a checkpoint with seedApp and checks it after the restore with verifyApp.
 */
export const APPS_IMAGE = 'cryo-apps:latest';

export type AppName = 'redis' | 'mariadb' | 'nginx' | 'postgresql' | 'web' | 'procs' | 'tty';
export const SERVER_APPS: readonly AppName[] = ['redis', 'mariadb', 'nginx', 'postgresql', 'web'];

/**
 * The CRIU options each app needs to be dumped (CRIU 4.2.1, runc checkpoint --leave-running
 * on host A, measured): redis's client holds a connected TCP socket ("Connected TCP socket,
 * consider using --tcp-established"), mariadbd holds file locks ("Some file locks are hold
 * by dumping tasks"). nginx and web dumped 20 of 20 times without options: their clients'
 * connections last a few ms of every 200, so a dump landing on one would need
 * tcpEstablished too. Names as in CriuOptions (src/core/criu/options.ts).
 */
export const APP_CRIU_NEEDS: Readonly<Record<AppName, readonly ('tcpEstablished' | 'fileLocks')[]>> = {
  redis: ['tcpEstablished'],
  mariadb: ['fileLocks'],
  nginx: [],
  postgresql: [],
  web: [],
  procs: [],
  tty: [],
};

export interface StartAppOptions {
  /** HostConfig.NetworkMode; default 'none' (apps use loopback only). */
  network?: string;
  /** Create with NetworkDisabled: true (the form Docker 28 can restore in place). */
  networkDisabled?: boolean;
  /** Allocate a TTY; default true for the tty app only. */
  tty?: boolean;
  /** procs: how many processes (default 20). */
  procs?: number;
  env?: Record<string, string>;
  /** false: the server alone, no in-container client (CRYO_NO_CLIENT=1; redis, nginx, web). */
  client?: boolean;
  /** Extra HostConfig fields (restart policy, mounts...). */
  hostConfig?: Record<string, unknown>;
}

/** Creates and starts `/cryo/APP` from cryo-apps:latest; returns the container id. */
export async function startApp(host: DockerHost, app: AppName, name: string, opts: StartAppOptions = {}): Promise<string> {
  const cmd = [`/cryo/${app}`, ...(app === 'procs' && opts.procs !== undefined ? [String(opts.procs)] : [])];
  const tty = opts.tty ?? app === 'tty';
  const c = await host.docker.createContainer({
    Image: APPS_IMAGE,
    name,
    Cmd: cmd,
    Tty: tty,
    OpenStdin: tty,
    Env: Object.entries({ ...opts.env, ...(opts.client === false ? { CRYO_NO_CLIENT: '1' } : {}) }).map(([k, v]) => `${k}=${v}`),
    ...(opts.networkDisabled ? { NetworkDisabled: true } : {}),
    HostConfig: { NetworkMode: opts.network ?? 'none', ...opts.hostConfig },
  });
  await c.start();
  return c.id;
}

/**
 * Waits until the app answers (its entry script checked it and wrote /ready) and returns
 * what /ready says (e.g. "redis 10000 keys"). A container that exits first fails at once,
 * with its log.
 */
export async function waitForApp(host: DockerHost, id: string, timeoutMs = 120_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ready = await readFile(host, id, '/ready').catch(() => '');
    if (ready.trim()) return ready.trim();
    const state = (await host.docker.getContainer(id).inspect()).State;
    if (!state.Running) {
      throw new Error(`app container ${id.slice(0, 12)} exited (${state.ExitCode}) before it was ready:\n${await containerLog(host, id)}`);
    }
    if (Date.now() > end) throw new Error(`app container ${id.slice(0, 12)} not ready after ${timeoutMs} ms:\n${await containerLog(host, id)}`);
    await sleep(250);
  }
}

/** The last lines of a container's output (stdout and stderr), for failure messages. */
export async function containerLog(host: DockerHost, id: string, lines = 30): Promise<string> {
  const buf = (await host.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
  // Without a TTY the log is multiplexed: 8-byte frame headers. Strip them for reading.
  const text: string[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    if (buf[i]! > 2 || buf[i + 1] !== 0) return buf.toString('utf8'); // a TTY log: raw
    text.push(buf.subarray(i + 8, i + 8 + size).toString('utf8'));
    i += 8 + size;
  }
  return text.join('');
}

/**
 * The in-container client's counter. Clients write it with tmp+rename; `procs` rewrites it
 * in place (a rename would fork), so an empty read is retried.
 */
export async function readClientCount(host: DockerHost, id: string, path = '/client.count'): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const text = (await readFile(host, id, path)).trim();
    if (/^\d+$/.test(text)) return Number(text);
    if (attempt >= 10) throw new Error(`${path} of ${id.slice(0, 12)} holds no counter: '${text}'`);
    await sleep(20);
  }
}

/** Why the in-container client stopped or last failed, if it wrote it. */
export async function readClientError(host: DockerHost, id: string): Promise<string | undefined> {
  const text = (await readFile(host, id, '/client.error').catch(() => '')).trim();
  return text || undefined;
}

/** Waits for the client's counter (or another counter file) to reach at least n; returns it. */
export async function clientCountAtLeast(host: DockerHost, id: string, n: number, path = '/client.count', timeoutMs = 20_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    last = await readClientCount(host, id, path).catch(() => undefined);
    if (last !== undefined && last >= n) return last;
    if (Date.now() > end) {
      const why = await readClientError(host, id);
      throw new Error(`${path} of ${id.slice(0, 12)} stayed at ${last ?? 'nothing'} (< ${n})${why ? `: ${why}` : ''}`);
    }
    await sleep(200);
  }
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a check command in the container with `docker exec` (the API). Only for checks before
 * a checkpoint or after a restore: a process started by exec is not part of the container's
 * process tree, so CRIU refuses to dump while one runs, and it is gone after a restore.
 */
export async function execIn(host: DockerHost, id: string, cmd: string[]): Promise<ExecResult> {
  const exec = await host.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (b: Buffer) => out.push(b));
  const stderr = new PassThrough().on('data', (b: Buffer) => err.push(b));
  await new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', reject);
    host.docker.modem.demuxStream(stream, stdout, stderr);
  });
  let info = await exec.inspect();
  // The stream can end a moment before the daemon records the exit code.
  for (let i = 0; info.Running && i < 50; i++) {
    await sleep(100);
    info = await exec.inspect();
  }
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** execIn that must succeed; returns its stdout trimmed. */
export async function execCheck(host: DockerHost, id: string, cmd: string[]): Promise<string> {
  const r = await execIn(host, id, cmd);
  if (r.exitCode !== 0) throw new Error(`'${cmd.join(' ')}' in ${id.slice(0, 12)} exited ${r.exitCode}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

/** A redis command through redis-cli in the container (e.g. ['dbsize'], ['get', 'key:42']). */
export function redisCli(host: DockerHost, id: string, args: string[]): Promise<string> {
  return execCheck(host, id, ['redis-cli', ...args]);
}

/** SQL through the mariadb client (root over the socket, database cryo), tab-separated rows without header. */
export function mariadbQuery(host: DockerHost, id: string, sql: string): Promise<string> {
  return execCheck(host, id, ['mariadb', '-N', '-B', 'cryo', '-e', sql]);
}

/** SQL through psql (user postgres, database postgres), unaligned rows without header. */
export function psqlQuery(host: DockerHost, id: string, sql: string): Promise<string> {
  return execCheck(host, id, ['psql', '-v', 'ON_ERROR_STOP=1', '-Atc', sql]);
}

/** An HTTP request to a server inside the container (loopback), answered body. */
export function httpInside(host: DockerHost, id: string, url: string, method: 'GET' | 'PUT' = 'GET', body?: string): Promise<string> {
  const py = [
    'import sys, urllib.request as u',
    'd = sys.argv[3].encode() if len(sys.argv) > 3 else None',
    'print(u.urlopen(u.Request(sys.argv[1], data=d, method=sys.argv[2]), timeout=5).read().decode(), end="")',
  ].join('\n');
  return execCheck(host, id, ['python3', '-c', py, url, method, ...(body !== undefined ? [body] : [])]);
}

/** The image is on the host (apps.sh has run there). */
export async function hasAppsImage(host: DockerHost): Promise<boolean> {
  return host.docker
    .getImage(APPS_IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

/** What seedApp wrote and saw, for verifyApp after a checkpoint/restore or migration. */
export interface AppState {
  app: AppName;
  /** Unique text written into the app's data (a key, rows, a stored value). */
  marker: string;
  /** The client's counter when seeded (apps with a client). */
  clientCount?: number;
  /** procs: how many processes the container runs. */
  procs?: number;
}

export const SEED_ROWS = 100;

/**
 * Writes application state a restore must keep (redis key, SEED_ROWS rows committed in
 * mariadb/postgresql, a value in the web service's memory) and notes the client's counter.
 * Uses `docker exec`: call it before the checkpoint, never during one.
 */
export async function seedApp(host: DockerHost, id: string, app: AppName, procs?: number): Promise<AppState> {
  const marker = `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const state: AppState = { app, marker };
  switch (app) {
    case 'redis':
      assert.equal(await redisCli(host, id, ['set', 'cryo:marker', marker]), 'OK');
      break;
    case 'mariadb':
      await mariadbQuery(host, id, `INSERT INTO cryo.t (v) SELECT CONCAT('${marker}-', seq) FROM seq_1_to_${SEED_ROWS}`);
      break;
    case 'postgresql':
      await psqlQuery(host, id, `BEGIN; INSERT INTO t (v) SELECT '${marker}-' || i FROM generate_series(1, ${SEED_ROWS}) i; COMMIT;`);
      break;
    case 'web':
      assert.equal(await httpInside(host, id, 'http://127.0.0.1:8080/kv/marker', 'PUT', marker), 'stored');
      break;
    case 'procs':
      state.procs = procs ?? 20;
      break;
    case 'nginx':
    case 'tty':
      break;
  }
  if (app !== 'mariadb' && app !== 'postgresql') state.clientCount = await readClientCount(host, id).catch(() => undefined);
  if (state.clientCount === undefined) delete state.clientCount;
  return state;
}

/**
 * Application-level checks after a restore (or right after seedApp, as readiness): the data
 * seedApp wrote is intact, a new write is accepted, and the in-container client goes on
 * counting from where it was (not from 1). Returns a one-line summary for diagnostics.
 */
export async function verifyApp(host: DockerHost, id: string, state: AppState): Promise<string> {
  const { app, marker } = state;
  const out: string[] = [];
  switch (app) {
    case 'redis': {
      assert.equal(await redisCli(host, id, ['get', 'cryo:marker']), marker, 'redis lost the key written before');
      assert.equal(await redisCli(host, id, ['get', 'key:4242']), 'value:4242', 'redis lost its dataset');
      const size = Number(await redisCli(host, id, ['dbsize']));
      assert.ok(size >= 10_001, `redis has ${size} keys, expected the 10000 of the dataset + the marker`);
      assert.equal(await redisCli(host, id, ['set', 'cryo:after', marker]), 'OK');
      out.push(`${size} keys`);
      break;
    }
    case 'mariadb': {
      const n = await mariadbQuery(host, id, `SELECT COUNT(*) FROM cryo.t WHERE v LIKE '${marker}-%'`);
      assert.equal(n, String(SEED_ROWS), 'mariadb lost rows committed before');
      await mariadbQuery(host, id, `INSERT INTO cryo.t (v) VALUES ('${marker}-after')`);
      assert.equal(await mariadbQuery(host, id, `SELECT COUNT(*) FROM cryo.t WHERE v LIKE '${marker}-%'`), String(SEED_ROWS + 1));
      out.push(`${n} rows + 1 written`);
      break;
    }
    case 'postgresql': {
      const n = await psqlQuery(host, id, `SELECT COUNT(*) FROM t WHERE v LIKE '${marker}-%'`);
      assert.equal(n, String(SEED_ROWS), 'postgresql lost the transaction committed before');
      await psqlQuery(host, id, `INSERT INTO t (v) VALUES ('${marker}-after')`);
      assert.equal(await psqlQuery(host, id, `SELECT COUNT(*) FROM t WHERE v LIKE '${marker}-%'`), String(SEED_ROWS + 1));
      out.push(`${n} rows + 1 written`);
      break;
    }
    case 'web':
      assert.equal(await httpInside(host, id, 'http://127.0.0.1:8080/kv/marker'), marker, "the web service lost the value in its memory");
      break;
    case 'nginx': {
      const procs = (await execCheck(host, id, ['ps', '-C', 'nginx', '-o', 'args='])).split('\n').map((l) => l.trim());
      assert.equal(procs.filter((l) => l.startsWith('nginx: master')).length, 1, procs.join('; '));
      assert.equal(procs.filter((l) => l.startsWith('nginx: worker')).length, 2, procs.join('; '));
      out.push('master + 2 workers');
      break;
    }
    case 'procs': {
      const n = Number(await execCheck(host, id, ['sh', '-c', 'ps -C procs --no-headers | wc -l']));
      assert.equal(n, state.procs ?? 20, 'processes of the procs workload');
      const last = (state.procs ?? 20) - 1;
      if (last >= 1) {
        const before = await readClientCount(host, id, `/procs/${last}.count`);
        await clientCountAtLeast(host, id, before + 2, `/procs/${last}.count`);
      }
      out.push(`${n} processes`);
      break;
    }
    case 'tty':
      break;
  }
  if (state.clientCount !== undefined) {
    // Continues: above where it was, and still moving.
    const now = await clientCountAtLeast(host, id, state.clientCount + 1);
    const later = await clientCountAtLeast(host, id, now + 2);
    out.push(`client ${state.clientCount} -> ${later}`);
  }
  // CRIU here dumps root's processes only: every process of the app must be root.
  const uids = new Set((await execCheck(host, id, ['ps', '-e', '-o', 'uid='])).split('\n').map((l) => l.trim()));
  assert.deepEqual([...uids], ['0'], `processes of ${app} not all root`);
  return `${app}: ${out.join(', ') || 'ok'}`;
}
