import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatsImage } from '../../src/core/stats/criuStats.js';
import { decodeMessage, readVarint } from '../../src/core/stats/protobuf.js';

// A minimal protobuf encoder, only to build test images field by field.
function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const field = (no: number, value: number | bigint) => [...varint(no << 3), ...varint(value)];
const bytesField = (no: number, bytes: number[]) => [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
function u32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...b];
}
function statsImage(entry: number[], magics = [0x55105940, 0x57093306]): Uint8Array {
  return Uint8Array.from([...magics.flatMap(u32), ...u32(entry.length), ...entry]);
}

test('varints decode across byte boundaries and 64-bit values', () => {
  assert.equal(readVarint(Uint8Array.from([0xac, 0x02]), 0).value, 300n);
  const big = varint(2n ** 40n + 5n);
  assert.equal(readVarint(Uint8Array.from(big), 0).value, 2n ** 40n + 5n);
  assert.throws(() => readVarint(Uint8Array.from([0x80]), 0), /truncated/);
});

test('parses a dump stats image as CRIU writes it', () => {
  const dump = [...field(1, 1500), ...field(2, 250_000), ...field(3, 40_000), ...field(4, 90_000), ...field(5, 65_536), ...field(6, 0), ...field(7, 65_000), ...field(9, 0)];
  const stats = parseStatsImage(statsImage(bytesField(1, dump)));
  assert.deepEqual(stats.dump, {
    freezingTimeUs: 1500,
    frozenTimeUs: 250_000,
    memdumpTimeUs: 40_000,
    memwriteTimeUs: 90_000,
    pagesScanned: 65_536,
    pagesSkippedParent: 0,
    pagesWritten: 65_000,
    pagesLazy: 0,
  });
  assert.equal(stats.restore, undefined);
});

test('parses restore stats and ignores unknown fields', () => {
  const restore = [...field(1, 10), ...field(2, 2), ...field(3, 700), ...field(4, 12_000), ...field(5, 4096), ...field(15, 99)];
  const stats = parseStatsImage(statsImage(bytesField(2, restore)));
  assert.deepEqual(stats.restore, { pagesCompared: 10, pagesSkippedCow: 2, forkingTimeUs: 700, restoreTimeUs: 12_000, pagesRestored: 4096 });
});

test('refuses files that are not stats images', () => {
  assert.throws(() => parseStatsImage(statsImage([], [0x55105940, 0x12345678])), /bad magic/);
  assert.throws(() => parseStatsImage(Uint8Array.from([1, 2, 3])), /too short/);
  const truncated = statsImage(bytesField(1, field(1, 5))).subarray(0, 13);
  assert.throws(() => parseStatsImage(truncated), /truncated/);
});

test('decodeMessage skips fixed-width fields', () => {
  const msg = Uint8Array.from([...varint((3 << 3) | 1), 1, 2, 3, 4, 5, 6, 7, 8, ...field(4, 7)]);
  assert.equal(decodeMessage(msg).get(4), 7n);
});
