import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { DockerHost, migrateContainer, MigrationFailedError, SshRunner, type SshOptions } from '../../src/core/index.js';
import { isRunning, readCount, readFile, removeContainer, runContainer, uniqueName, waitFor } from './helpers.js';
import { assertContinues } from './continuity.js';

/**
 * Migration to and from host B over real SSH (scripts/provision/host-b.sh): the Docker API
 * through `docker system dial-stdio`, checkpoint files through ssh pipes, CRIU on both ends.
 */
const SSH_DIR = '/var/lib/cryo/host-b/ssh';
const ENDPOINT = 'ssh://root@127.0.0.1:2222';
const OPTIONS: SshOptions = { identityFile: `${SSH_DIR}/id_ed25519`, knownHostsFile: `${SSH_DIR}/known_hosts` };
const PROVISION = join(process.cwd(), 'scripts', 'provision');

const a = DockerHost.local('local');
let b: DockerHost;
let scratch: string;
const made: [() => DockerHost, string][] = [];
const CMD = ['/bin/sh', '-c', 'echo "marker-$$-$(date +%s)" > /marker.txt; exec /bin/sh /counter.sh'];


async function untouched(id: string): Promise<void> {
  assert.ok(await isRunning(a, id), 'source still running');
  assert.deepEqual(await a.checkpointNames(id), [], 'no checkpoint was made');
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cryo-migssh-'));
  b = DockerHost.ssh('host-b', ENDPOINT, OPTIONS);
  const caps = await b.capabilities();
  assert.ok(caps.docker.ok && caps.engines.runc.ok, `host B over ssh must work: ${caps.docker.reason}`);
});

after(async () => {
  for (const [h, id] of made) await removeContainer(h(), id);
  await b.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

test('A -> B over SSH and back: the counter continues and the files come along', async () => {
  const name = uniqueName('ssh');
  const srcId = await runContainer(a, 'cryo-counter:latest', name, CMD);
  made.push([() => a, srcId]);
  await waitFor('counter >= 10', async () => ((await readCount(a, srcId)) >= 10 ? true : undefined));
  const marker = await readFile(a, srcId, '/marker.txt');

  const rec = await migrateContainer(a, b, name);
  assert.equal(rec.outcome, 'ok');
  // zstd on both ends (host B's sessions run on this machine, provisioned with zstd).
  assert.equal(rec.codec, 'zstd');
  const frozenAt = await readCount(a, srcId);
  const bId = (await b.docker.getContainer(name).inspect()).Id;
  made.push([() => b, bId]);
  await assertContinues(b, bId, frozenAt, { slack: 15 });
  assert.equal(await readFile(b, bId, '/marker.txt'), marker);

  const back = await migrateContainer(b, a, name, { targetName: `${name}-back` });
  assert.equal(back.outcome, 'ok');
  assert.equal(back.codec, 'zstd');
  const backId = (await a.docker.getContainer(`${name}-back`).inspect()).Id;
  made.push([() => a, backId]);
  const v = await readCount(a, backId);
  assert.ok(v > frozenAt);
  await waitFor('A counts on', async () => ((await readCount(a, backId)) > v ? true : undefined));
  assert.equal(await readFile(a, backId, '/marker.txt'), marker);
});

test('an unknown host key, a wrong port, or daemon B down: a clear error, the source untouched', async () => {
  const name = uniqueName('bad');
  const srcId = await runContainer(a, 'cryo-counter:latest', name);
  made.push([() => a, srcId]);

  const emptyKnownHosts = join(scratch, 'known_hosts');
  writeFileSync(emptyKnownHosts, '');
  const strangers = DockerHost.ssh('stranger', ENDPOINT, { ...OPTIONS, knownHostsFile: emptyKnownHosts });
  try {
    await assert.rejects(migrateContainer(a, strangers, name), (e: Error) => e instanceof MigrationFailedError && e.sourceState === 'untouched' && /host key/i.test(e.message));
  } finally {
    await strangers.dispose();
  }
  await untouched(srcId);

  const wrongPort = DockerHost.ssh('wrong-port', 'ssh://root@127.0.0.1:2299', OPTIONS);
  try {
    await assert.rejects(migrateContainer(a, wrongPort, name), (e: Error) => e instanceof MigrationFailedError && e.sourceState === 'untouched' && /reach|refused/i.test(e.message));
  } finally {
    await wrongPort.dispose();
  }
  await untouched(srcId);

  await execa('bash', [join(PROVISION, 'host-b-stop.sh'), '--daemon-only']);
  const downB = DockerHost.ssh('host-b-down', ENDPOINT, OPTIONS);
  try {
    await assert.rejects(migrateContainer(a, downB, name), (e: Error) => e instanceof MigrationFailedError && e.sourceState === 'untouched' && /host-b-down/.test(e.message) && /daemon|docker/i.test(e.message));
  } finally {
    await downB.dispose();
    await execa('bash', [join(PROVISION, 'host-b.sh')]);
  }
  await untouched(srcId);
});

test('cutting the ssh transport during the transfer: the source runs again from its checkpoint', async () => {
  b.refresh(); // daemon B was restarted by the previous test
  const name = uniqueName('cut');
  const srcId = await runContainer(a, 'cryo-memhog:latest', name, ['/memhog', '192', '0']);
  made.push([() => a, srcId]);
  await waitFor('memhog resident', async () => ((await readCount(a, srcId)) > 0 ? true : undefined));
  const controlDir = dirname((b.runner as SshRunner).connection.controlPath);

  let cutting = false;
  let frozenAt = 0;
  const cutter = async () => {
    // Kill every ssh process of B's connection (master and sessions) until the phase ends.
    for (let i = 0; i < 30 && cutting; i++) {
      await execa('pkill', ['-KILL', '-f', controlDir], { reject: false });
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const migration = migrateContainer(a, b, name, {
    onPhase: (p) => {
      if (p === 'filesystem') void readCount(a, srcId).then((v) => (frozenAt = v));
      cutting = p === 'transfer';
      if (cutting) void cutter();
    },
  });
  await assert.rejects(migration, (e: Error) => e instanceof MigrationFailedError && e.phase === 'transfer' && e.sourceState === 'restored');
  cutting = false;
  assert.ok(await isRunning(a, srcId), 'the source runs again');
  assert.ok(frozenAt > 0, 'the frozen value was read');
  await assertContinues(a, srcId, frozenAt, { slack: 25 });
  // Whatever B kept (the ssh cut may have stopped the clean-up) is not running.
  const leftover = await b.docker.getContainer(name).inspect().catch(() => undefined);
  if (leftover) {
    made.push([() => b, leftover.Id]);
    assert.equal(leftover.State.Running, false);
  }
});
