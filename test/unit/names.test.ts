import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertValidName, defaultCheckpointName, InvalidNameError, isValidName } from '../../src/core/names.js';

test('accepts Docker-style names', () => {
  for (const n of ['cp1', 'my-checkpoint', 'a.b_c-9', '9lives']) assert.ok(isValidName(n), n);
});

test('refuses names Docker refuses, and anything shell- or path-like', () => {
  for (const n of ['', 'a', '-x', '.hidden', 'a b', 'a/b', '../x', 'x;rm -rf /', '$(id)', 'ä1', 'a'.repeat(129)]) {
    assert.equal(isValidName(n), false, n);
  }
  assert.throws(() => assertValidName('checkpoint', 'a/b'), InvalidNameError);
  assert.throws(() => assertValidName('checkpoint', 'x'), /at least 2 characters/);
});

test('default checkpoint name is valid and sortable by time', () => {
  const name = defaultCheckpointName(new Date(2026, 10, 22, 9, 5, 3));
  assert.equal(name, 'cp-20261122-090503');
  assert.ok(isValidName(name));
});
