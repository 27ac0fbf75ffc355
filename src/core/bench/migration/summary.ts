import type { MigrationRecord } from '../../migrate/types.js';
import { judge, secsSummary, type BenchGoal, type BenchTable } from '../tables.js';
import { fmtRatio, mb, ms1 } from './format.js';
import { downtimeRatio, throughputRatio, type Ratio } from './ratios.js';
import { codecsOf, isMove, methodLabel, summarizeMoves, summarizeThroughput, type Cell } from './rows.js';

// A migration run as the CLI prints it and the docs keep it (pure): the tables, the goals
// of the issues judged on the measured ratios, and the notes that say how to read them.

export interface MigrationSummary {
  tables: BenchTable[];
  goals: BenchGoal[];
  notes: string[];
  failed: number;
}

/** Each route, size and dirty rate once, in the order the rows have them. */
function cellsOf<T extends Cell>(rows: readonly T[]): T[] {
  return [...new Map(rows.map((r) => [`${r.route}\u0000${r.sizeMb}\u0000${r.dirtyPct}`, r])).values()];
}

function judgeRatio(label: string, r: Ratio, goal: number, atMost: boolean): BenchGoal {
  return judge(label, r.value, goal, atMost, r.paired !== undefined ? { paired: r.paired } : {});
}

/**
 * Tables and goals of a migration run: downtime and phases per route/size/dirty/method,
 * transfer throughput against the raw pipe (goal >= 0.8x), pre-copy downtime against
 * stop-and-copy (goal <= 0.3x).
 */
export function summarizeMigrationBench(records: readonly MigrationRecord[]): MigrationSummary {
  const moves = summarizeMoves(records);
  const tput = summarizeThroughput(records);
  const tables: BenchTable[] = [
    {
      title: 'Migration: downtime and phases (seconds, median (min–max) over reps; phases are medians)',
      head: ['route', 'size', 'dirty %/s', 'method', 'downtime s', 'checkpoint', 'filesystem', 'transfer', 'restore', 'total s', 'CRIU frozen', 'wire bytes', 'folder', 'rounds', 'n', 'failed'],
      rows: moves.map((r) => [
        r.route,
        `${r.sizeMb} MB`,
        String(r.dirtyPct),
        methodLabel(r),
        secsSummary(r.downtimeMs),
        ms1(r.phasesMs.checkpoint),
        ms1(r.phasesMs.filesystem),
        ms1(r.phasesMs.transfer),
        ms1(r.phasesMs.restore),
        secsSummary(r.totalMs),
        ms1(r.frozenMs),
        mb(r.wireBytes),
        mb(r.folderBytes),
        r.rounds === undefined ? '–' : String(r.rounds),
        String(r.n),
        String(r.failed),
      ]),
    },
  ];
  if (tput.length) {
    tables.push({
      title: 'Transfer of the same checkpoint folder: Cryo (stop-and-copy transfer phase) vs pipes timed alone',
      head: ['route', 'size', 'method', 'transfer s', 'MB/s', 'vs raw-pipe', 'n', 'failed'],
      rows: tput.map((r) => {
        const rel = r.method === 'raw-pipe' ? '1.00x' : fmtRatio(throughputRatio(records, r.route, r.sizeMb, r.dirtyPct, r.method, 'raw-pipe').value);
        return [r.route, `${r.sizeMb} MB`, methodLabel(r), secsSummary(r.ms), r.bytesPerSec === undefined ? '–' : (r.bytesPerSec / 1e6).toFixed(0), rel, String(r.n), String(r.failed)];
      }),
    });
  }
  const goals: BenchGoal[] = [];
  for (const c of cellsOf(tput)) {
    const r = throughputRatio(records, c.route, c.sizeMb, c.dirtyPct, 'stopcopy', 'raw-pipe');
    const cryo = tput.find((x) => x.route === c.route && x.sizeMb === c.sizeMb && x.dirtyPct === c.dirtyPct && x.method === 'stopcopy')?.codec;
    goals.push(judgeRatio(`transfer throughput Cryo${cryo ? ` (${cryo} -1)` : ''} / raw pipe (gzip -1), ${c.route}, ${c.sizeMb} MB`, r, 0.8, false));
  }
  for (const c of cellsOf(moves.filter((r) => r.method === 'precopy'))) {
    const r = downtimeRatio(records, c.route, c.sizeMb, c.dirtyPct);
    goals.push(judgeRatio(`downtime pre-copy / stop-and-copy, ${c.route}, ${c.sizeMb} MB at ${c.dirtyPct} %/s`, r, 0.3, true));
  }
  // Moves recorded before the codec was (older bench runs) all went with gzip.
  const notes = [
    'downtime: source frozen (final dump starts) -> target restored; checkpoint = the checkpoint phase (pre-copy: pre-dump rounds + final dump).',
    `wire bytes: the compressed stream through the pipe (Cryo's moves: ${codecsOf(records.filter(isMove)) ?? 'gzip'} -1; each method's codec is in brackets after its name; memhog pages are mostly zero, so it is tiny); folder: the checkpoint folder on the source (du -sb); MB/s = folder / transfer time.`,
  ];
  return { tables, goals, notes, failed: records.filter((r) => r.outcome !== 'ok').length };
}
