import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newestFirst } from '../../src/core/ops/restoreFallback.js';

test('newestFirst: by folder time, newest first; untimed last, in reverse name order', () => {
  const at = (s: number) => new Date(s * 1000);
  assert.deepEqual(
    newestFirst([
      { name: 'a', createdAt: at(100) },
      { name: 'untimed-1' },
      { name: 'c', createdAt: at(300) },
      { name: 'b', createdAt: at(200) },
      { name: 'untimed-2' },
    ]),
    ['c', 'b', 'a', 'untimed-2', 'untimed-1'],
  );
  assert.deepEqual(newestFirst([{ name: 'x1', createdAt: at(5) }, { name: 'x2', createdAt: at(5) }]), ['x2', 'x1'], 'same second: the later name first');
  assert.deepEqual(newestFirst([]), []);
});
