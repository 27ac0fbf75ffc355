import type { MigrationRecord } from './types.js';

/*
 * Whether a pre-copy migration should end with the rounds it shipped, or drop them and end
 * like stop-and-copy. Docker restores from the whole checkpoint folder, and containerd copies
 * every byte of it before CRIU reads any, so each round left in the folder costs restore
 * time on the target, inside the downtime. Measured on the VM: pre-copy took 1.12x–1.57x the
 * stop-and-copy downtime (docs/benchmarks-migration.md §3). Shipping a round while the
 * container runs is free for the downtime; keeping it is not.
 */

const MIB_PER_PAGE = 4096 / 2 ** 20;

/** Restore cost per MiB of checkpoint folder measured on this project's host (docs §1), for a target with no history. */
export const PRIOR_RESTORE_MS_PER_MIB = 17;

export interface FinishInputs {
  /** Pages each pre-dump round wrote so far; the first is (nearly) all of the memory. */
  roundPages: readonly number[];
  /** The first round: CRIU's memory dump time and how long shipping it took, in ms. */
  firstDumpMs: number;
  firstShipMs: number;
  /** The target's restore cost per MiB of folder (history, or the prior). */
  restoreMsPerMiB: number;
}

export interface FinishChoice {
  finish: 'with-rounds' | 'full-dump';
  /** Expected downtime (ms) of each way to finish: the part that depends on the choice. */
  withRoundsMs: number;
  fullDumpMs: number;
  restoreMsPerMiB: number;
  why: string;
}

/**
 * Expected downtime either way, from what the rounds showed. Finishing with the rounds:
 * the final delta (about what the last round wrote) is dumped and shipped while frozen,
 * and the target restores memory + every later round + that delta. Finishing with a full
 * dump: all memory is dumped and shipped while frozen, and the target restores only that.
 * With a single round there is no dirty rate to go by yet: keep the rounds.
 */
export function chooseFinish(i: FinishInputs): FinishChoice {
  const memMiB = (i.roundPages[0] ?? 0) * MIB_PER_PAGE;
  const r = i.restoreMsPerMiB;
  if (i.roundPages.length < 2 || memMiB <= 0) {
    return { finish: 'with-rounds', withRoundsMs: NaN, fullDumpMs: NaN, restoreMsPerMiB: r, why: 'one round: no dirty rate to judge by yet' };
  }
  const frozenMsPerMiB = (i.firstDumpMs + i.firstShipMs) / memMiB;
  const laterMiB = i.roundPages.slice(1).reduce((s, p) => s + p, 0) * MIB_PER_PAGE;
  const deltaMiB = i.roundPages[i.roundPages.length - 1]! * MIB_PER_PAGE;
  const withRoundsMs = deltaMiB * frozenMsPerMiB + (memMiB + laterMiB + deltaMiB) * r;
  const fullDumpMs = memMiB * frozenMsPerMiB + memMiB * r;
  const finish = withRoundsMs <= fullDumpMs ? 'with-rounds' : 'full-dump';
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const why =
    finish === 'with-rounds'
      ? `keeping the rounds: expected ${s(withRoundsMs)} frozen vs ${s(fullDumpMs)} with a full dump`
      : `a full dump instead: restoring the ${Math.round(laterMiB + deltaMiB)} MiB of later rounds would cost more (${s(withRoundsMs)}) than dumping and shipping all ${Math.round(memMiB)} MiB while frozen (${s(fullDumpMs)})`;
  return { finish, withRoundsMs, fullDumpMs, restoreMsPerMiB: r, why };
}

/**
 * The target's restore cost per MiB from past migrations to it (median of the last five
 * with a folder of at least 64 MiB, where the size-bound part dominates the fixed one).
 */
export function restoreRateFromHistory(records: readonly MigrationRecord[], target: string): number | undefined {
  const rates = records
    .filter((r) => r.outcome === 'ok' && r.target === target && (r.folderBytes ?? 0) >= 64 * 2 ** 20 && (r.phasesMs.restore ?? 0) > 0)
    .slice(-5)
    .map((r) => r.phasesMs.restore! / (r.folderBytes! / 2 ** 20))
    .sort((a, b) => a - b);
  return rates.length ? rates[Math.floor(rates.length / 2)] : undefined;
}

/** The rounds as the engine reports them (pages from CRIU's stats). */
export interface RoundFacts {
  criu?: { pagesWritten: number; memdumpTimeUs: number };
}

/**
 * The migration's decision once its rounds are done: forced, or chooseFinish with the first
 * round's measured dump and ship times and the target's restore rate (its history in the
 * results store, else the prior).
 */
export async function decideFinish(
  rounds: readonly RoundFacts[],
  rec: Pick<MigrationRecord, 'precopyRounds'>,
  target: string,
  mode: 'auto' | 'with-rounds' | 'full-dump',
  store?: { readAll(): Promise<readonly { kind: string }[]> },
): Promise<NonNullable<MigrationRecord['precopyFinish']>> {
  if (mode !== 'auto') return { finish: mode, why: `asked for ${mode}`, restoreMsPerMiB: NaN, restoreRateFrom: 'forced' };
  const past = store ? ((await store.readAll().catch(() => [])).filter((r) => r.kind === 'migration') as MigrationRecord[]) : [];
  const known = restoreRateFromHistory(past, target);
  const choice = chooseFinish({
    roundPages: rounds.map((r) => r.criu?.pagesWritten ?? 0),
    firstDumpMs: (rounds[0]?.criu?.memdumpTimeUs ?? 0) / 1000,
    firstShipMs: rec.precopyRounds?.[0]?.shipMs ?? 0,
    restoreMsPerMiB: known ?? PRIOR_RESTORE_MS_PER_MIB,
  });
  return { finish: choice.finish, why: choice.why, restoreMsPerMiB: choice.restoreMsPerMiB, restoreRateFrom: known === undefined ? 'prior' : 'history' };
}
