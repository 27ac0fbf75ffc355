import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { CriuOptions } from '../../src/core/criu/options.js';
import { checkpointContainer, DockerHost, migrateContainer, restoreContainer, startPeriodic, type SshOptions } from '../../src/core/index.js';
import { hasAppsImage, readClientCount, readClientError, seedApp, startApp, verifyApp, waitForApp, type AppName, type AppState } from './apps.js';
import { assertContinues } from './continuity.js';
import { hostA, hostC, isRunning, removeContainer, sleep, uniqueName } from './helpers.js';

/**
 * Real applications checkpointed and restored with Cryo's core on Docker 20.10 (host A) and
 * Docker 28.5.2 (host C), checked at the application level: the data written before is
 * there, a write after is accepted, and each in-container client goes on counting from the
 * value it had when frozen (not from 1, not from a later value the file kept). Each app runs
 * in one container per host, shared by the steps of its host (checkpoint, restore, periodic,
 * migration), so the whole file stays within a few minutes.
 *
 * On host C a restore recreates the container under its name (Docker 28 cannot restore in
 * place): every step looks the container up by name.
 */
const SSH_DIR = '/var/lib/cryo/host-b/ssh';
const HOST_B = 'ssh://root@127.0.0.1:2222';
const SSH: SshOptions = { identityFile: `${SSH_DIR}/id_ed25519`, knownHostsFile: `${SSH_DIR}/known_hosts` };

/** What each app needs from CRIU: redis's and nginx's clients hold TCP connections, mariadb holds file locks. */
const CRIU: Record<AppName, CriuOptions> = {
  redis: { tcpEstablished: true },
  nginx: { tcpEstablished: true },
  mariadb: { fileLocks: true },
  postgresql: {},
  web: { tcpEstablished: true },
  procs: {},
  tty: {},
};
/** How often each app's client counts (ms): bounds how far it may have gone on after a restore. */
const TICK_MS: Partial<Record<AppName, number>> = { redis: 100, nginx: 200, procs: 200, tty: 200 };

/**
 * The app's client continues from the dump (the shared check: first new value in (low,
 * frozen + k]), read from the container now under that name; a client error says why not.
 */
async function continuesFrom(host: DockerHost, name: string, app: AppName, f: Frozen, path = '/client.count'): Promise<number> {
  const id = await idOf(host, name);
  try {
    // An empty read (a file rewritten in place) is no value yet: keep waiting for one.
    const read = (h: DockerHost, i: string) => readClientCount(h, i, path).catch(() => f.stale ?? -1);
    return await assertContinues(host, id, f.high, { low: f.low, stale: f.stale ?? -1, tickMs: TICK_MS[app] ?? 100, path: read });
  } catch (e) {
    const why = await readClientError(host, id);
    if (why && e instanceof Error) e.message += ` (${app}'s client: ${why})`;
    throw e;
  }
}

/** Removes every container whose name starts with `prefix` (holders and migration targets included). */
async function removeNamed(host: DockerHost, prefix: string): Promise<void> {
  const all = await host.docker.listContainers({ all: true, filters: { name: [prefix] } }).catch(() => []);
  // Holders last: a container in container:<holder> mode goes first.
  const ids = all.filter((c) => c.Names.some((n) => n.startsWith(`/${prefix}`))).sort((a, b) => Number(a.Names[0]!.includes('-cryo-net-')) - Number(b.Names[0]!.includes('-cryo-net-')));
  for (const c of ids) await removeContainer(host, c.Id);
}

async function idOf(host: DockerHost, name: string): Promise<string> {
  return (await host.docker.getContainer(name).inspect()).Id;
}

/** A counter the dump froze: its value, or the bounds it lies in when the file was frozen mid-rewrite (empty). */
interface Frozen {
  low: number;
  high: number;
  /** What the file holds until the restored process writes again. */
  stale?: number;
}

/**
 * Checkpoint without leave-running, then restore. The counters at `paths` are read before the
 * checkpoint and from the stopped container (what the dump froze). `procs` and `tty` rewrite
 * their files in place, so a dump can freeze one empty: then the value lies between the one
 * read before and that plus the ticks the checkpoint took.
 */
async function stopAndRestore(t: TestContext, host: DockerHost, name: string, app: AppName, cp: string, paths = TICK_MS[app] ? ['/client.count'] : []): Promise<Frozen[]> {
  let id = await idOf(host, name);
  const before = await Promise.all(paths.map((p) => readClientCount(host, id, p)));
  const t0 = Date.now();
  const rec = await checkpointContainer(host, name, { name: cp, leaveRunning: false, engine: 'runc', criu: CRIU[app] });
  assert.equal(rec.outcome, 'ok');
  assert.equal(await isRunning(host, name), false, 'stopped by the checkpoint');
  const ticks = Math.ceil((Date.now() - t0) / (TICK_MS[app] ?? 100)) + 1;
  const frozen = await Promise.all(
    paths.map(async (p, i): Promise<Frozen> => {
      const v = await readClientCount(host, id, p).catch(() => undefined);
      return v === undefined ? { low: before[i]! - 1, high: before[i]! + ticks } : { low: v, high: v, stale: v };
    }),
  );
  const rs = await restoreContainer(host, name, cp);
  assert.equal(rs.outcome, 'ok');
  assert.ok(await isRunning(host, name), 'running after the restore');
  id = await idOf(host, name);
  t.diagnostic(`${app} on ${host.name}: checkpoint ${(rec.wallMs / 1000).toFixed(2)} s (${((rec.imageBytes ?? 0) / 2 ** 20).toFixed(1)} MiB), restore ${(rs.wallMs / 1000).toFixed(2)} s${rs.recreated ? ` (recreated: ${rs.recreated.changes.join('; ')})` : ''}`);
  return frozen;
}

const HOSTS: [string, () => DockerHost][] = [
  ['A (Docker 20.10)', hostA],
  ['C (Docker 28.5.2)', hostC],
];

for (const [label, makeHost] of HOSTS) {
  describe(`real applications on host ${label}`, () => {
    const host = makeHost();
    const names = new Map<AppName, string>();
    const states = new Map<AppName, AppState>();
    const name = (app: AppName) => names.get(app)!;

    before(async () => {
      assert.ok(await hasAppsImage(host), `cryo-apps:latest is missing on ${host.name}: run scripts/provision/apps.sh`);
      // All apps start at once: mariadb and postgresql take seconds to come up.
      const apps: AppName[] = ['redis', 'mariadb', 'nginx', 'postgresql', 'procs', 'tty'];
      for (const app of apps) names.set(app, uniqueName(`apps-${app}`));
      await Promise.all(
        apps.map(async (app) => {
          const id = await startApp(host, app, name(app), app === 'procs' ? { procs: 20 } : {});
          await waitForApp(host, id);
          states.set(app, await seedApp(host, id, app, app === 'procs' ? 20 : undefined));
        }),
      );
    });

    after(async () => {
      // By name prefix: Docker 28's restore route and a migration from C leave holder containers
      // named <name>-cryo-net-*, and a migration target is <name>-b on host B.
      const b = DockerHost.ssh('host-b', HOST_B, SSH);
      try {
        for (const n of names.values()) await Promise.all([removeNamed(host, n), removeNamed(b, n)]);
      } finally {
        await b.dispose();
      }
    });

    test('redis, client connected: leave-running checkpoint, the client keeps its connection; killed, then restored from it, the client goes on from the dumped value, dataset intact', async (t) => {
      const id = await idOf(host, name('redis'));
      const low = await readClientCount(host, id);
      const rec = await checkpointContainer(host, name('redis'), { name: 'lr', leaveRunning: true, engine: 'runc', criu: CRIU.redis });
      assert.equal(rec.outcome, 'ok');
      assert.deepEqual(rec.options.criu, CRIU.redis, 'the options are recorded');
      const high = await readClientCount(host, id);
      await sleep(3000);
      const stale = await readClientCount(host, id);
      assert.ok(stale >= high + 10, `the client kept counting on its connection after the leave-running dump (${high} -> ${stale}; ${(await readClientError(host, id)) ?? 'no error'})`);
      await host.docker.getContainer(id).kill();
      const rs = await restoreContainer(host, name('redis'), 'lr');
      assert.equal(rs.outcome, 'ok');
      const v = await continuesFrom(host, name('redis'), 'redis', { low, high, stale });
      t.diagnostic(`redis on ${host.name}: dumped between ${low} and ${high}, killed at ${stale}, restored and read ${v}`);
      assert.equal(await readClientError(host, await idOf(host, name('redis'))), undefined, 'the client never lost its connection');
      await verifyApp(host, await idOf(host, name('redis')), { ...states.get('redis')!, clientCount: v });
    });

    test('redis, client connected: checkpoint (stop) and restore: the client goes on from the frozen value on the same connection, dataset intact', async (t) => {
      const [f] = await stopAndRestore(t, host, name('redis'), 'redis', 'st');
      const v = await continuesFrom(host, name('redis'), 'redis', f!);
      assert.equal(await readClientError(host, await idOf(host, name('redis'))), undefined, 'the client never lost its connection');
      await verifyApp(host, await idOf(host, name('redis')), { ...states.get('redis')!, clientCount: v });
    });

    test('mariadb: rows written before a checkpoint (stop, file locks) are there after the restore, and a write is accepted', async (t) => {
      await stopAndRestore(t, host, name('mariadb'), 'mariadb', 'st');
      t.diagnostic(await verifyApp(host, await idOf(host, name('mariadb')), states.get('mariadb')!));
    });

    test('nginx: master and both workers are back after checkpoint (stop) and restore, and its client keeps getting pages', async (t) => {
      const [f] = await stopAndRestore(t, host, name('nginx'), 'nginx', 'st');
      const v = await continuesFrom(host, name('nginx'), 'nginx', f!);
      t.diagnostic(await verifyApp(host, await idOf(host, name('nginx')), { ...states.get('nginx')!, clientCount: v }));
    });

    test('postgresql: a transaction committed before the checkpoint (stop) is readable after the restore, and a write is accepted', async (t) => {
      await stopAndRestore(t, host, name('postgresql'), 'postgresql', 'st');
      t.diagnostic(await verifyApp(host, await idOf(host, name('postgresql')), states.get('postgresql')!));
    });

    test('a TTY container: checkpoint (stop) and restore, its loop goes on counting', async (t) => {
      const id = await idOf(host, name('tty'));
      assert.equal((await host.docker.getContainer(id).inspect()).Config.Tty, true);
      const [f] = await stopAndRestore(t, host, name('tty'), 'tty', 'st');
      await continuesFrom(host, name('tty'), 'tty', f!);
      assert.equal((await host.docker.getContainer(name('tty')).inspect()).Config.Tty, true, 'still a TTY container');
    });

    test('20 processes: checkpoint (stop) and restore, all 20 are back and each counts on from its dump', async (t) => {
      const paths = ['/client.count', ...Array.from({ length: 19 }, (_, i) => `/procs/${i + 1}.count`)];
      const frozen = await stopAndRestore(t, host, name('procs'), 'procs', 'st', paths);
      const v = await Promise.all(paths.map((p, i) => continuesFrom(host, name('procs'), 'procs', frozen[i]!, p)));
      t.diagnostic(await verifyApp(host, await idOf(host, name('procs')), { ...states.get('procs')!, clientCount: v[0]! }));
    });

    test('periodic versions of redis (client connected), the container killed: the newest version restores with the dataset and the client going on', async (t) => {
      const id = await idOf(host, name('redis'));
      const after = new Map<string, Promise<number>>();
      const handle = await startPeriodic(host, name('redis'), { everyMs: 1000, keep: 2, count: 2, criu: CRIU.redis }, {
        onEvent: (e) => {
          if (e.kind === 'version') after.set(e.name, readClientCount(host, id));
        },
      });
      const summary = await handle.done;
      assert.deepEqual([summary.reason, summary.versions, summary.failed], ['count', 2, 0]);
      const versions = [...after.keys()];
      const [first, newest] = versions as [string, string];
      const low = await after.get(first)!;
      const high = await after.get(newest)!;
      await sleep(2000);
      const stale = await readClientCount(host, id);
      await host.docker.getContainer(id).kill();
      const rs = await restoreContainer(host, name('redis'), newest);
      assert.equal(rs.outcome, 'ok');
      const v = await continuesFrom(host, name('redis'), 'redis', { low, high, stale });
      t.diagnostic(`redis on ${host.name}: version ${newest} between ${low} and ${high}, killed at ${stale}, restored and read ${v}`);
      await verifyApp(host, await idOf(host, name('redis')), { ...states.get('redis')!, clientCount: v });
    });

    test('mariadb migrates to host B over SSH with its rows, and B accepts a write', async (t) => {
      const b = DockerHost.ssh('host-b', HOST_B, SSH);
      try {
        assert.ok(await hasAppsImage(b), 'cryo-apps:latest is missing on host B: run scripts/provision/apps.sh');
        // A new marker and rows: the earlier steps added a row to the first ones.
        const id = await idOf(host, name('mariadb'));
        const state = await seedApp(host, id, 'mariadb');
        const target = `${name('mariadb')}-b`;
        const rec = await migrateContainer(host, b, name('mariadb'), { targetName: target, criu: CRIU.mariadb });
        assert.equal(rec.outcome, 'ok', rec.error);
        const bId = await idOf(b, target);
        t.diagnostic(`mariadb ${host.name} -> host-b: downtime ${((rec.downtimeMs ?? 0) / 1000).toFixed(2)} s; ${await verifyApp(b, bId, state)}`);
      } finally {
        await b.dispose();
      }
    });
  });
}
