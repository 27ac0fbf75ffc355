import type { CriuDumpStats } from '../stats/criuStats.js';

/**
 * When to stop pre-dumping and freeze, as p.haul decides for pre-copy migration: after
 * at most `maxRounds`, or once a round writes few pages (the dirty set has converged),
 * or when a round writes noticeably more than the one before (the app dirties memory
 * faster than we copy it, so more rounds only cost time), or when a round barely shrank:
 * measured on the VM, p.haul's two tests alone let a 50 %/s container re-dump all of its
 * memory 8 times (2.2 GiB of images for 256 MB) because a plateau never "grows".
 */
export interface PreDumpRule {
  maxRounds: number;
  /** Stop when a round wrote at most this many pages. */
  smallRoundPages: number;
  /** Stop when a round wrote more than (1 + growth) x the previous round. */
  growth: number;
  /** Stop when a round wrote at least this share of the previous round's pages (a plateau). */
  plateau?: number;
}

export const DEFAULT_PRE_DUMP_RULE: PreDumpRule = { maxRounds: 8, smallRoundPages: 64, growth: 0.1, plateau: 0.9 };

/** A single pre-dump round before the final dump: the user-facing "pre-dump first". */
export const SINGLE_PRE_DUMP: PreDumpRule = { maxRounds: 1, smallRoundPages: 0, growth: Number.POSITIVE_INFINITY };

export function shouldStopPreDump(rounds: readonly Pick<CriuDumpStats, 'pagesWritten'>[], rule: PreDumpRule): { stop: boolean; why?: string } {
  const n = rounds.length;
  if (n === 0) return { stop: false };
  if (n >= rule.maxRounds) return { stop: true, why: `reached ${rule.maxRounds} round(s)` };
  const last = rounds[n - 1]!.pagesWritten;
  if (last <= rule.smallRoundPages) return { stop: true, why: `round ${n} wrote ${last} pages (<= ${rule.smallRoundPages})` };
  if (n >= 2) {
    const prev = rounds[n - 2]!.pagesWritten;
    if (last > prev * (1 + rule.growth)) return { stop: true, why: `round ${n} wrote ${last} pages, more than ${prev} before: memory is dirtied faster than copied` };
    if (rule.plateau !== undefined && last >= prev * rule.plateau) {
      return { stop: true, why: `round ${n} wrote ${last} pages, ${Math.round((100 * last) / prev)} % of the ${prev} before: the dirty set stopped shrinking` };
    }
  }
  return { stop: false };
}
