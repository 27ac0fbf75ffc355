import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { DockerHost, type SshOptions } from '../../src/core/index.js';
import { acquireHostLock, HostLockTimeoutError } from '../../src/core/host/hostLock.js';

/**
 * The host lock between real clients: this process on host A (local runner) and over SSH to
 * host B, whose sshd runs on this same machine, so both reach the same lock folder under
 * /var/lib/cryo, like two clients of one host. A crash is a node process holding the lock
 * through its own runner, killed with SIGKILL.
 */
const SSH_DIR = '/var/lib/cryo/host-b/ssh';
const ENDPOINT = 'ssh://root@127.0.0.1:2222';
const OPTIONS: SshOptions = { identityFile: `${SSH_DIR}/id_ed25519`, knownHostsFile: `${SSH_DIR}/known_hosts` };
const key = `it-${process.pid}-${Date.now().toString(36)}`;
const local = DockerHost.local();
let ssh: DockerHost;

before(async () => {
  const up = (await execa('ssh', ['-F', `${SSH_DIR}/config`, 'cryo-host-b', 'true'], { reject: false, timeout: 20_000 })).exitCode === 0;
  if (!up) await execa('bash', [join(process.cwd(), 'scripts', 'provision', 'host-b.sh')], { timeout: 180_000 });
  ssh = DockerHost.ssh('host-b', ENDPOINT, OPTIONS);
});

after(async () => {
  await ssh.dispose();
  await execa('rm', ['-f', `/var/lib/cryo/locks/${key}-a.lock`, `/var/lib/cryo/locks/${key}-a.holder`, `/var/lib/cryo/locks/${key}-b.lock`, `/var/lib/cryo/locks/${key}-b.holder`, `/var/lib/cryo/locks/${key}-c.lock`, `/var/lib/cryo/locks/${key}-c.holder`]);
});

test('a local and an SSH client exclude each other; the waiter gets it on release', async () => {
  const overSsh = await acquireHostLock(ssh, `${key}-a`, { holder: 'ssh client' });
  await assert.rejects(acquireHostLock(local, `${key}-a`, { waitMs: 0 }), (e: unknown) => e instanceof HostLockTimeoutError && /ssh client/.test(e.message));
  let gotAt = 0;
  const waiting = acquireHostLock(local, `${key}-a`, { waitMs: 20_000, holder: 'local client' }).then((l) => ((gotAt = Date.now()), l));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(gotAt, 0, 'the local client waits while the SSH client holds it');
  const releasedAt = Date.now();
  await overSsh.release();
  const held = await waiting;
  assert.ok(gotAt >= releasedAt);
  console.log(`lock handed over ${gotAt - releasedAt} ms after the SSH client released it`);
  await assert.rejects(acquireHostLock(ssh, `${key}-a`, { waitMs: 0 }), /local client/);
  await held.release();
});

/** A separate Cryo process (compiled core) that takes the lock on `where` and says so. */
function holderProcess(where: 'local' | 'ssh', lockKey: string) {
  const core = join(process.cwd(), 'out', 'src', 'core');
  const script = `
    const { DockerHost } = await import(${JSON.stringify(join(core, 'host', 'dockerHost.js'))});
    const { acquireHostLock } = await import(${JSON.stringify(join(core, 'host', 'hostLock.js'))});
    const host = ${where === 'ssh' ? `DockerHost.ssh('b', ${JSON.stringify(ENDPOINT)}, ${JSON.stringify(OPTIONS)})` : 'DockerHost.local()'};
    await acquireHostLock(host, ${JSON.stringify(lockKey)}, { holder: 'doomed ${where} process' });
    console.log('held');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited ${code} before holding the lock`)));
  });
  return { child, held };
}

for (const where of ['local', 'ssh'] as const) {
  test(`a Cryo process killed with SIGKILL while holding the lock (${where}) releases it`, async () => {
    const lockKey = `${key}-${where === 'local' ? 'b' : 'c'}`;
    const { child, held } = holderProcess(where, lockKey);
    await held;
    await assert.rejects(acquireHostLock(local, lockKey, { waitMs: 0 }), /doomed/);
    const t0 = Date.now();
    child.kill('SIGKILL');
    const lock = await acquireHostLock(where === 'ssh' ? ssh : local, lockKey, { waitMs: 15_000 });
    console.log(`${where}: lock free ${Date.now() - t0} ms after its holder was killed`);
    await lock.release();
  });
}

test("over SSH: a Cryo killed while it has a CRIU config changed gets the user's file put back by its holder on the host", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cryo-it-sshconf-'));
  const conf = join(dir, 'criu', 'runc.conf');
  mkdirSync(join(dir, 'criu'));
  const user = Buffer.from('# user content over ssh\n');
  writeFileSync(conf, user);
  const core = join(process.cwd(), 'out', 'src', 'core');
  const script = `
    const { DockerHost } = await import(${JSON.stringify(join(core, 'host', 'dockerHost.js'))});
    const { withRuncConf } = await import(${JSON.stringify(join(core, 'criu', 'runcConf.js'))});
    const host = DockerHost.ssh('b', ${JSON.stringify(ENDPOINT)}, ${JSON.stringify(OPTIONS)});
    await withRuncConf(host, { tcpEstablished: true }, () => { console.log('changed'); return new Promise(() => {}); }, { conf: ${JSON.stringify(conf)} });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('changed') && resolve());
      child.once('exit', (code) => reject(new Error(`exited ${code} before changing the file`)));
    });
    assert.match(readFileSync(conf, 'utf8'), /tcp-established/);
    const t0 = Date.now();
    child.kill('SIGKILL');
    for (let i = 0; i < 100 && !readFileSync(conf).equals(user); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(readFileSync(conf), user, "the user's file is back");
    console.log(`ssh: user's file back ${Date.now() - t0} ms after Cryo was killed`);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
