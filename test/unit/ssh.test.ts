import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { classifySshFailure, dialStdioError } from '../../src/core/ssh/errors.js';
import { remoteCommandLine, shellQuote } from '../../src/core/ssh/quote.js';
import { sshBaseArgs, sshCommandArgs, sshExitMasterArgs, sshTargetFromEndpoint, describeTarget } from '../../src/core/ssh/target.js';
import { Semaphore } from '../../src/core/ssh/connection.js';

const NASTY = [
  '',
  'plain',
  'two words',
  "it's",
  "''",
  '"double" quotes',
  '$(touch /tmp/cryo-pwned)',
  '`id`',
  '$HOME ${PATH} $1 $@ $*',
  'a\nnew line\n',
  'tab\there',
  'back\\slash\\',
  '; rm -rf / #',
  '&& echo x || true | cat > /dev/null &',
  '*?[a-z]{1,2}~',
  '~root',
  '-n',
  '--',
  'NAME=value',
  'ünïcödé ✓',
  '\u0001\u007f control',
  "'; echo pwned; '",
  '\\\'',
];

/** Runs the quoted line through a real POSIX shell and returns the argv it saw. */
function throughShell(shell: string, args: string[]): string[] {
  const line = remoteCommandLine(['printf', '%s\\0', ...args]);
  const out = execFileSync(shell, ['-c', line], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

test('shellQuote: every nasty argument reaches the command unchanged through sh, dash and bash', () => {
  for (const shell of ['sh', 'dash', 'bash']) {
    try {
      execFileSync('which', [shell]);
    } catch {
      continue;
    }
    assert.deepEqual(throughShell(shell, NASTY), NASTY, shell);
  }
});

test('shellQuote: plain words stay readable, everything else is single-quoted', () => {
  assert.equal(shellQuote('runc'), 'runc');
  assert.equal(shellQuote('/var/lib/docker/containers/abc/checkpoints/cp-1'), '/var/lib/docker/containers/abc/checkpoints/cp-1');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote('$(id)'), "'$(id)'");
  assert.equal(shellQuote('NAME=value'), "'NAME=value'", 'a leading NAME=value word would be an assignment');
  assert.equal(shellQuote('~'), "'~'", 'no tilde expansion');
  assert.equal(shellQuote('a\nb'), "'a\nb'");
  assert.throws(() => shellQuote('a\0b'), /NUL/);
  assert.throws(() => remoteCommandLine([]), /empty/);
});

test('remoteCommandLine: a command substitution stays an argument', () => {
  assert.equal(remoteCommandLine(['echo', '$(touch /tmp/x)', 'ok']), "echo '$(touch /tmp/x)' ok");
  assert.deepEqual(throughShell('sh', ['$(touch /tmp/cryo-should-not-exist)']), ['$(touch /tmp/cryo-should-not-exist)']);
});

test('ssh endpoints: user, host and port are parsed and validated', () => {
  assert.deepEqual(sshTargetFromEndpoint('ssh://root@127.0.0.1:2222'), { host: '127.0.0.1', user: 'root', port: 2222 });
  assert.deepEqual(sshTargetFromEndpoint('ssh://build-server'), { host: 'build-server' });
  assert.equal(describeTarget({ host: 'h', user: 'u', port: 22 }), 'u@h:22');
  for (const bad of ['ssh://-oProxyCommand=x', 'ssh://root@-h', 'ssh://-l@host', 'ssh://root@host:0', 'ssh://root@host:70000', 'tcp://host:2375', 'ssh://a b@host', 'ssh://root@ho$t']) {
    assert.throws(() => sshTargetFromEndpoint(bad), Error, bad);
  }
});

test('ssh argv: batch mode, a shared control socket, per-host files, nothing forwarded, no host-key bypass', () => {
  const target = { host: '127.0.0.1', user: 'root', port: 2222 };
  const base = sshBaseArgs(target, { identityFile: '/k/id', sshConfigFile: '/k/config', knownHostsFile: '/k/known hosts', connectTimeoutSec: 4 }, '/tmp/cryo-ssh-x/cm');
  assert.deepEqual(base, [
    '-F', '/k/config',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=4',
    '-o', 'ControlMaster=auto',
    '-o', 'ControlPath=/tmp/cryo-ssh-x/cm',
    '-o', 'ControlPersist=300',
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'RemoteCommand=none',
    '-o', 'ClearAllForwardings=yes',
    '-o', 'ForwardAgent=no',
    '-o', 'ForwardX11=no',
    '-i', '/k/id', '-o', 'IdentitiesOnly=yes',
    '-o', 'UserKnownHostsFile=/k/known hosts',
    '-l', 'root',
    '-p', '2222',
  ]);
  assert.ok(!base.join(' ').includes('StrictHostKeyChecking'), 'host key checking is left to the user config');
  const cmd = sshCommandArgs(base, target, remoteCommandLine(['docker', 'system', 'dial-stdio']));
  assert.deepEqual(cmd.slice(-4), ['-T', '--', '127.0.0.1', 'docker system dial-stdio']);
  assert.deepEqual(sshExitMasterArgs(base, target).slice(-4), ['-O', 'exit', '--', '127.0.0.1']);
  // Defaults: nothing user-specific added.
  const plain = sshBaseArgs({ host: 'h' }, {}, '/c');
  assert.ok(!plain.includes('-F') && !plain.includes('-i') && !plain.includes('-l') && !plain.includes('-p'));
  assert.ok(plain.includes('ConnectTimeout=10'));
});

// What OpenSSH 9.2 printed on this machine for each failure (captured 2026-11-22).
const target = { host: '127.0.0.1', user: 'root', port: 2222 };
const CAPTURED = {
  unknownKey: 'Host key verification failed.\r\n',
  changedKey: `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:K9SLViCzf92AfgpcKiIYxmcL11ZtjRStCw6CChacx9s.
Please contact your system administrator.
Add correct host key in /tmp/sshcap/changed_kh to get rid of this message.
Offending ED25519 key in /tmp/sshcap/changed_kh:1
  remove with:
  ssh-keygen -f "/tmp/sshcap/changed_kh" -R "[127.0.0.1]:2222"
Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.
Host key verification failed.
`,
  refused: 'ssh: connect to host 127.0.0.1 port 2223: Connection refused\r\n',
  timedOut: 'ssh: connect to host 192.0.2.10 port 22: Connection timed out\r\n',
  denied: 'root@127.0.0.1: Permission denied (publickey).\r\n',
  missingKey: 'Warning: Identity file /tmp/sshcap/nonexist not accessible: No such file or directory.\nroot@127.0.0.1: Permission denied (publickey).\n',
  badConfig: "Can't open user config file /tmp/sshcap/nonexist_cfg: No such file or directory\n",
  resolve: 'ssh: Could not resolve hostname nosuch.example: Name or service not known\r\n',
  kexClosed: 'kex_exchange_identification: Connection closed by remote host\r\nConnection closed by 127.0.0.1 port 2222\r\n',
  muxNoiseThenRemote: 'Control socket connect(/tmp/cryo-ssh-x/cm): Connection refused\nControlSocket /tmp/cryo-ssh-x/cm already exists, disabling multiplexing\noops\n',
};

test('classify: an unknown host key says how to check and trust it', () => {
  const e = classifySshFailure(CAPTURED.unknownKey, target);
  assert.equal(e?.kind, 'host-key');
  assert.match(e.message, /host key of 127\.0\.0\.1:2222 is unknown or has changed/);
  assert.match(e.message, /ssh-keyscan -p 2222 127\.0\.0\.1 >> ~\/\.ssh\/known_hosts/);
  assert.match(e.message, /fingerprint/);
  assert.match(e.message, /knownHostsFile/);
  const withFile = classifySshFailure(CAPTURED.unknownKey, target, { knownHostsFile: '/etc/cryo/known hosts' });
  assert.match(withFile?.message ?? '', /ssh-keyscan -p 2222 127\.0\.0\.1 >> '\/etc\/cryo\/known hosts'/);
});

test('classify: a changed host key is called out as such, with the removal command', () => {
  const e = classifySshFailure(CAPTURED.changedKey, target);
  assert.equal(e?.kind, 'host-key');
  assert.match(e.message, /CHANGED/);
  assert.match(e.message, /ssh-keygen -f '?~\/\.ssh\/known_hosts'? -R '\[127\.0\.0\.1\]:2222'/);
});

test('classify: refused, timed out, unresolvable and closed connections are "cannot reach HOST:PORT"', () => {
  const refused = classifySshFailure(CAPTURED.refused, target);
  assert.equal(refused?.kind, 'unreachable');
  assert.match(refused.message, /Cannot reach 127\.0\.0\.1:2223 over SSH \(connection refused/);
  assert.match(classifySshFailure(CAPTURED.timedOut, target)?.message ?? '', /Cannot reach 192\.0\.2\.10:22 over SSH \(timed out\)/);
  assert.match(classifySshFailure(CAPTURED.resolve, target)?.message ?? '', /Cannot reach 127\.0\.0\.1:2222 over SSH \(host name not found\)/);
  assert.equal(classifySshFailure(CAPTURED.kexClosed, target)?.kind, 'unreachable');
});

test('classify: permission denied is an authentication failure that mentions the key', () => {
  const e = classifySshFailure(CAPTURED.denied, target, { identityFile: '/keys/id_b' });
  assert.equal(e?.kind, 'auth');
  assert.match(e.message, /SSH authentication failed for root@127\.0\.0\.1:2222 \(Permission denied \(publickey\)\.\)/);
  assert.match(e.message, /\/keys\/id_b/);
  assert.match(e.message, /BatchMode/);
  const missing = classifySshFailure(CAPTURED.missingKey, target);
  assert.match(missing?.message ?? '', /not accessible/);
});

test('classify: config errors, and no verdict for a remote command that exits 255 itself', () => {
  assert.equal(classifySshFailure(CAPTURED.badConfig, target)?.kind, 'config');
  assert.equal(classifySshFailure('oops\n', target), undefined);
  assert.equal(classifySshFailure('', target), undefined);
  // "Connection refused" from the control socket is not the host refusing.
  assert.equal(classifySshFailure(CAPTURED.muxNoiseThenRemote, target), undefined);
});

test('dial-stdio failures: daemon down, no docker CLI, ssh failure', () => {
  const down = dialStdioError('failed to open the raw stream connection: dial unix /run/docker-b.sock: connect: no such file or directory\n', 1, target);
  assert.match(down.message, /Docker daemon on root@127\.0\.0\.1:2222 is not reachable from there \(dial unix \/run\/docker-b\.sock: connect: no such file or directory\)/);
  assert.match(dialStdioError('bash: line 1: docker: command not found\n', 127, target).message, /docker CLI is not installed/);
  assert.equal((dialStdioError(CAPTURED.refused, 255, target) as { kind?: string }).kind, 'unreachable');
  assert.match(dialStdioError('', 2, target).message, /ended unexpectedly \(exit 2\)/);
});

test('semaphore: at most N at once, in order, and waiters can give up', async () => {
  const s = new Semaphore(2);
  const r1 = await s.acquire();
  const r2 = await s.acquire();
  const order: number[] = [];
  const p3 = s.acquire().then((r) => (order.push(3), r));
  const abort = new AbortController();
  const p4 = s.acquire(abort.signal);
  const p5 = s.acquire().then((r) => (order.push(5), r));
  abort.abort();
  await assert.rejects(p4, { name: 'AbortError' });
  r1();
  r1(); // a second release of the same slot is ignored
  const r3 = await p3;
  assert.deepEqual(order, [3]);
  r2();
  const r5 = await p5;
  assert.deepEqual(order, [3, 5]);
  r3();
  r5();
  const again = await Promise.all([s.acquire(), s.acquire()]);
  again.forEach((r) => r());
});
