import type { PreDumpRule } from '../../engines/preDump.js';
import type { MigrationRecord } from '../../migrate/types.js';
import type { ResultsStore } from '../../store/resultsStore.js';
import type { HostFactTags } from '../hostFacts.js';
import { BENCH_PREFIX } from '../memhog.js';

// What a migration benchmark run is asked for and gives back, and the names its containers
// and routes carry (the clean-up and the summaries match on them).

/** What a move does with memory: pre-dump rounds shipped while running, or stop-and-copy. */
export const MOVE_METHODS = ['precopy', 'stopcopy'] as const;
export type MoveMethod = (typeof MOVE_METHODS)[number];
/** The checkpoint folder moved again by hand, timed alone (see ./pipes.ts). */
export const PIPE_METHODS = ['cryo-pipe', 'raw-pipe', 'raw-pipe-nogzip'] as const;
export type PipeMethod = (typeof PIPE_METHODS)[number];
export type MigrationBenchMethod = MoveMethod | PipeMethod;

export interface MigrationBenchOptions {
  sizesMb: readonly number[];
  dirtyPcts?: readonly number[];
  reps?: number;
  /** Default: both where A can pre-dump, else stop-and-copy only. */
  methods?: readonly MoveMethod[];
  /** Time the pipes after every stop-and-copy move A -> B (default true). */
  pipes?: boolean;
  /**
   * Migrate back B -> A after each move (measured too; default true). false: remove the
   * container on B and start a fresh one on A (cheaper where a move takes minutes, the VM).
   */
  back?: boolean;
  /** Pre-copy's stop rule (default: the core's, p.haul's). */
  preDumpRule?: PreDumpRule;
  /** Pause after `sync` on both hosts before every measured step (default 1000 ms). */
  settleMs?: number;
  store?: ResultsStore;
  signal?: AbortSignal;
  runId?: string;
  onProgress?: (message: string) => void;
}

export interface MigrationBenchResult {
  runId: string;
  facts: HostFactTags;
  targetFacts: HostFactTags;
  methods: MoveMethod[];
  records: MigrationRecord[];
}

/** The name prefix of one run's containers on both hosts (what a forced clean-up matches). */
export function migrationBenchPrefix(runId: string, scenario = 'migration'): string {
  return `${BENCH_PREFIX}${scenario}-${runId}-`;
}

export function routeLabel(from: string, to: string): string {
  return `${from}->${to}`;
}
