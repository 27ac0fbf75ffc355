import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SshError } from '../../src/core/ssh/errors.js';
import { connectSshDocker } from '../../src/core/ssh/sshDocker.js';
import { SSH_LIMITS, SshRunner } from '../../src/core/ssh/sshRunner.js';
import type { SshTarget } from '../../src/core/ssh/target.js';

/**
 * SshRunner and the dial-stdio transport against a fake `ssh` (sshPath option): a script
 * that logs what it was asked and plays the remote side locally, so the plumbing (quoting,
 * sudo, stdin, binary output, abort, timeouts, reuse, errors) is tested without a network.
 * The real thing is in test/integration/sshHost.test.ts.
 */
let dir: string;
let log: string;
let fakeSsh: string;

const FAKE_SSH = `#!/bin/sh
mode=
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    -O) mode=$2; shift 2 ;;
    -F|-o|-i|-l|-p) shift 2 ;;
    *) shift ;;
  esac
done
host=$1; line=$2
printf '%s|%s|%s\\n' "$host" "$mode" "$line" >> "$FAKE_SSH_LOG"
[ -n "$mode" ] && exit 0
case "$host" in
  refused) echo "ssh: connect to host refused port 22: Connection refused" >&2; exit 255 ;;
  echo) [ "$line" = "id -u" ] && { echo 0; exit 0; }; printf '%s' "$line"; exit 0 ;;
  nonroot) [ "$line" = "id -u" ] && { echo 1000; exit 0; }; printf '%s' "$line"; exit 0 ;;
  dialdown) [ "$line" = "id -u" ] && { echo 0; exit 0; }; echo "failed to open the raw stream connection: dial unix /run/docker-b.sock: connect: connection refused" >&2; exit 1 ;;
  dial) [ "$line" = "id -u" ] && { echo 0; exit 0; }; exec node "$FAKE_DOCKERD" ;;
  *) exec sh -c "$line" ;;
esac
`;

// Answers HTTP/1.1 on stdio like dockerd behind dial-stdio (keep-alive; /events streams).
const FAKE_DOCKERD = `
let buf = Buffer.alloc(0);
process.stdin.on('data', (c) => {
  buf = Buffer.concat([buf, c]);
  for (;;) {
    const end = buf.indexOf('\\r\\n\\r\\n');
    if (end < 0) return;
    const head = buf.subarray(0, end).toString();
    const len = Number((head.match(/content-length: *(\\d+)/i) || [])[1] || 0);
    if (buf.length < end + 4 + len) return;
    buf = buf.subarray(end + 4 + len);
    const path = head.split(' ')[1];
    if (path.includes('/events')) {
      process.stdout.write('HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n');
      setInterval(() => { const j = JSON.stringify({ Type: 'container', Action: 'start' }) + '\\n'; process.stdout.write(j.length.toString(16) + '\\r\\n' + j + '\\r\\n'); }, 30);
      return;
    }
    const body = path.includes('/_ping') ? 'OK' : JSON.stringify({ Version: 'fake-1.0', ApiVersion: '1.41' });
    const type = path.includes('/_ping') ? 'text/plain' : 'application/json';
    process.stdout.write('HTTP/1.1 200 OK\\r\\nContent-Type: ' + type + '\\r\\nContent-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
  }
});
process.stdin.on('end', () => process.exit(0));
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cryo-fake-ssh-'));
  log = join(dir, 'log');
  fakeSsh = join(dir, 'ssh');
  writeFileSync(fakeSsh, FAKE_SSH);
  chmodSync(fakeSsh, 0o755);
  writeFileSync(join(dir, 'dockerd.cjs'), FAKE_DOCKERD);
  process.env['FAKE_SSH_LOG'] = log;
  process.env['FAKE_DOCKERD'] = join(dir, 'dockerd.cjs');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function calls(host: string): string[] {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.startsWith(`${host}|`));
}

function runner(host: string): SshRunner {
  return SshRunner.create({ host } satisfies SshTarget, { sshPath: fakeSsh });
}

test('arguments arrive intact through the remote shell, stdin and binary output work', async () => {
  const r = runner('localhost');
  try {
    const args = ['two words', "it's", '$(echo pwned)', 'a\nb', ''];
    const res = await r.run(['printf', '%s\\0', ...args]);
    assert.equal(res.exitCode, 0, res.stderr);
    assert.deepEqual(res.stdout.split('\0').slice(0, -1), args);
    assert.equal((await r.run(['cat'], { input: 'from stdin\n' })).stdout, 'from stdin\n');
    const bin = await r.runBinary(['printf', '\\000\\377\\001']);
    assert.deepEqual([...bin.stdout], [0, 255, 1]);
    const fail = await r.run(['sh', '-c', 'echo bad >&2; exit 3']);
    assert.deepEqual([fail.exitCode, fail.stderr], [3, 'bad\n']);
  } finally {
    await r.dispose();
  }
});

test('one handshake for many parallel calls, then sessions over it; dispose sends -O exit', async () => {
  const r = runner('reuse-host');
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => r.run(['echo', String(i)])));
  assert.deepEqual(results.map((x) => x.stdout.trim()), Array.from({ length: 12 }, (_, i) => String(i)));
  assert.equal(calls('reuse-host').filter((l) => l.endsWith('|id -u')).length, 1, 'one handshake');
  writeFileSync(r.connection.controlPath, ''); // stands in for the master's socket, which the fake never makes
  await r.dispose();
  assert.equal(calls('reuse-host').filter((l) => l.includes('|exit|')).length, 1);
  assert.equal(r.connection.activeProcesses, 0);
});

test('privileged: sudo -n unless the remote user is root', async () => {
  const user = runner('nonroot');
  const root = runner('echo');
  try {
    assert.equal((await user.run(['runc', 'checkpoint', 'a b'], { privileged: true })).stdout, "sudo -n -- runc checkpoint 'a b'");
    assert.equal((await user.run(['id'])).stdout, 'id');
    assert.equal((await root.run(['runc', 'list'], { privileged: true })).stdout, 'runc list');
    assert.equal(await user.isRoot(), false);
    assert.equal(await root.isRoot(), true);
  } finally {
    await Promise.all([user.dispose(), root.dispose()]);
  }
});

test('an unreachable host: run() says why with exit 255, connect() throws SshError, failures are remembered briefly', async () => {
  const r = runner('refused');
  try {
    const res = await r.run(['true']);
    assert.equal(res.exitCode, 255);
    assert.match(res.stderr, /Cannot reach refused:22 over SSH \(connection refused/);
    await assert.rejects(r.connect(), (e: unknown) => e instanceof SshError && e.kind === 'unreachable');
    await r.run(['true']);
    assert.equal(calls('refused').length, 1, 'no new attempt within a few seconds');
    r.connection.forgetFailure();
    await r.run(['true']);
    assert.equal(calls('refused').length, 2);
  } finally {
    await r.dispose();
  }
});

test('abort kills the process; a timeout answers 124', async () => {
  const r = runner('localhost');
  try {
    const abort = new AbortController();
    const t0 = Date.now();
    const p = r.run(['sleep', '10'], { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(p, { name: 'AbortError' });
    const res = await r.run(['sleep', '10'], { timeoutMs: 300 });
    assert.equal(res.exitCode, 124);
    assert.match(res.stderr, /timed out after 300 ms/);
    assert.ok(Date.now() - t0 < 5_000);
    assert.equal(r.connection.activeProcesses, 0);
  } finally {
    await r.dispose();
  }
});

test('a command without a timeout gets the default one (a hung host never waits forever); 0 means none', async () => {
  const r = runner('localhost');
  const saved = SSH_LIMITS.commandMs;
  SSH_LIMITS.commandMs = 300;
  try {
    const t0 = Date.now();
    const res = await r.run(['sleep', '10']);
    assert.equal(res.exitCode, 124);
    assert.match(res.stderr, /timed out after 300 ms on .*sleep did not finish/);
    assert.ok(Date.now() - t0 < 5_000);
    const own = await r.run(['sh', '-c', 'sleep 0.6; echo done'], { timeoutMs: 5_000 });
    assert.equal(own.exitCode, 0, 'a caller\'s own limit wins over the default');
    assert.equal(own.stdout.trim(), 'done');
    const none = await r.run(['sh', '-c', 'sleep 0.6; echo done'], { timeoutMs: 0 });
    assert.equal(none.exitCode, 0);
  } finally {
    SSH_LIMITS.commandMs = saved;
    await r.dispose();
  }
});

test('spawnStream pipes stdin to stdout; an unreachable host ends stdout and reports 255', async () => {
  const r = runner('localhost');
  const bad = runner('refused');
  try {
    const p = r.spawnStream(['tr', 'a-z', 'A-Z']);
    p.stdin.end('hello stream\n');
    const chunks: Buffer[] = [];
    for await (const c of p.stdout as AsyncIterable<Buffer>) chunks.push(c);
    assert.equal(Buffer.concat(chunks).toString(), 'HELLO STREAM\n');
    assert.equal((await p.done).exitCode, 0);
    const q = bad.spawnStream(['cat']);
    q.stdin.end('lost');
    for await (const _ of q.stdout as AsyncIterable<Buffer>) assert.fail('no output expected');
    const done = await q.done;
    assert.equal(done.exitCode, 255);
    assert.match(done.stderr, /Cannot reach/);
  } finally {
    await Promise.all([r.dispose(), bad.dispose()]);
  }
});

test('dockerode over dial-stdio: requests reuse one connection, a stream ends its process when destroyed', async () => {
  const c = connectSshDocker({ host: 'dial' }, { sshPath: fakeSsh });
  try {
    assert.equal(String(await c.docker.ping()), 'OK');
    assert.equal((await c.docker.version()).Version, 'fake-1.0');
    assert.equal((await c.docker.version()).Version, 'fake-1.0');
    assert.equal(calls('dial').filter((l) => l.endsWith('|docker system dial-stdio')).length, 1, 'keep-alive reuses the connection');
    const events = (await c.docker.getEvents()) as NodeJS.ReadableStream & { destroy(): void };
    const first = await new Promise<string>((resolve) => events.once('data', (d: Buffer) => resolve(d.toString())));
    assert.match(first, /"Action":"start"/);
    events.destroy();
    await waitUntil(() => c.agent.openConnections <= 1);
    assert.equal(c.connection.activeProcesses, c.agent.openConnections);
  } finally {
    await c.dispose();
  }
  assert.equal(c.connection.activeProcesses, 0);
});

test('a daemon that is down fails the request with the reason, not "socket hang up"', async () => {
  const c = connectSshDocker({ host: 'dialdown' }, { sshPath: fakeSsh });
  try {
    await assert.rejects(c.docker.version(), /Docker daemon on dialdown is not reachable from there \(dial unix \/run\/docker-b\.sock: connect: connection refused\)/);
  } finally {
    await c.dispose();
  }
});

async function waitUntil(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
