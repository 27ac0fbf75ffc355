import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, USAGE, UsageError } from '../../src/cli/args.js';

test('cryo checkpoint and cryo periodic take the CRIU option flags', () => {
  assert.deepEqual(parseCommandLine(['checkpoint', 'redis', '--tcp-established', '--file-locks']), {
    cmd: 'checkpoint',
    container: 'redis',
    leaveRunning: false,
    engine: 'auto',
    criu: { tcpEstablished: true, fileLocks: true },
  });
  const all = parseCommandLine(['checkpoint', 'tty', '--ext-unix-sk', '--shell-job', '--engine', 'runc']);
  assert.ok(all.cmd === 'checkpoint');
  assert.deepEqual(all.criu, { extUnixSockets: true, shellJob: true });
  const none = parseCommandLine(['checkpoint', 'c']);
  assert.ok(none.cmd === 'checkpoint' && none.criu === undefined);
  const p = parseCommandLine(['periodic', 'db', '--every', '30s', '--file-locks']);
  assert.ok(p.cmd === 'periodic');
  assert.deepEqual(p.criu, { fileLocks: true });
});

test('--engine docker with a CRIU option is a usage error that names the runc engine', () => {
  assert.throws(() => parseCommandLine(['checkpoint', 'c', '--engine', 'docker', '--tcp-established']), (e: unknown) => e instanceof UsageError && /--engine runc/.test(e.message));
});

test('the usage text explains each option', () => {
  for (const flag of ['--tcp-established', '--file-locks', '--ext-unix-sk', '--shell-job']) assert.match(USAGE, new RegExp(`\\n  ${flag} +\\S`), flag);
});
