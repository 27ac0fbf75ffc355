import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CRIU_OPTIONS,
  criuConfLines,
  criuOptionsFromFlags,
  criuOptionsRemedy,
  describeCriuOptions,
  hasCriuOptions,
  mergeCriuOptions,
  missingCriuOptions,
  normalizeCriuOptions,
  runcCheckpointFlags,
} from '../../src/core/criu/options.js';

test('runc flags and config lines for each option, in a stable order', () => {
  const all = { shellJob: true, extUnixSockets: true, fileLocks: true, tcpEstablished: true };
  assert.deepEqual(runcCheckpointFlags(all), ['--tcp-established', '--file-locks', '--ext-unix-sk', '--shell-job']);
  assert.deepEqual(criuConfLines(all), ['tcp-established', 'file-locks', 'ext-unix-sk', 'shell-job']);
  assert.deepEqual(runcCheckpointFlags({ fileLocks: true, tcpEstablished: false }), ['--file-locks']);
  assert.deepEqual(runcCheckpointFlags(undefined), []);
  assert.deepEqual(criuConfLines({}), []);
});

test('normalize keeps only what is on; merge is a union', () => {
  assert.equal(normalizeCriuOptions({ tcpEstablished: false }), undefined);
  assert.equal(normalizeCriuOptions(undefined), undefined);
  assert.deepEqual(normalizeCriuOptions({ fileLocks: true, shellJob: false, bogus: true } as never), { fileLocks: true });
  assert.deepEqual(mergeCriuOptions({ fileLocks: true }, { tcpEstablished: true, fileLocks: false }), { tcpEstablished: true, fileLocks: true });
  assert.equal(mergeCriuOptions(undefined, {}), undefined);
  assert.equal(hasCriuOptions({ shellJob: false }), false);
  assert.equal(hasCriuOptions({ shellJob: true }), true);
  assert.equal(describeCriuOptions({ extUnixSockets: true, tcpEstablished: true }), 'tcp-established, ext-unix-sk');
  assert.equal(describeCriuOptions(undefined), 'none');
});

test("CRIU's decisive errors map to the missing option and a remedy", () => {
  const tcp = 'Error (criu/sk-inet.c:200): inet: Connected TCP socket, consider using --tcp-established option.';
  const locks = 'Error (criu/file-lock.c:110): Some file locks are hold by dumping tasks! You can try --file-locks to dump them.';
  const unix = 'Error (criu/sk-unix.c:866): unix: External socket is used. Consider using --ext-unix-sk option.';
  assert.deepEqual(missingCriuOptions(tcp, undefined).map((o) => o.key), ['tcpEstablished']);
  assert.deepEqual(missingCriuOptions(locks, {}).map((o) => o.key), ['fileLocks']);
  assert.deepEqual(missingCriuOptions(unix, {}).map((o) => o.key), ['extUnixSockets']);
  assert.deepEqual(missingCriuOptions(`${tcp}\n${locks}`, { tcpEstablished: true }).map((o) => o.key), ['fileLocks']);
  assert.deepEqual(missingCriuOptions("Error (criu/sockets.c:628): sockets: Can't get 1:16 opt: Operation not supported", {}), []);
  assert.match(criuOptionsRemedy(tcp, {})!, /Keep established TCP connections' \(--tcp-established\).*runc engine/);
  assert.equal(criuOptionsRemedy(tcp, { tcpEstablished: true }), undefined);
});

test('CLI flags parse into options', () => {
  const flags = new Set(['tcp-established', 'shell-job', 'leave-running']);
  assert.deepEqual(criuOptionsFromFlags((f) => flags.has(f)), { tcpEstablished: true, shellJob: true });
  assert.equal(criuOptionsFromFlags(() => false), undefined);
  for (const o of CRIU_OPTIONS) assert.equal(o.cliFlag, o.runcFlag === '--ext-unix-sk' ? '--ext-unix-sk' : `--${o.confLine}`);
});
