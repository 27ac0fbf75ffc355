import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type Docker from 'dockerode';
import { criuConfigFileOf, recoverStaleRuncConf, RUNC_CONF, RUNC_CONF_LOCK, runcConfTarget, withRuncConf } from '../../src/core/criu/runcConf.js';
import { LocalRunner } from '../../src/core/exec/localRunner.js';
import { DockerHost } from '../../src/core/host/dockerHost.js';
import { acquireHostLock } from '../../src/core/host/hostLock.js';

/**
 * The runc.conf change on this machine's files, pointed at a temp config path (the real
 * /etc/criu/runc.conf with real restores: test/integration/criuOptions.test.ts).
 */
const root = mkdtempSync(join(tmpdir(), 'cryo-runcconf-'));
const host = new DockerHost('unit', 'unix:///nowhere', {} as Docker, new LocalRunner(), join(root, 'state'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function confPath(): { dir: string; conf: string } {
  const dir = join(root, `etc${++n}`, 'criu');
  return { dir, conf: join(dir, 'runc.conf') };
}
const USER = Buffer.from('# my own CRIU settings\nlog-level 4'); // no final newline on purpose

test('an existing file gets the options during the call and is byte-identical after, mode kept', async () => {
  const { dir, conf } = confPath();
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, USER);
  chmodSync(conf, 0o600);
  let during = '';
  await withRuncConf(host, { tcpEstablished: true, fileLocks: true }, async () => void (during = readFileSync(conf, 'utf8')), { conf });
  assert.ok(during.startsWith(USER.toString()), 'the user content stays in force during the restore');
  assert.match(during, /\ntcp-established\nfile-locks\n$/);
  assert.match(during, /log-level 4\n# Added by Cryo/, 'a last line without newline is not glued to ours');
  assert.deepEqual(readFileSync(conf), USER);
  assert.equal(statSync(conf).mode & 0o777, 0o600);
  assert.equal(existsSync(join(runcConfTarget(host, conf).stateDir, 'journal')), false);
});

test('no file and no folder before: none after, even when the call fails', async () => {
  const { dir, conf } = confPath();
  await assert.rejects(
    withRuncConf(host, { shellJob: true }, async () => {
      assert.equal(readFileSync(conf, 'utf8').trim().split('\n').pop(), 'shell-job');
      throw new Error('restore failed');
    }, { conf }),
    /restore failed/,
  );
  assert.equal(existsSync(conf), false);
  assert.equal(existsSync(dir), false, 'the folder Cryo made is gone too');
});

test('no options: the file is not touched and no lock is taken', async () => {
  const { dir, conf } = confPath();
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, USER);
  const held = await acquireHostLock(host, RUNC_CONF_LOCK);
  try {
    assert.equal(await withRuncConf(host, { tcpEstablished: false }, async () => 42, { conf }), 42);
  } finally {
    await held.release();
  }
});

/** Runs a change and freezes the state as a crash in the middle would leave it. */
async function crashMidRestore(conf: string, criu = { tcpEstablished: true }): Promise<void> {
  const st = runcConfTarget(host, conf).stateDir;
  const saved = join(root, `crash${n}`);
  await withRuncConf(host, criu, async () => {
    cpSync(st, join(saved, 'st'), { recursive: true });
    cpSync(conf, join(saved, 'conf'));
  }, { conf });
  cpSync(join(saved, 'st'), st, { recursive: true });
  mkdirSync(join(conf, '..'), { recursive: true });
  cpSync(join(saved, 'conf'), conf);
}

test('a crash mid-restore: the next operation puts the user file back; a live holder is left alone', async () => {
  const { dir, conf } = confPath();
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, USER);
  await crashMidRestore(conf);
  assert.match(readFileSync(conf, 'utf8'), /tcp-established/, 'crashed: the change is still there');
  const live = await acquireHostLock(host, RUNC_CONF_LOCK);
  assert.equal(await recoverStaleRuncConf(host, { conf }), false, 'its holder is alive: not stale');
  await live.release();
  assert.equal(await recoverStaleRuncConf(host, { conf }), true);
  assert.deepEqual(readFileSync(conf), USER);
  assert.equal(await recoverStaleRuncConf(host, { conf }), false, 'nothing left to recover');
});

test('a crash, then another restore: its lock path recovers first and backs up the user file, not the change', async () => {
  const { conf } = confPath();
  await crashMidRestore(conf, { tcpEstablished: true });
  let during = '';
  await withRuncConf(host, { fileLocks: true }, async () => void (during = readFileSync(conf, 'utf8')), { conf });
  assert.doesNotMatch(during, /tcp-established/);
  assert.match(during, /file-locks/);
  assert.equal(existsSync(conf), false, 'there was no file before the first restore');
});

test('a file edited while changed is left as the user made it, with the older version beside it', async () => {
  const { dir, conf } = confPath();
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, USER);
  const warnings: string[] = [];
  await withRuncConf(host, { tcpEstablished: true }, async () => writeFileSync(conf, 'edited meanwhile\n'), { conf, onWarning: (w) => warnings.push(w) });
  assert.equal(readFileSync(conf, 'utf8'), 'edited meanwhile\n');
  assert.deepEqual(readFileSync(`${conf}.before-cryo`), USER);
  assert.match(warnings.join(), /edited or removed while Cryo had changed it/);
});

test('timings are reported', async () => {
  const { conf } = confPath();
  let t: { applyMs: number; putBackMs: number } | undefined;
  await withRuncConf(host, { tcpEstablished: true }, async () => undefined, { conf, onTiming: (x) => (t = x) });
  assert.ok(t && t.applyMs > 0 && t.putBackMs > 0, JSON.stringify(t));
});

test("a container's org.criu.config annotation decides the file; an empty one means none", () => {
  assert.equal(criuConfigFileOf({ HostConfig: {} }), RUNC_CONF);
  assert.equal(criuConfigFileOf({ HostConfig: { Annotations: { 'org.criu.config': '/etc/criu/c1.conf' } } }), '/etc/criu/c1.conf');
  assert.equal(criuConfigFileOf({ HostConfig: { Annotations: { 'org.criu.config': '' } } }), null);
  assert.notEqual(runcConfTarget(host, '/etc/criu/c1.conf').stateDir, runcConfTarget(host).stateDir, 'each file has its own journal');
});

test('a file removed while changed stays removed (after a crash too), the older version beside it', async () => {
  const { dir, conf } = confPath();
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, USER);
  await crashMidRestore(conf);
  rmSync(conf);
  const warnings: string[] = [];
  assert.equal(await recoverStaleRuncConf(host, { conf, onWarning: (w) => warnings.push(w) }), true);
  assert.equal(existsSync(conf), false, 'not brought back');
  assert.deepEqual(readFileSync(`${conf}.before-cryo`), USER);
});
