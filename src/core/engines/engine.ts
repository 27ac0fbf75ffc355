import type Docker from 'dockerode';
import type { CriuOptions } from '../criu/options.js';
import type { CommandRunner } from '../exec/runner.js';
import type { EngineId } from '../records.js';
import type { CriuDumpStats } from '../stats/criuStats.js';
import type { PreDumpRule } from './preDump.js';

/** What an engine needs to know about the host it works on. */
export interface EngineContext {
  docker: Docker;
  runner: CommandRunner;
  /** Docker's data root on that host (docker info DockerRootDir). */
  dockerRootDir: string;
  /** Where Cryo keeps CRIU work dirs (logs, stats) on that host. */
  cryoStateDir: string;
}

export interface EngineCheckpointRequest {
  containerId: string;
  name: string;
  leaveRunning: boolean;
  /** CRIU options for the dump and its pre-dump rounds (the runc engine passes them as flags). */
  criu?: CriuOptions;
  /** Pre-dump rounds while the container runs, before the final dump (runc engine only). */
  preDump?: PreDumpRule;
  /** Called after each pre-dump round with its folder (relative to `dir`), e.g. to ship it. */
  onPreDumpRound?: (round: PreDumpRound) => Promise<void>;
  /**
   * Asked once the rounds are done: 'parent' makes the final dump on top of the last round
   * (only what changed since); 'full' dumps everything and drops the rounds, for when
   * keeping them would cost more than they save. Default: 'parent'.
   */
  finishWith?: (rounds: readonly PreDumpRound[]) => Promise<'parent' | 'full'>;
  /** Called right before the final (freezing) dump starts. */
  onFinalDump?: () => void;
  /** Checked before the freeze only: interrupting CRIU mid-dump could leave the container frozen. */
  signal?: AbortSignal;
}

export interface PreDumpRound {
  index: number;
  /** Folder of this round, relative to the checkpoint folder (pd1, pd2...). */
  subdir: string;
  wallMs: number;
  criu?: CriuDumpStats;
}

export interface EngineCheckpointResult {
  /** Folder on the host holding the checkpoint images. */
  dir: string;
  preDumpRounds?: PreDumpRound[];
  /** Why pre-dumping stopped, when it ran. */
  preDumpStop?: string;
  /** The final dump was a full one and the rounds were removed (finishWith said 'full'). */
  preDumpDropped?: boolean;
  /** CRIU's stats-dump of the final dump on the host, read by the caller after timing. */
  statsPath?: string;
  /** Where CRIU's log of this dump is kept on the host, when the engine keeps it. */
  logPath?: string;
}

export interface CheckpointEngine {
  readonly id: EngineId;
  checkpoint(ctx: EngineContext, req: EngineCheckpointRequest): Promise<EngineCheckpointResult>;
}

/** Docker restores only from here (a custom checkpoint dir is refused with 403 on restore). */
export function dockerCheckpointDir(ctx: EngineContext, containerId: string, name: string): string {
  return `${ctx.dockerRootDir}/containers/${containerId}/checkpoints/${name}`;
}

export class CheckpointFailedError extends Error {
  constructor(
    message: string,
    /** CRIU's own explanation (last error lines of its log), when it could be read. */
    readonly criuReason?: string,
    readonly logPath?: string,
  ) {
    super(criuReason ? `${message}\nCRIU says: ${criuReason}` : message);
    this.name = 'CheckpointFailedError';
  }
}
