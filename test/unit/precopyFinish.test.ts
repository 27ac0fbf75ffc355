import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseFinish, decideFinish, PRIOR_RESTORE_MS_PER_MIB, restoreRateFromHistory } from '../../src/core/migrate/precopyFinish.js';
import type { MigrationRecord } from '../../src/core/migrate/types.js';

const PAGES_PER_MIB = 256;

test('chooseFinish: the VM (restore 250 ms/MiB): restoring later rounds costs more than a full dump while frozen', () => {
  // 128 MiB at 5 %/s on the VM: round 1 = all memory in 1 s of CRIU memdump and 4.5 s of shipping; round 2 = 25 MiB.
  const c = chooseFinish({ roundPages: [128 * PAGES_PER_MIB, 25 * PAGES_PER_MIB], firstDumpMs: 1000, firstShipMs: 4500, restoreMsPerMiB: 250 });
  assert.equal(c.finish, 'full-dump');
  // with rounds: 25 MiB frozen at 43 ms/MiB + (128 + 25 + 25) MiB restored; full: 128 MiB frozen + 128 MiB restored
  const perMiB = 5500 / 128;
  assert.ok(Math.abs(c.withRoundsMs - (25 * perMiB + 178 * 250)) < 1e-6);
  assert.ok(Math.abs(c.fullDumpMs - (128 * perMiB + 128 * 250)) < 1e-6);
  assert.match(c.why, /a full dump instead: restoring the 50 MiB of later rounds/);
});

test('chooseFinish: a slow link and a quick restore: the rounds pay for themselves', () => {
  // 1 GiB over ~12 MB/s (85 s to ship), 20 MiB dirtied per round, restore 17 ms/MiB.
  const c = chooseFinish({ roundPages: [1024 * PAGES_PER_MIB, 20 * PAGES_PER_MIB, 18 * PAGES_PER_MIB], firstDumpMs: 2000, firstShipMs: 85_000, restoreMsPerMiB: PRIOR_RESTORE_MS_PER_MIB });
  assert.equal(c.finish, 'with-rounds');
  assert.ok(c.withRoundsMs < c.fullDumpMs / 3, `${c.withRoundsMs} vs ${c.fullDumpMs}`);
  assert.match(c.why, /keeping the rounds/);
});

test('chooseFinish: one round gives no dirty rate: keep the rounds (what pre-copy did before)', () => {
  const c = chooseFinish({ roundPages: [4096], firstDumpMs: 100, firstShipMs: 100, restoreMsPerMiB: 1000 });
  assert.equal(c.finish, 'with-rounds');
  assert.match(c.why, /one round/);
});

const mig = (over: Partial<MigrationRecord>): MigrationRecord => ({
  kind: 'migration', id: 'm', host: 'a', source: 'a', target: 'vm-b', container: 'c', startedAt: '2026-11-22T00:00:00Z',
  phasesMs: { restore: 32_000 }, bytes: { image: 0, filesystem: 0, checkpoint: 0 }, totalMs: 1, outcome: 'ok', warnings: [], folderBytes: 128 * 2 ** 20, ...over,
});

test('restoreRateFromHistory: median ms/MiB of the last five ok migrations to that target with a folder of 64 MiB or more', () => {
  assert.equal(restoreRateFromHistory([], 'vm-b'), undefined);
  const rs = [
    mig({ phasesMs: { restore: 25_600 } }), // 200 ms/MiB
    mig({ phasesMs: { restore: 32_000 } }), // 250
    mig({ phasesMs: { restore: 38_400 } }), // 300
    mig({ target: 'other', phasesMs: { restore: 1 } }),
    mig({ outcome: 'failed', phasesMs: { restore: 1 } }),
    mig({ folderBytes: 16 * 2 ** 20, phasesMs: { restore: 10_000 } }), // too small: fixed cost dominates
  ];
  assert.equal(restoreRateFromHistory(rs, 'vm-b'), 250);
});

test('decideFinish: forced modes, and auto says where its restore rate came from', async () => {
  assert.deepEqual((await decideFinish([], {}, 'vm-b', 'full-dump')).finish, 'full-dump');
  assert.equal((await decideFinish([], {}, 'vm-b', 'with-rounds')).restoreRateFrom, 'forced');
  const rounds = [{ criu: { pagesWritten: 128 * PAGES_PER_MIB, memdumpTimeUs: 1_000_000 } }, { criu: { pagesWritten: 25 * PAGES_PER_MIB, memdumpTimeUs: 300_000 } }];
  const rec = { precopyRounds: [{ wallMs: 3000, bytes: 1, pagesWritten: 128 * PAGES_PER_MIB, shipMs: 4500 }] };
  const prior = await decideFinish(rounds, rec, 'vm-b', 'auto');
  assert.equal(prior.restoreRateFrom, 'prior');
  assert.equal(prior.finish, 'with-rounds', 'at 17 ms/MiB keeping 50 MiB of rounds is cheaper than 128 MiB frozen');
  const store = { readAll: async () => [mig({}), mig({}), { kind: 'checkpoint' }] };
  const learned = await decideFinish(rounds, rec, 'vm-b', 'auto', store);
  assert.equal(learned.restoreRateFrom, 'history');
  assert.equal(learned.restoreMsPerMiB, 250);
  assert.equal(learned.finish, 'full-dump');
});
