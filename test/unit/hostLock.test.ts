import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type Docker from 'dockerode';
import { LocalRunner } from '../../src/core/exec/localRunner.js';
import { DockerHost } from '../../src/core/host/dockerHost.js';
import { acquireHostLock, HostLockTimeoutError, withHostLock } from '../../src/core/host/hostLock.js';

/**
 * The host lock with the real flock on this machine, in a temp state folder (no Docker
 * needed: the lock only uses the host's CommandRunner). Over SSH and across processes:
 * test/integration/hostLock.test.ts.
 */
const state = mkdtempSync(join(tmpdir(), 'cryo-lock-'));
const host = new DockerHost('unit', 'unix:///nowhere', {} as Docker, new LocalRunner(), state);
after(() => rmSync(state, { recursive: true, force: true }));

test('a second acquirer waits until the first releases', async () => {
  const first = await acquireHostLock(host, 'k1', { holder: 'first' });
  let secondGot = 0;
  const second = acquireHostLock(host, 'k1', { holder: 'second', waitMs: 10_000 }).then((l) => {
    secondGot = Date.now();
    return l;
  });
  let l2;
  try {
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(secondGot, 0, 'the second must not get the lock while the first holds it');
    const releasedAt = Date.now();
    await first.release();
    l2 = await second;
    assert.ok(secondGot >= releasedAt, 'got it after the release');
    // tee echoes to us before it writes its file: give it a moment.
    const holderFile = join(state, 'locks', 'k1.holder');
    for (let i = 0; i < 50 && readFileSync(holderFile, 'utf8') === ''; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(readFileSync(holderFile, 'utf8'), 'second\n', 'the holder line names the holder');
  } finally {
    await first.release();
    await (l2 ?? (await second)).release();
  }
  await l2.release(); // idempotent
});

test('waitMs 0 fails at once with the holder named; other keys are independent', async () => {
  const held = await acquireHostLock(host, 'k2', { holder: 'cli pid 42' });
  try {
    const t = Date.now();
    await assert.rejects(acquireHostLock(host, 'k2', { waitMs: 0 }), (e: unknown) => e instanceof HostLockTimeoutError && /cli pid 42/.test(e.message));
    assert.ok(Date.now() - t < 2000);
    await assert.rejects(acquireHostLock(host, 'k2', { waitMs: 300 }), HostLockTimeoutError);
    const other = await acquireHostLock(host, 'k3', { waitMs: 0 });
    await other.release();
  } finally {
    await held.release();
  }
});

test('an abort while waiting ends the wait with AbortError and leaves the lock usable', async () => {
  const held = await acquireHostLock(host, 'k4');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  await assert.rejects(acquireHostLock(host, 'k4', { signal: ac.signal, waitMs: 10_000 }), { name: 'AbortError' });
  await held.release();
  await (await acquireHostLock(host, 'k4', { waitMs: 0 })).release();
});

test('a lock held by a process that dies (here flock itself, SIGKILL) is free again', async () => {
  // What a crash of Cryo looks like: the process that owns the pipe to flock dies.
  const child = spawn('flock', [join(state, 'locks', 'k5.lock'), 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await new Promise((r) => setTimeout(r, 200));
  await assert.rejects(acquireHostLock(host, 'k5', { waitMs: 0 }), HostLockTimeoutError);
  child.kill('SIGKILL'); // the lock's holder here is flock itself; the node-child case is the integration test
  await new Promise((r) => child.once('close', r));
  await (await acquireHostLock(host, 'k5', { waitMs: 2000 })).release();
});

test('withHostLock releases on failure; keys are validated', async () => {
  await assert.rejects(withHostLock(host, 'k6', async () => Promise.reject(new Error('boom'))), /boom/);
  await (await acquireHostLock(host, 'k6', { waitMs: 0 })).release();
  await assert.rejects(acquireHostLock(host, '../etc/passwd'), /Invalid host lock key/);
});

test('shared holders run together; an exclusive one waits for them, and they for it', async () => {
  const s1 = await acquireHostLock(host, 'k7', { shared: true, waitMs: 0 });
  const s2 = await acquireHostLock(host, 'k7', { shared: true, waitMs: 0 });
  await assert.rejects(acquireHostLock(host, 'k7', { waitMs: 0 }), HostLockTimeoutError, 'no exclusive holder beside shared ones');
  await s1.release();
  await s2.release();
  const x = await acquireHostLock(host, 'k7', { waitMs: 0 });
  try {
    await assert.rejects(acquireHostLock(host, 'k7', { shared: true, waitMs: 0 }), HostLockTimeoutError, 'no shared holder beside an exclusive one');
  } finally {
    await x.release();
  }
});
