import { decodeMessage, num } from './protobuf.js';

/**
 * CRIU's own account of a dump (images/stats.proto, dump_stats_entry). Times are in
 * microseconds as CRIU records them; Docker keeps none of this, runc's work path does.
 */
export interface CriuDumpStats {
  freezingTimeUs: number;
  frozenTimeUs: number;
  memdumpTimeUs: number;
  memwriteTimeUs: number;
  pagesScanned: number;
  pagesSkippedParent: number;
  pagesWritten: number;
  pagesLazy?: number;
}

export interface CriuRestoreStats {
  pagesCompared: number;
  pagesSkippedCow: number;
  forkingTimeUs: number;
  restoreTimeUs: number;
  pagesRestored?: number;
}

// CRIU image magics: "service" images such as stats start with IMG_SERVICE_MAGIC, then their own.
const IMG_COMMON_MAGIC = 0x54564319;
const IMG_SERVICE_MAGIC = 0x55105940;
const STATS_MAGIC = 0x57093306;

/** Parses a stats-dump / stats-restore file: magic words, then one u32-length-prefixed stats_entry. */
export function parseStatsImage(data: Uint8Array): { dump?: CriuDumpStats; restore?: CriuRestoreStats } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 12) throw new Error('stats image too short');
  let pos = 0;
  const first = view.getUint32(0, true);
  if (first === IMG_SERVICE_MAGIC || first === IMG_COMMON_MAGIC) pos = 4;
  if (view.getUint32(pos, true) !== STATS_MAGIC) throw new Error('not a CRIU stats image (bad magic)');
  pos += 4;
  const size = view.getUint32(pos, true);
  pos += 4;
  if (pos + size > data.byteLength) throw new Error('stats image truncated');
  const entry = decodeMessage(data.subarray(pos, pos + size));
  const out: { dump?: CriuDumpStats; restore?: CriuRestoreStats } = {};
  const dump = entry.get(1);
  if (dump instanceof Uint8Array) out.dump = toDumpStats(decodeMessage(dump));
  const restore = entry.get(2);
  if (restore instanceof Uint8Array) out.restore = toRestoreStats(decodeMessage(restore));
  return out;
}

function toDumpStats(f: ReturnType<typeof decodeMessage>): CriuDumpStats {
  const stats: CriuDumpStats = {
    freezingTimeUs: num(f, 1) ?? 0,
    frozenTimeUs: num(f, 2) ?? 0,
    memdumpTimeUs: num(f, 3) ?? 0,
    memwriteTimeUs: num(f, 4) ?? 0,
    pagesScanned: num(f, 5) ?? 0,
    pagesSkippedParent: num(f, 6) ?? 0,
    pagesWritten: num(f, 7) ?? 0,
  };
  const lazy = num(f, 9);
  if (lazy !== undefined) stats.pagesLazy = lazy;
  return stats;
}

function toRestoreStats(f: ReturnType<typeof decodeMessage>): CriuRestoreStats {
  const stats: CriuRestoreStats = {
    pagesCompared: num(f, 1) ?? 0,
    pagesSkippedCow: num(f, 2) ?? 0,
    forkingTimeUs: num(f, 3) ?? 0,
    restoreTimeUs: num(f, 4) ?? 0,
  };
  const restored = num(f, 5);
  if (restored !== undefined) stats.pagesRestored = restored;
  return stats;
}
