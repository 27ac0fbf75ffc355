import type { CriuDiagnosis } from '../criu/diagnose.js';
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
  /** Every command that freezes the container (each dump, pre-dump rounds included) runs under it. */
  watchdog?: FreezeGuard;
}

/** Bounds a freezing step (see guard/frozenWatchdog.ts); throws when it had to step in. */
export interface FreezeGuard {
  /** `failed` tells a failure that resolves (a non-zero exit) from success. */
  run<T>(fn: () => Promise<T>, failed?: (value: T) => boolean): Promise<T>;
}

/** fn under the request's watchdog, if it has one. */
export function guarded<T>(req: Pick<EngineCheckpointRequest, 'watchdog'>, fn: () => Promise<T>, failed?: (value: T) => boolean): Promise<T> {
  return req.watchdog ? req.watchdog.run(fn, failed) : fn();
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
    /** CRIU's own explanation (its decisive error line, else its last error lines), when it could be read. */
    readonly criuReason?: string,
    readonly logPath?: string,
    /** The decisive cause and its remedy (criu/diagnose.ts): `option` set means "retry with that CRIU option". */
    readonly diagnosis?: CriuDiagnosis,
  ) {
    super(withCriuReason(message, criuReason, diagnosis));
    this.name = 'CheckpointFailedError';
  }
}

/** "message\nCRIU says: <decisive line>\n<remedy>", the text every failed dump or restore shows. */
export function withCriuReason(message: string, criuReason?: string, diagnosis?: CriuDiagnosis): string {
  return [message, criuReason ? `CRIU says: ${criuReason}` : '', diagnosis && diagnosis.code !== 'unknown' ? diagnosis.remedy : ''].filter(Boolean).join('\n');
}
