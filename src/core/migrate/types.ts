import type { EngineId } from '../records.js';
import type { CriuDumpStats } from '../stats/criuStats.js';
import type { TransferCodec } from './transfer.js';

export type MigrationPhase = 'preflight' | 'image' | 'create' | 'volumes' | 'checkpoint' | 'volume-changes' | 'filesystem' | 'transfer' | 'restore' | 'verify' | 'cleanup';

/** One migration, as recorded in the results store next to checkpoint and restore runs. */
export interface MigrationRecord {
  kind: 'migration';
  id: string;
  /** The source host (every record kind has `host`, so filters work across kinds). */
  host: string;
  source: string;
  target: string;
  container: string;
  targetContainer?: string;
  startedAt: string;
  memoryBytes?: number;
  engine?: EngineId;
  criu?: CriuDumpStats;
  phasesMs: Partial<Record<MigrationPhase, number>>;
  /** volumes: both passes of the volume copy on the wire (absent when no volume travelled). */
  bytes: { image: number; filesystem: number; checkpoint: number; volumes?: number };
  /** The local volumes copied with the container (volumes.ts), and what the frozen pass cost. */
  volumes?: { name: string; destination: string; liveBytes: number; frozenBytes: number; frozenMs: number }[];
  /** How the checkpoint went over the wire (absent when the migration stopped before choosing, and in older records). */
  codec?: TransferCodec;
  /** Pre-copy rounds shipped while the container ran (absent for stop-and-copy). */
  precopyRounds?: { wallMs: number; bytes: number; pagesWritten: number; shipMs?: number }[];
  precopyStop?: string;
  /** How pre-copy ended: with its rounds, or with a full dump when keeping them would cost more (and why). */
  precopyFinish?: { finish: 'with-rounds' | 'full-dump'; why: string; restoreMsPerMiB: number; restoreRateFrom: 'history' | 'prior' | 'forced' };
  /** The checkpoint folder the target restored from (bytes on disk): what its restore cost grows with. */
  folderBytes?: number;
  /** Source frozen -> target running. */
  downtimeMs?: number;
  totalMs: number;
  outcome: 'ok' | 'failed' | 'cancelled';
  error?: string;
  failedPhase?: MigrationPhase;
  /** What the hosts said of each side after a failure (migrate/state.ts). */
  sourceAfterFailure?: 'untouched' | 'running' | 'restored' | 'stopped';
  targetAfterFailure?: 'none' | 'removed' | 'left' | 'running' | 'unknown';
  /** The source's restart policy held off for the freeze; the target has it, the stopped source keeps 'no'. */
  restartPolicyHeld?: string;
  warnings: string[];
  tags?: Record<string, string | number | boolean>;
}
