import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PRE_DUMP_RULE, shouldStopPreDump, SINGLE_PRE_DUMP } from '../../src/core/engines/preDump.js';

const r = (...pages: number[]) => pages.map((pagesWritten) => ({ pagesWritten }));

test('p.haul-like rule: keeps going while the dirty set shrinks', () => {
  assert.equal(shouldStopPreDump([], DEFAULT_PRE_DUMP_RULE).stop, false);
  assert.equal(shouldStopPreDump(r(65_536), DEFAULT_PRE_DUMP_RULE).stop, false);
  assert.equal(shouldStopPreDump(r(65_536, 3_000), DEFAULT_PRE_DUMP_RULE).stop, false);
});

test('stops once a round writes few pages', () => {
  const v = shouldStopPreDump(r(65_536, 3_000, 64), DEFAULT_PRE_DUMP_RULE);
  assert.equal(v.stop, true);
  assert.match(v.why ?? '', /wrote 64 pages/);
});

test('stops when a round grows by more than 10%: the app dirties faster than we copy', () => {
  const growthOnly = { ...DEFAULT_PRE_DUMP_RULE, plateau: undefined };
  assert.equal(shouldStopPreDump(r(10_000, 3_000, 3_300), growthOnly).stop, false, 'exactly +10% is still fine');
  const v = shouldStopPreDump(r(10_000, 3_000, 3_301), DEFAULT_PRE_DUMP_RULE);
  assert.equal(v.stop, true);
  assert.match(v.why ?? '', /faster than copied/);
});

test('stops at the round limit', () => {
  assert.match(shouldStopPreDump(r(9, 8, 7, 6, 5, 4, 3, 2).map((x) => ({ pagesWritten: x.pagesWritten * 1000 })), DEFAULT_PRE_DUMP_RULE).why ?? '', /reached 8/);
  assert.equal(shouldStopPreDump(r(100_000), SINGLE_PRE_DUMP).stop, true);
});

test('stops on a plateau: a round that shrank by less than 10% (50 %/s on the VM: every round re-dumps everything)', () => {
  // Round sizes of the 256 MB, 50 %/s container measured on the VM (pages).
  const v = shouldStopPreDump(r(65_536, 62_000), DEFAULT_PRE_DUMP_RULE);
  assert.equal(v.stop, true);
  assert.match(v.why ?? '', /stopped shrinking/);
  assert.equal(shouldStopPreDump(r(65_536, 6_000, 5_300), DEFAULT_PRE_DUMP_RULE).stop, false, '12% smaller is still progress');
  assert.equal(shouldStopPreDump(r(65_536, 6_000, 5_400), DEFAULT_PRE_DUMP_RULE).stop, true, 'exactly 90% is a plateau');
  assert.equal(shouldStopPreDump(r(65_536, 62_000), { ...DEFAULT_PRE_DUMP_RULE, plateau: undefined }).stop, false, 'off when unset');
});
