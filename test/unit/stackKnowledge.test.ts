import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daemonKey, describeReport, interpret, type RawProbe } from '../../src/core/probe/capabilities.js';
import { classifyRestoreError } from '../../src/core/probe/restoreTest.js';
import { HOST_A_RAW, HOST_C_RAW } from './fixtures/probeRaw.js';

function withDocker(raw: RawProbe, docker: Partial<RawProbe['docker']>, rest: Partial<RawProbe> = {}): RawProbe {
  return { ...raw, docker: { ...raw.docker, ...docker }, ...rest };
}
const noTest = (raw: RawProbe): RawProbe => {
  const { restoreTest: _, ...rest } = raw;
  return rest;
};

test('host A (captured): Docker 20.10 restores in place, by the test; sockets fine with CRIU 4.2.1 on 6.18', () => {
  const r = interpret(HOST_A_RAW);
  assert.equal(r.restoreInPlace.ok, true);
  assert.match(r.restoreInPlace.reason ?? '', /restores into the same container \(tested 2026-11-30 07:24 UTC in 1\.2 s\)/);
  assert.equal(r.sockets.ok, true);
  assert.match(describeReport(r), /✓ Restore in place/);
  assert.match(describeReport(r), /✓ TCP\/UDP sockets — CRIU 4\.2\.1 dumps TCP\/UDP sockets on kernel 6\.18/);
  assert.equal(r.blocker, undefined);
});

test('host C (captured): Docker 28.5.2 cannot restore in place (moby 50750), with what Cryo does about it', () => {
  const r = interpret(HOST_C_RAW);
  assert.equal(r.restoreInPlace.ok, false);
  assert.match(r.restoreInPlace.reason ?? '', /Docker 28\.5\.2\+dfsg4 cannot restore.*own network namespace.*moby issue 50750/);
  assert.match(r.restoreInPlace.reason ?? '', /recreating the container/);
  assert.equal(r.engines.docker.ok, true, 'checkpoints still work');
  assert.equal(r.blocker, undefined, 'not a blocker: the host still works');
  assert.match(describeReport(r), /✗ Restore in place/);
});

test('Docker 28+ is suspect before the test answers, and a pending test on 20.10 trusts the version', () => {
  const pendingC = interpret({ ...HOST_C_RAW, restoreTest: { outcome: 'pending', key: 'k' } });
  assert.equal(pendingC.restoreInPlace.ok, false);
  assert.match(pendingC.restoreInPlace.reason ?? '', /broken on Docker 28\+.*confirming/);
  const pendingA = interpret({ ...HOST_A_RAW, restoreTest: { outcome: 'pending', key: 'k' } });
  assert.equal(pendingA.restoreInPlace.ok, true);
  assert.match(pendingA.restoreInPlace.reason ?? '', /not known to break.*confirming/);
  assert.equal(interpret(withDocker(noTest(HOST_C_RAW), { version: '29.1.0' })).restoreInPlace.ok, false, 'later releases too');
});

test('the behaviour decides on 28+: a daemon where the restore works is trusted (moby 50750 fixed)', () => {
  const fixed = interpret(withDocker(HOST_C_RAW, { version: '29.3.0' }, { restoreTest: { ...HOST_A_RAW.restoreTest!, key: 'k' } as RawProbe['restoreTest'] }));
  assert.equal(fixed.restoreInPlace.ok, true);
});

test('Docker 25.0.0-25.0.3 are refused by version whatever the test says; 25.0.4, 26 and 27 are fine', () => {
  for (const v of ['25.0.0', '25.0.3', '25.0.2+dfsg1']) {
    const r = interpret(withDocker(HOST_A_RAW, { version: v }));
    assert.equal(r.restoreInPlace.ok, false, v);
    assert.match(r.restoreInPlace.reason ?? '', /regression \(25\.0\.0–25\.0\.3, fixed in 25\.0\.4\).*upgrade/);
  }
  for (const v of ['25.0.4', '26.1.5+dfsg1', '27.5.1']) assert.equal(interpret(withDocker(noTest(HOST_A_RAW), { version: v })).restoreInPlace.ok, true, v);
});

test('an inconclusive test failure does not take in-place restore away from a version not known to break it, and says what failed', () => {
  const r = interpret({ ...HOST_A_RAW, restoreTest: { outcome: 'failed', detail: 'checkpoint: criu failed: type NOTIFY', durationMs: 900, testedAt: '2026-11-30T07:00:00.000Z', key: 'k' } });
  assert.equal(r.restoreInPlace.ok, true);
  assert.match(r.restoreInPlace.reason ?? '', /not known to break.*could not confirm it.*criu failed/);
});

test('no Docker checkpoints (experimental off) means no restore in place, with the reason', () => {
  const r = interpret(withDocker(noTest(HOST_A_RAW), { experimental: false }));
  assert.equal(r.restoreInPlace.ok, false);
  assert.match(r.restoreInPlace.reason ?? '', /experimental/);
  assert.equal(interpret(withDocker(noTest(HOST_A_RAW), { reachable: false })).restoreInPlace.ok, false);
});

test('sockets: CRIU < 4.2 on a kernel >= 6.16 cannot dump TCP/UDP, although criu check passes; the remedy names 4.2.1', () => {
  const old = interpret({ ...HOST_A_RAW, criu: { ...HOST_A_RAW.criu, version: '4.1.1' } });
  assert.equal(old.criu.ok, true, 'criu check passes');
  assert.equal(old.sockets.ok, false);
  assert.match(old.sockets.reason ?? '', /CRIU 4\.1\.1 cannot dump any TCP\/UDP socket on kernel 6\.18\.44-fc-v857.*Can't get 1:16 opt.*Upgrade CRIU to 4\.2.*builds 4\.2\.1/);
  assert.equal(interpret(withDocker({ ...HOST_A_RAW, criu: { ...HOST_A_RAW.criu, version: '4.1.1' } }, { kernel: '6.15.9' })).sockets.ok, true, 'kernel 6.15 is fine');
  assert.equal(interpret(withDocker({ ...HOST_A_RAW, criu: { ...HOST_A_RAW.criu, version: '3.17.1' } }, { kernel: '6.1.0-13-amd64' })).sockets.ok, true, 'Debian 12 kernel');
  assert.equal(interpret(withDocker({ ...HOST_A_RAW, criu: { ...HOST_A_RAW.criu, version: '4.2' } }, { kernel: '6.16.0' })).sockets.ok, true);
  assert.equal(interpret({ ...HOST_A_RAW, criu: { found: false } }).sockets.ok, false);
});

test('the criu check remedy names the CRIU the provisioning builds today (4.2.1)', () => {
  const r = interpret({ ...HOST_A_RAW, criu: { ...HOST_A_RAW.criu, checkExit: 1, checkOutput: 'Error (criu/vdso.c:1): vdso bounds' } });
  assert.match(r.criu.reason ?? '', /builds 4\.2\.1/);
  assert.doesNotMatch(r.criu.reason ?? '', /4\.1\.1/);
});

test('the daemon key combines Docker, containerd and the daemon ID; missing parts give no key', () => {
  assert.equal(daemonKey(HOST_C_RAW.docker), 'docker 28.5.2+dfsg4 | containerd 2.1.9+unknown | id fe399dbf-c9ee-4e0b-b5db-8a1622f0103f');
  assert.notEqual(daemonKey(HOST_A_RAW.docker), daemonKey(HOST_C_RAW.docker));
  assert.equal(daemonKey({ ...HOST_C_RAW.docker, id: undefined } as RawProbe['docker']), undefined);
});

test('restore errors: the Docker 28 netns bug is recognised, anything else is an inconclusive failure', () => {
  assert.equal(classifyRestoreError('(HTTP code 500) server error - bind-mount /proc/0/ns/net -> /run/docker-c/netns/02f859c77268: no such file or directory'), 'netns-bug');
  assert.equal(classifyRestoreError('failed to upload checkpoint to containerd: commit failed: content sha256:ab: already exists'), 'failed');
  assert.equal(classifyRestoreError('criu failed: type RESTORE errno 0'), 'failed');
});

test('the tree row of each host (captured): A plain, C warns about in-place restore; while testing it says so', async () => {
  const { hostDescription } = await import('../../src/extension/tree/hostDescription.js');
  assert.equal(hostDescription(interpret(HOST_A_RAW)), 'Docker 20.10.24+dfsg1 · CRIU 4.2.1');
  assert.equal(hostDescription(interpret(HOST_C_RAW)), 'Docker 28.5.2+dfsg4 · CRIU 4.2.1 · ⚠ no in-place restore');
  assert.equal(hostDescription(interpret({ ...HOST_C_RAW, restoreTest: { outcome: 'pending', key: 'k' } })), 'Docker 28.5.2+dfsg4 · CRIU 4.2.1 · testing restore…');
  assert.equal(hostDescription(interpret({ ...HOST_A_RAW, criu: { ...HOST_A_RAW.criu, version: '4.1.1' } })), 'Docker 20.10.24+dfsg1 · CRIU 4.1.1 · ⚠ no TCP/UDP sockets');
});
