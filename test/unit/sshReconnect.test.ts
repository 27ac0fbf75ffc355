import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DockerHost } from '../../src/core/host/dockerHost.js';
import { rollBack } from '../../src/core/migrate/state.js';
import { findLostCreate, neverReachedDaemon, removalCommand, removePartialTarget, REMOVAL_RETRY } from '../../src/core/migrate/targetRemoval.js';
import { dialStdioError, DockerUnreachableError } from '../../src/core/ssh/errors.js';
import { connectSshDocker } from '../../src/core/ssh/sshDocker.js';

/**
 * After the ssh master dies (issue #9, cut at the transfer phase): the Docker connections that
 * rode it leave the pool at once, the next calls share ONE new handshake (the new master), and
 * the rollback's removal of the partial target retries over the new connection. A fake `ssh`
 * plays the remote side; the "master" dies when the file $CUT exists: every dial-stdio session
 * then exits 255, as ssh's mux clients do when their master is killed.
 */
let dir: string;
let log: string;
let cut: string;

const FAKE_SSH = `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    -O) exit 0 ;;
    -F|-o|-i|-l|-p) shift 2 ;;
    *) shift ;;
  esac
done
printf '%s\\n' "$2" >> "$FAKE_SSH_LOG"
[ "$2" = "id -u" ] && { echo 0; exit 0; }
exec node "$FAKE_DOCKERD"
`;

// dockerd behind dial-stdio (keep-alive), dying with ssh's 255 when the master is "killed".
const FAKE_DOCKERD = `
const fs = require('node:fs');
setInterval(() => { if (fs.existsSync(process.env.CUT)) process.exit(255); }, 10);
let buf = Buffer.alloc(0);
process.stdin.on('data', (c) => {
  buf = Buffer.concat([buf, c]);
  for (;;) {
    const end = buf.indexOf('\\r\\n\\r\\n');
    if (end < 0) return;
    buf = buf.subarray(end + 4);
    const body = JSON.stringify({ Version: 'fake-1.0', ApiVersion: '1.41' });
    setTimeout(() => process.stdout.write('HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n' + body), 30);
  }
});
process.stdin.on('end', () => process.exit(0));
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cryo-fake-ssh-'));
  log = join(dir, 'log');
  cut = join(dir, 'cut');
  writeFileSync(join(dir, 'ssh'), FAKE_SSH);
  chmodSync(join(dir, 'ssh'), 0o755);
  writeFileSync(join(dir, 'dockerd.cjs'), FAKE_DOCKERD);
  process.env['FAKE_SSH_LOG'] = log;
  process.env['FAKE_DOCKERD'] = join(dir, 'dockerd.cjs');
  process.env['CUT'] = cut;
});

after(() => rmSync(dir, { recursive: true, force: true }));

const handshakes = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l === 'id -u').length : 0);

async function waitUntil(cond: () => boolean, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error('condition not met in time');
}

test('the master dies: pooled Docker connections leave at once, the next calls share one new handshake and work', async () => {
  const c = connectSshDocker({ host: 'cutme' }, { sshPath: join(dir, 'ssh') });
  try {
    await Promise.all([c.docker.version(), c.docker.version()]); // two pooled connections
    assert.equal(c.agent.openConnections, 2);
    assert.equal(handshakes(), 1);
    writeFileSync(cut, '');
    await waitUntil(() => c.agent.openConnections === 0);
    assert.equal(c.connection.reconnectCount, 1, 'two dead sessions, one reconnection');
    rmSync(cut);
    const v = await Promise.all([c.docker.version(), c.docker.version(), c.docker.version()]);
    assert.deepEqual(v.map((x) => x.Version), ['fake-1.0', 'fake-1.0', 'fake-1.0']);
    assert.equal(handshakes(), 2, 'three calls after the cut waited for ONE new handshake');
  } finally {
    await c.dispose();
  }
});

type Call = () => Promise<unknown>;
function fakeHost(remove: Call, inspect: Call = () => Promise.reject(Object.assign(new Error('no such container'), { statusCode: 404 }))): DockerHost {
  return { name: 'host-b', endpoint: 'ssh://root@127.0.0.1:2222', docker: { getContainer: () => ({ remove, inspect }) } } as unknown as DockerHost;
}
const lost = () => Promise.reject(new Error('The Docker connection over ssh to root@127.0.0.1:2222 ended unexpectedly (exit 255)'));

test('the partial target is removed on a later try when the first ones die with the connection; a 404 means gone', async () => {
  let n = 0;
  const r = await removePartialTarget(fakeHost(() => (++n < 3 ? lost() : Promise.resolve())), 'a'.repeat(64), [1, 1, 1]);
  assert.deepEqual(r, { removed: true, tries: 3 });
  // The first try went through but its answer was lost: the next finds nothing, which is the goal.
  let m = 0;
  const r2 = await removePartialTarget(fakeHost(() => (++m < 2 ? lost() : Promise.reject(Object.assign(new Error('gone'), { statusCode: 404 })))), 'b', [1, 1]);
  assert.deepEqual(r2, { removed: true, tries: 2 });
  const r3 = await removePartialTarget(fakeHost(lost), 'c', [1, 1]);
  assert.equal(r3.removed, false);
  assert.equal(r3.tries, 3);
  assert.match(r3.error!, /exit 255/);
});

test('a rollback that cannot remove the target names it and the exact command', async () => {
  const delays = REMOVAL_RETRY.delaysMs;
  REMOVAL_RETRY.delaysMs = [1, 1, 1, 1];
  const r = await rollBack({ source: fakeHost(lost), target: fakeHost(lost), targetId: 'f'.repeat(64), freezeTried: false, checkpoint: 'cp' }).catch((e: unknown) => e);
  REMOVAL_RETRY.delaysMs = delays;
  assert.ok(!(r instanceof Error), String(r));
  const rb = r as Awaited<ReturnType<typeof rollBack>>;
  assert.equal(rb.target, 'left');
  assert.match(rb.detail, /Could NOT remove the partial container ffffffffffff on host-b \(5 tries; last: .*exit 255\).*docker -H ssh:\/\/root@127\.0\.0\.1:2222 rm -f ffffffffffff/);
  assert.equal(removalCommand({ endpoint: 'unix:///var/run/docker.sock' }, 'x'), 'docker rm -f x');
});

test("a create whose answer was lost: the container of that name, never started, from the migration's image, is found and removed", async () => {
  const created = { Id: 'c'.repeat(64), State: { Status: 'created' }, Config: { Image: 'img:1' } };
  assert.deepEqual(await findLostCreate(fakeHost(lost, () => Promise.resolve(created)), 'n', 'img:1', [1]), { id: created.Id });
  assert.equal(await findLostCreate(fakeHost(lost, () => Promise.resolve({ ...created, State: { Status: 'running' } })), 'n', 'img:1', [1]), 'none', 'a running container is not ours');
  assert.equal(await findLostCreate(fakeHost(lost, () => Promise.resolve({ ...created, Config: { Image: 'other' } })), 'n', 'img:1', [1]), 'none');
  assert.equal(await findLostCreate(fakeHost(lost), 'n', 'img:1', [1]), 'none');
  assert.equal(await findLostCreate(fakeHost(lost, lost), 'n', 'img:1', [1, 1]), 'unknown');
  let removed = 0;
  const rb = await rollBack({ source: fakeHost(lost), target: fakeHost(() => (removed++, Promise.resolve()), () => Promise.resolve(created)), freezeTried: false, checkpoint: 'cp', createLost: { name: 'n', image: 'img:1' } });
  assert.equal(removed, 1);
  assert.equal(rb.target, 'removed');
  assert.match(rb.detail, /The create's answer was lost, but host-b had made the container n\. The partial container on host-b was removed\./);
});

test('a restore that never reached a daemon (its socket refused, locally or behind ssh) did not start the target', () => {
  const viaSsh = dialStdioError('failed to open the raw stream connection: dial unix /run/d.sock: connect: connection refused', 1, { host: 'h' });
  assert.ok(viaSsh instanceof DockerUnreachableError);
  assert.ok(neverReachedDaemon(viaSsh));
  assert.ok(neverReachedDaemon(new Error('restore failed', { cause: viaSsh })));
  assert.ok(neverReachedDaemon(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED', syscall: 'connect' })));
  assert.ok(!neverReachedDaemon(new Error('socket hang up')), 'a connection lost mid-request may have started it');
  assert.ok(!neverReachedDaemon(dialStdioError('', 255, { host: 'h' })));
});

test('a target that may run (restore under way) and cannot be removed keeps the source stopped: never two copies', async () => {
  const delays = REMOVAL_RETRY.delaysMs;
  REMOVAL_RETRY.delaysMs = [1];
  try {
    const stopped = () => Promise.resolve({ State: { Running: false, Restarting: false, Status: 'exited', ExitCode: 0 }, RestartCount: 0 });
    const rb = await rollBack({ source: fakeHost(lost, stopped), target: fakeHost(lost), sourceId: 's', targetId: 'e'.repeat(64), targetMayRun: true, freezeTried: true, checkpoint: 'cryo-mig-1' });
    assert.equal(rb.source, 'stopped');
    assert.equal(rb.target, 'left');
    assert.match(rb.detail, /^The source container is KEPT STOPPED on host-b with its checkpoint cryo-mig-1: the target on host-b may be running/);
    assert.match(rb.detail, /may be running; remove it with: docker -H ssh:\/\/root@127\.0\.0\.1:2222 rm -f eeeeeeeeeeee/);
  } finally {
    REMOVAL_RETRY.delaysMs = delays;
  }
});
