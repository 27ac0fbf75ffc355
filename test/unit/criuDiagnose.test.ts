import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { diagnoseCriu, formatDiagnosis } from '../../src/core/criu/diagnose.js';
import { extractCriuErrors } from '../../src/core/engines/criuLog.js';

/** Trimmed real logs: CRIU 4.2.1 on host A (runc checkpoint against Docker's runc state), 2026-11-30. */
const fixture = (name: string) => readFileSync(new URL(`../../../test/unit/fixtures/criu/${name}`, import.meta.url), 'utf8');

test('mariadb: the file-lock line is decisive, not the smaps lines that mention libgpg-error (the old picker showed those)', () => {
  const log = fixture('mariadb.log');
  assert.match(extractCriuErrors(log).split('\n')[0]!, /Handling VMA/, 'the bug this replaces');
  const d = diagnoseCriu(log)!;
  assert.equal(d.code, 'file-locks');
  assert.equal(d.option, 'fileLocks');
  assert.equal(d.decisiveLine, 'Error (criu/file-lock.c:110): Some file locks are hold by dumping tasks! You can try --file-locks to dump them.');
  assert.match(d.remedy, /Keep file locks.*--file-locks/);
});

test('a flock in the container: file locks', () => {
  const d = diagnoseCriu(fixture('flock.log'))!;
  assert.equal(d.code, 'file-locks');
  assert.equal(d.option, 'fileLocks');
});

test('a loopback TCP connection: tcp-established, the consequence lines after it are not decisive', () => {
  const d = diagnoseCriu(fixture('tcp.log'))!;
  assert.equal(d.code, 'tcp-established');
  assert.equal(d.option, 'tcpEstablished');
  assert.equal(d.decisiveLine, 'Error (criu/sk-inet.c:200): inet: Connected TCP socket, consider using --tcp-established option.');
});

test('a unix socket connected to a host listener: ext-unix-sk', () => {
  const d = diagnoseCriu(fixture('extunix.log'))!;
  assert.equal(d.code, 'ext-unix-sk');
  assert.equal(d.option, 'extUnixSockets');
  assert.match(d.decisiveLine, /sk-unix\.c:\d+\): unix: External socket is used/);
});

test('a process of a terminal session (pty from script(1)), and a non-session-leader root: shell job', () => {
  const tty = diagnoseCriu(fixture('shelljob-tty.log'))!;
  assert.equal(tty.code, 'shell-job');
  assert.equal(tty.option, 'shellJob');
  assert.match(tty.decisiveLine, /tty: Found slave peer index 1 without correspond master peer/);
  const session = diagnoseCriu(fixture('shelljob-session.log'))!;
  assert.equal(session.code, 'shell-job');
  assert.match(session.decisiveLine, /is not a session leader\. Consider using --shell-job option/);
});

test('CRIU 4.1.1 on a 6.16+ kernel: upgrade CRIU, no option helps', () => {
  const d = diagnoseCriu(fixture('criu411-sockets.log'))!;
  assert.equal(d.code, 'criu-too-old-for-sockets');
  assert.equal(d.option, undefined);
  assert.match(d.remedy, /Upgrade CRIU.*4\.2.*builds 4\.2\.1/);
});

test("Docker 28's restore error (daemon message from host C): what Cryo does about it", () => {
  const d = diagnoseCriu(fixture('docker28-restore.txt'))!;
  assert.equal(d.code, 'docker-restore-netns');
  assert.match(d.decisiveLine, /^\(HTTP code 500\) server error - bind-mount \/proc\/0\/ns\/net/);
  assert.match(d.remedy, /moby issue 50750.*recreating the container under the same name/);
  assert.equal(d.option, undefined);
});

test('a `docker exec` process: named when nothing stronger is there, never over a real cause', () => {
  const d = diagnoseCriu(fixture('exec.log'))!;
  assert.equal(d.code, 'exec-process');
  assert.match(d.decisiveLine, /Unexpected process \d+ in the freezer cgroup/);
  assert.match(d.remedy, /docker exec.*Stop it before checkpointing/);
  const both = diagnoseCriu(`${fixture('exec.log')}\n${fixture('tcp.log')}`)!;
  assert.equal(both.code, 'tcp-established', 'a weak cause earlier in the log does not win');
  const unknownToo = diagnoseCriu(`${fixture('exec.log')}\n(00.2) Error (criu/mem.c:1): Can't dump page\n(00.3) Error (criu/cr-dump.c:1975): Dumping FAILED.`)!;
  assert.equal(unknownToo.code, 'unknown', "CRIU's own error beats a warning");
  const onlyFailed = diagnoseCriu(`${fixture('exec.log')}\n(00.3) Error (criu/cr-dump.c:1975): Dumping FAILED.`)!;
  assert.equal(onlyFailed.code, 'exec-process', 'but a warning explains a bare Dumping FAILED better');
});

test('noise alone is no diagnosis; an unknown cause is the first real error, not a consequence', () => {
  assert.equal(diagnoseCriu('(00.043597) Error (criu/util.c:1534): rlimit: Can\'t setup RLIMIT_NOFILE for self: Operation not permitted\n(00.1) Dumping task'), undefined);
  const unknown = diagnoseCriu(
    [
      "(00.04) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
      '(00.05) Handling VMA with the following smaps entry: 7f24-7f25 r-xp 0 00:5e 1 /usr/lib/x86_64-linux-gnu/libgpg-error.so.0.33.1',
      '(00.06) Error (criu/proc_parse.c:1234): Can\'t handle non-regular mapping on 7f25',
      '(00.07) Error (criu/cr-dump.c:1975): Dumping FAILED.',
    ].join('\n'),
  )!;
  assert.equal(unknown.code, 'unknown');
  assert.equal(unknown.decisiveLine, "Error (criu/proc_parse.c:1234): Can't handle non-regular mapping on 7f25");
  assert.equal(diagnoseCriu('(00.07) Error (criu/cr-dump.c:1975): Dumping FAILED.')!.decisiveLine, 'Error (criu/cr-dump.c:1975): Dumping FAILED.');
});

test('other causes seen here: another user (no CAP_SYS_RESOURCE) and a full disk', () => {
  assert.equal(diagnoseCriu("(00.1) Error (criu/cr-dump.c:789): Can't get rlimit 0: Operation not permitted")!.code, 'other-user');
  assert.equal(diagnoseCriu('(00.2) Error (criu/image.c:412): Unable to write image: No space left on device')!.code, 'no-space');
});

test('formatDiagnosis: the decisive line, then the remedy', () => {
  assert.equal(formatDiagnosis({ code: 'file-locks', decisiveLine: 'L', remedy: 'R', option: 'fileLocks' }), 'L\nR');
});

test('a diagnosed checkpoint failure carries one remedy; when its option was already on, it says so instead', async () => {
  const { CheckpointFailedError } = await import('../../src/core/engines/engine.js');
  const { withCriuOptionsRemedy } = await import('../../src/core/criu/engineSupport.js');
  const d = diagnoseCriu(fixture('flock.log'))!;
  const fresh = () => new CheckpointFailedError('runc checkpoint failed', d.decisiveLine, '/x/dump.log', d);
  const plain = withCriuOptionsRemedy(fresh(), undefined) as Error;
  assert.equal(plain.message.split('Checkpoint again').length - 1, 1, plain.message);
  assert.match(plain.message, /^runc checkpoint failed\nCRIU says: Error \(criu\/file-lock\.c:110\).*\nA process holds file locks/s);
  const on = withCriuOptionsRemedy(fresh(), { fileLocks: true }) as Error;
  assert.doesNotMatch(on.message, /Checkpoint again/);
  assert.match(on.message, /Keep file locks was already on for this checkpoint/);
});
