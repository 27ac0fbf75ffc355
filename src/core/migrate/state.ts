import type { DockerHost } from '../host/dockerHost.js';
import { restoreContainer } from '../ops/restore.js';
import { giveBackIfRunning, heldRestartPolicy } from '../ops/restartPolicy.js';
import type { TransferCodec } from './transfer.js';
import { findLostCreate, removalCommand, removePartialTarget } from './targetRemoval.js';
import type { MigrationPhase } from './types.js';

/**
 * What became of each side when a migration stops. Decided by asking the hosts (inspect,
 * checkpoint list), never from which callbacks ran: the docker engine calls none, and a
 * freeze can fail half-way.
 * - untouched: never frozen, running as before;
 * - running: a freeze was attempted but the process kept running (e.g. CRIU failed);
 * - restored: it was stopped by the freeze and runs again from the migration's checkpoint;
 * - stopped: it is stopped (kept with its checkpoint when there is one).
 */
export type SourceAfter = 'untouched' | 'running' | 'restored' | 'stopped';
/** none: nothing was created; removed: the partial container went; left: could not be removed (not running); running: the migrated container runs there; unknown: the host did not answer. */
export type TargetAfter = 'none' | 'removed' | 'left' | 'running' | 'unknown';

export class MigrationFailedError extends Error {
  constructor(
    readonly phase: MigrationPhase,
    override readonly cause: unknown,
    readonly sourceState: SourceAfter,
    /** What became of the source AND the target, in words. */
    readonly detail: string,
    /** The transfer's codec, when it was chosen before the failure. */
    readonly codec?: TransferCodec,
    readonly targetState: TargetAfter = 'none',
  ) {
    const cancelled = cause instanceof Error && cause.name === 'AbortError';
    super(`${phaseTitle(phase, codec)} ${cancelled ? 'cancelled' : `failed: ${cause instanceof Error ? cause.message : String(cause)}`}\n${detail}`);
    // 'AbortError' tells callers "cancelled, nothing was changed": only true before the freeze.
    this.name = cancelled && sourceState === 'untouched' && targetState !== 'running' && targetState !== 'left' ? 'AbortError' : 'MigrationFailedError';
  }
}

/** The phase as users read it; the transfer names its codec when given ("Checkpoint transfer (zstd)"). */
export function phaseTitle(p: MigrationPhase, codec?: TransferCodec): string {
  if (p === 'transfer' && codec) return `Checkpoint transfer (${codec})`;
  return { preflight: 'Preflight', image: 'Image transfer', create: 'Creating the target container', volumes: 'Volume copy (while running)', 'volume-changes': 'Volume changes (frozen)', checkpoint: 'Checkpoint', filesystem: 'File-system copy', transfer: 'Checkpoint transfer', restore: 'Restore on the target', verify: 'Verification', cleanup: 'Clean-up' }[p];
}

/** Inspect, tolerating a transient error (a dropped ssh session, a busy daemon): undefined only when it keeps failing. */
export async function inspectState(host: DockerHost, id: string, tries = 4): Promise<{ running: boolean; status: string; exitCode: number; restarts: number } | 'gone' | undefined> {
  for (let i = 0; i < tries; i++) {
    try {
      const info = await host.docker.getContainer(id).inspect();
      return { running: info.State.Running && !info.State.Restarting, status: info.State.Status, exitCode: info.State.ExitCode, restarts: info.RestartCount };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return 'gone';
      if (i < tries - 1) await new Promise((r) => setTimeout(r, 500 * (i + 1)));
    }
  }
  return undefined;
}

export interface RollBackInput {
  source: DockerHost;
  target: DockerHost;
  sourceId?: string;
  targetId?: string;
  /** The checkpoint phase was entered: the source may have been frozen (the host says whether it stopped). */
  freezeTried: boolean;
  checkpoint: string;
  /** The restore on the target was started: it may run, so it goes before the source runs again. */
  targetMayRun?: boolean;
  /** The create phase was entered but no id came back: the request may have reached the target all the same. */
  createLost?: { name: string; image: string };
}

export interface RollBackResult {
  source: SourceAfter;
  target: TargetAfter;
  detail: string;
  /** When the source ran again (restored), or undefined if it never stopped or is still stopped. */
  sourceBackAt?: number;
}

/**
 * After a failure before the target was verified: its partial container goes, the source runs again.
 * A target that was never started cannot run beside the source, so its removal (which retries,
 * for seconds, when its host does not answer) runs alongside the source's restore instead of
 * keeping the source down (measured: +7.5 s of downtime with the target's daemon dead). One
 * that may hold a restore goes first.
 */
export async function rollBack(i: RollBackInput): Promise<RollBackResult> {
  const targetSide = rollBackTarget(i);
  if (i.targetMayRun) {
    const t = await targetSide;
    if (t.target === 'left' || t.target === 'unknown') {
      const live = i.sourceId ? await inspectState(i.source, i.sourceId) : undefined;
      // Never two copies: a target that may run and cannot be reached keeps the source stopped (as verify does).
      if (i.sourceId && live !== 'gone' && !(live && live.running)) {
        return {
          source: 'stopped',
          target: t.target,
          detail: [
            `The source container is KEPT STOPPED on ${i.source.name} with its checkpoint ${i.checkpoint}: the target on ${i.target.name} may be running (its restore was under way when ${i.target.name} stopped answering), and two copies must never run.`,
            `When ${i.target.name} answers: if the target runs there, the migration went through (remove the source); if not, remove the target and restore the source from ${i.checkpoint} with Cryo: Restore….`,
            ...t.notes,
          ].join(' '),
        };
      }
    }
  }
  const src = await rollBackSource(i);
  const { target, notes } = await targetSide;
  return { source: src.source, target, detail: [src.first, ...notes].join(' '), ...(src.sourceBackAt !== undefined ? { sourceBackAt: src.sourceBackAt } : {}) };
}

async function rollBackTarget(i: RollBackInput): Promise<{ target: TargetAfter; notes: string[] }> {
  const notes: string[] = [];
  let target: TargetAfter = 'none';
  let targetId = i.targetId;
  if (!targetId && i.createLost) {
    const lost = await findLostCreate(i.target, i.createLost.name, i.createLost.image);
    if (lost === 'unknown') {
      target = 'unknown';
      notes.push(`Whether the container ${i.createLost.name} was created on ${i.target.name} is unknown (the host does not answer; the create's answer was lost): if it is there, remove it with: ${removalCommand(i.target, i.createLost.name)}`);
    } else if (lost !== 'none') {
      targetId = lost.id;
      notes.push(`The create's answer was lost, but ${i.target.name} had made the container ${i.createLost.name}.`);
    }
  }
  if (targetId) {
    const r = await removePartialTarget(i.target, targetId);
    const why = i.targetMayRun ? 'the restore into it was under way, so it may be running' : 'it was never started by this migration';
    if (r.removed) notes.push(`The partial container on ${i.target.name} was removed${r.tries > 1 ? ` (on try ${r.tries}, over a new connection)` : ''}.`);
    else notes.push(`Could NOT remove the partial container ${targetId.slice(0, 12)} on ${i.target.name} (${r.tries} tries; last: ${r.error}); ${why}; remove it with: ${removalCommand(i.target, targetId)}`);
    target = r.removed ? 'removed' : 'left';
  } else if (target !== 'unknown') notes.push(`Nothing was created on ${i.target.name}.`);
  return { target, notes };
}

async function rollBackSource(i: RollBackInput): Promise<{ source: SourceAfter; first: string; sourceBackAt?: number }> {
  const done = (source: SourceAfter, first: string, sourceBackAt?: number) => ({ source, first, ...(sourceBackAt !== undefined ? { sourceBackAt } : {}) });
  if (!i.sourceId) return done('untouched', 'The source container was not touched.');

  const live = await inspectState(i.source, i.sourceId);
  if (live === 'gone') return done('stopped', `The source container is GONE from ${i.source.name}.`);
  if (live === undefined) return done('stopped', `The state of the source container on ${i.source.name} is unknown (the host does not answer); if it is stopped, restore it from checkpoint ${i.checkpoint} with Cryo: Restore….`);
  if (live.running) {
    // A freeze that did not stop it (CRIU failed): checkpointContainer gave the policy back then; make sure.
    const held = await heldRestartPolicy(i.source, i.sourceId).catch(() => undefined);
    if (held) await giveBackIfRunning(i.source, i.sourceId, held).catch(() => undefined);
    return done(i.freezeTried ? 'running' : 'untouched', i.freezeTried ? `The source container is still running on ${i.source.name} (the freeze did not stop it).` : 'The source container was not touched.');
  }
  const hasCheckpoint = await i.source.checkpointNames(i.sourceId).then((n) => n.includes(i.checkpoint), () => false);
  if (!hasCheckpoint) return done('stopped', `The source container is stopped on ${i.source.name} (${live.status}) and no checkpoint ${i.checkpoint} exists to bring it back: start it with docker start (its memory state is lost).`);
  try {
    // The restore gives the held restart policy back too.
    await restoreContainer(i.source, i.sourceId, i.checkpoint);
    return done('restored', `The source container was restored on ${i.source.name} from checkpoint ${i.checkpoint}; it continues where it was frozen.`, performance.now());
  } catch (e) {
    return done('stopped', `The source container could NOT be restored (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); it is stopped on ${i.source.name} and its checkpoint ${i.checkpoint} is kept: restore it with Cryo: Restore….`);
  }
}

export type Verdict = { ok: true } | { ok: false; definite: boolean; why: string };

/**
 * Is the restored target running? A restored process that crashes at once shows up within a
 * moment: look twice. Only a definite answer (stopped, restarted from scratch, gone) may lead to a
 * rollback; a host that does not answer is 'not definite' and the target is left alone.
 */
export async function verifyRunning(host: DockerHost, id: string): Promise<Verdict> {
  for (let i = 0; i < 2; i++) {
    const s = await inspectState(host, id);
    if (s === undefined) return { ok: false, definite: false, why: `${host.name} did not answer an inspect of the restored container` };
    if (s === 'gone') return { ok: false, definite: true, why: 'the restored container is gone' };
    if (!s.running) return { ok: false, definite: true, why: `the restored container is ${s.status} (exit code ${s.exitCode})` };
    // A restart policy would start a crashed restore again from scratch: not the same process.
    if (s.restarts > 0) return { ok: false, definite: true, why: `the restored container was restarted ${s.restarts} time(s) by dockerd (it crashed after the restore)` };
    if (i === 0) await new Promise((r) => setTimeout(r, 500));
  }
  return { ok: true };
}
