import type { WatchdogReport } from './guard/frozenWatchdog.js';
import type { CriuOptions } from './criu/options.js';
import type { MigrationRecord } from './migrate/types.js';
import type { CriuDumpStats } from './stats/criuStats.js';

export type EngineId = 'docker' | 'runc';

/** What each checkpoint run leaves behind for the charts and benchmarks (one JSON line). */
export interface CheckpointRecord {
  kind: 'checkpoint';
  /** Unique per run, so a record can be referred to from a benchmark or a chart. */
  id: string;
  host: string;
  container: string;
  containerId: string;
  image: string;
  memoryBytes?: number;
  engine: EngineId;
  /** criu: the CRIU options the dump was made with (also kept in the checkpoint folder). */
  options: { leaveRunning: boolean; preDump: boolean; criu?: CriuOptions };
  checkpointName: string;
  startedAt: string;
  /** Time the engine took (the freeze and dump), without the wait for the scheduler. */
  wallMs: number;
  /** Time spent waiting for the host's scheduler before the engine started. */
  queuedMs?: number;
  /** CRIU stats of the final dump (with pre-dump: only what changed since the last round). */
  criu?: CriuDumpStats;
  /** Each pre-dump round while the container ran, oldest first. */
  preDumpRounds?: { wallMs: number; criu?: CriuDumpStats }[];
  preDumpStop?: string;
  /** The final dump was a full one and the pre-dump rounds were removed (pre-copy judged them not worth restoring). */
  preDumpDropped?: boolean;
  imageBytes?: number;
  /** The restart policy held off ('no') for the freeze, given back by the restore (restartPolicy.ts). */
  restartPolicyHeld?: string;
  outcome: 'ok' | 'failed' | 'cancelled';
  error?: string;
  /** The frozen-time watchdog stepped in: CRIU ended, container thawed (see guard/frozenWatchdog.ts). */
  watchdog?: WatchdogReport;
  /** Free-form tags a benchmark adds (scenario, repetition, concurrency...). */
  tags?: Record<string, string | number | boolean>;
}

export interface RestoreRecord {
  kind: 'restore';
  id: string;
  host: string;
  container: string;
  containerId: string;
  checkpointName: string;
  startedAt: string;
  wallMs: number;
  /** CRIU options the restore was given (those the checkpoint was made with), through runc.conf. */
  criu?: CriuOptions;
  /** Time the runc.conf change added (lock, change, putting back), inside wallMs. */
  runcConfMs?: number;
  /** The restart policy an earlier freeze held off, given back once the container ran again. */
  restartPolicyGivenBack?: string;
  outcome: 'ok' | 'failed' | 'cancelled';
  error?: string;
  /**
   * Restored by recreating the container under its name (Docker 28+ cannot restore it in
   * place): containerId is the new container's; what changed, for the user.
   */
  recreated?: { oldId: string; changes: string[]; stepsMs?: Record<string, number> };
  tags?: Record<string, string | number | boolean>;
}

export type RunRecord = CheckpointRecord | RestoreRecord | MigrationRecord;
export type { MigrationRecord };

export function newRecordId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.TZ]/g, '')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Classifies a thrown error into the record's outcome; cancellation is not a failure. */
export function outcomeOf(err: unknown): { outcome: 'failed' | 'cancelled'; error: string } {
  if (err instanceof Error && err.name === 'AbortError') return { outcome: 'cancelled', error: 'Cancelled' };
  // A cancel that could not leave everything untouched (a migration after the freeze) keeps its
  // own name and message, which say what became of the container; it is still a cancel.
  if (err instanceof Error && err.cause instanceof Error && err.cause.name === 'AbortError') return { outcome: 'cancelled', error: err.message };
  return { outcome: 'failed', error: err instanceof Error ? err.message : String(err) };
}
