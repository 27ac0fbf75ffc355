import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { parseDirty, parseLengths } from '../../src/cli/commands/benchHosts.js';
import { parseMigrationBenches } from '../../src/cli/commands/benchMigrationSuite.js';

test('bench migration: local <-> host B by default with the v0.2 sizes and the pipes', () => {
  const c = parseMigrationBenches(['bench', 'migration', '--reps', '2']);
  assert.ok(c && c.cmd === 'bench-migration');
  assert.deepEqual(c.hosts, ['local', 'host-b']);
  assert.deepEqual(c.sizesMb, [16, 256, 1024]);
  assert.deepEqual(c.dirtyPcts, [0]);
  assert.equal(c.reps, 2);
  assert.equal(c.pipes, true);
  assert.equal(c.back, true);
});

test('bench migration in the VM: sizes capped by its RAM, pre-copy rounds can be capped', () => {
  const c = parseMigrationBenches(['bench', 'migration', '--hosts', 'vm,vm-b', '--dirty', '0.5,5', '--back', 'no', '--precopy-max-rounds', '3']);
  assert.ok(c && c.cmd === 'bench-migration');
  assert.deepEqual(c.sizesMb, [16, 128, 256]);
  assert.deepEqual(c.dirtyPcts, [0.5, 5]);
  assert.equal(c.back, false);
  assert.equal(c.precopyMaxRounds, 3);
  assert.throws(() => parseMigrationBenches(['bench', 'migration', '--hosts', 'vm,vm-b', '--sizes', '512']), (e: Error) => e instanceof UsageError && /at most 256 MB/.test(e.message));
  assert.throws(() => parseMigrationBenches(['bench', 'migration', '--hosts', 'vm,vm']), UsageError);
  assert.throws(() => parseMigrationBenches(['bench', 'migration', '--hosts', 'local,mars']), /Unknown host "mars"/);
});

test('bench predump and chain: defaults, and other commands are left to the other parsers', () => {
  const p = parseMigrationBenches(['bench', 'predump']);
  assert.ok(p && p.cmd === 'bench-predump');
  assert.equal(p.on, 'vm');
  assert.deepEqual(p.dirtyPcts, [0, 5, 50]);
  assert.equal(p.phaulReps, 1);
  const c = parseMigrationBenches(['bench', 'chain', '--lengths', '1,2,4']);
  assert.ok(c && c.cmd === 'bench-chain');
  assert.deepEqual(c.lengths, [1, 2, 4]);
  assert.equal(c.sizeMb, 32);
  assert.equal(parseMigrationBenches(['bench', 'engines']), undefined);
  assert.equal(parseMigrationBenches(['bench', 'dirty']), undefined);
  assert.equal(parseMigrationBenches(['probe']), undefined);
  assert.throws(() => parseMigrationBenches(['bench', 'predump', '--bogus']), UsageError);
});

test('dirty rates and chain lengths', () => {
  assert.deepEqual(parseDirty('0,0.5,50'), [0, 0.5, 50]);
  assert.throws(() => parseDirty('101'), UsageError);
  assert.throws(() => parseDirty('5,5'), UsageError);
  assert.deepEqual(parseLengths('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(parseLengths('16'), [16]);
  assert.throws(() => parseLengths('3-1'), UsageError);
  assert.throws(() => parseLengths('a'), UsageError);
});
