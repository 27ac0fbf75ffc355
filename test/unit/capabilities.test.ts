import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, describeReport, interpret, parseCriuVersion, parseRuncVersion, type RawProbe } from '../../src/core/probe/capabilities.js';
import { chooseEngine, UnavailableError } from '../../src/core/ops/checkpoint.js';

function raw(over: Partial<{ [K in keyof RawProbe]: Partial<RawProbe[K]> }> = {}): RawProbe {
  return {
    docker: { reachable: true, version: '20.10.24', apiVersion: '1.41', experimental: true, rootDir: '/var/lib/docker', ...over.docker },
    criu: { found: true, version: '4.1.1', checkExit: 0, checkOutput: 'Looks good.', memDirtyTrackExit: 1, uffdExit: 0, ...over.criu },
    runc: { found: true, version: '1.1.5', ...over.runc },
    privileged: { isRoot: true, sudo: false, ...over.privileged },
  };
}

test('a healthy host without soft-dirty: both engines, no pre-dump, with the kernel reason', () => {
  const r = interpret(raw());
  assert.equal(r.engines.docker.ok, true);
  assert.equal(r.engines.runc.ok, true);
  assert.equal(r.preDump.ok, false);
  assert.match(r.preDump.reason ?? '', /soft-dirty/);
  assert.equal(r.uffd.ok, true);
  assert.equal(r.blocker, undefined);
  assert.equal(chooseEngine(r), 'runc');
});

test('pre-dump is available when mem_dirty_track passes', () => {
  assert.equal(interpret(raw({ criu: { memDirtyTrackExit: 0 } })).preDump.ok, true);
});

test('an unreachable daemon is the blocker, with a retry action', () => {
  const r = interpret(raw({ docker: { reachable: false, error: 'connect ENOENT /var/run/docker.sock' } }));
  assert.equal(r.docker.ok, false);
  assert.deepEqual(r.blocker, { message: 'Failed to connect. Is Docker running?', action: 'retry' });
  assert.throws(() => chooseEngine(r), UnavailableError);
});

test('experimental mode off disables the docker engine and says how to fix it', () => {
  const r = interpret(raw({ docker: { experimental: false } }));
  assert.equal(r.engines.docker.ok, false);
  assert.match(r.engines.docker.reason ?? '', /experimental/);
  assert.equal(r.blocker?.action, 'docs');
});

test('a CRIU that fails criu check (Debian 3.17 on kernel 6.18) is explained', () => {
  const r = interpret(raw({ criu: { version: '3.17.1', checkExit: 1, checkOutput: '(00.01) Error (criu/vdso.c:123): vdso: Unexpected rt vDSO area bounds\nLooks good.' } }));
  assert.equal(r.criu.ok, false);
  assert.match(r.criu.reason ?? '', /vDSO area bounds/);
  assert.equal(r.engines.runc.ok, false);
  assert.equal(r.blocker?.message, 'CRIU does not work on this kernel');
});

test('missing and too-old CRIU are told apart', () => {
  assert.match(interpret(raw({ criu: { found: false } })).criu.reason ?? '', /not installed/);
  assert.match(interpret(raw({ criu: { version: '3.10' } })).criu.reason ?? '', /too old/);
});

test('without root or sudo only the docker engine remains', () => {
  const r = interpret(raw({ privileged: { isRoot: false, sudo: false } }));
  assert.equal(r.engines.runc.ok, false);
  assert.match(r.engines.runc.reason ?? '', /root/);
  assert.equal(chooseEngine(r), 'docker');
  assert.throws(() => chooseEngine(r, 'runc'), /runc engine is unavailable/);
  assert.match(r.preDump.reason ?? '', /runc engine/);
});

test('version parsing and comparison', () => {
  assert.equal(parseCriuVersion('Version: 4.1.1\nGitID: v4.1.1\n'), '4.1.1');
  assert.equal(parseRuncVersion('runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1\n'), '1.1.5+ds1');
  assert.ok(compareVersions('4.1.1', '3.11') > 0);
  assert.ok(compareVersions('3.9', '3.11') < 0);
  assert.equal(compareVersions('3.11', '3.11.0'), 0);
});

test('the tooltip names every feature with its verdict', () => {
  const text = describeReport(interpret(raw()));
  for (const word of ['Docker', 'CRIU', 'Engine: runc', 'Pre-dump', '✗ Pre-dump']) assert.ok(text.includes(word), word);
});
