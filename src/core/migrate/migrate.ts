import type { CriuOptions } from '../criu/options.js';
import { DEFAULT_PRE_DUMP_RULE, type PreDumpRule } from '../engines/preDump.js';
import { abortError } from '../exec/localRunner.js';
import { withContainerLock } from '../guard/containerLock.js';
import type { DockerHost } from '../host/dockerHost.js';
import { assertContainerId, assertValidName } from '../names.js';
import { checkpointContainer } from '../ops/checkpoint.js';
import { resolveContainer, type ResolvedContainer } from '../ops/resolve.js';
import { restoreContainer } from '../ops/restore.js';
import { removeWithHolder } from '../restore/holder.js';
import { forgetHeldRestartPolicy } from '../ops/restartPolicy.js';
import { newRecordId, outcomeOf, type EngineId } from '../records.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { planTargetContainer } from './containerSpec.js';
import { containerChanges, copyFsChanges, planFsCopy } from './fsDiff.js';
import { createHeldTarget, planHeldTarget, prepareHeldRestore, type HeldTarget } from './heldTarget.js';
import { ensureImage } from './image.js';
import { preflight, PreflightError } from './preflight.js';
import { decideFinish } from './precopyFinish.js';
import { CodecUnavailableError, removeShippedRounds, resolveCodec, transferCheckpoint, type CodecChoice, type TransferCodec } from './transfer.js';
import { MigrationFailedError, phaseTitle, rollBack, verifyRunning } from './state.js';
import { neverReachedDaemon } from './targetRemoval.js';
import type { MigrationPhase, MigrationRecord } from './types.js';
import { copyVolumes, describeVolumePlan, dropSnapshots, planVolumes, prepareVolumeCopy, removeCreatedVolumes, targetVolumeProblems, underMount, type VolumeCopy, type VolumeMode } from './volumes.js';

export interface MigrateOptions {
  /** Name on the target; the source's name by default. */
  targetName?: string;
  engine?: EngineId | 'auto';
  /** CRIU options for the dump (runc engine); the target's restore gets them from the shipped folder. */
  criu?: CriuOptions;
  /** Pre-copy (pre-dump rounds shipped while running) when the source can; false: stop-and-copy. */
  precopy?: boolean;
  preDumpRule?: PreDumpRule;
  /**
   * How pre-copy ends. 'auto' (default): with the shipped rounds unless restoring them on the
   * target is expected to cost more than a full dump while frozen (precopyFinish.ts);
   * 'with-rounds' / 'full-dump' force one way.
   */
  precopyFinish?: 'auto' | 'with-rounds' | 'full-dump';
  /** Past runs to learn the target's restore rate from (default: the store this migration is recorded in). */
  history?: Pick<ResultsStore, 'readAll'>;
  /**
   * How the checkpoint is compressed on the wire. 'auto' (default): zstd -1 when both hosts
   * have zstd, else gzip -1. 'zstd' refuses in preflight when a host lacks it; 'gzip' always
   * works and asks the hosts nothing.
   */
  codec?: CodecChoice;
  /**
   * Local volumes: 'copy' (default) copies their content, while the container runs and then
   * the changes while it is frozen; 'skip' leaves them (the target uses the volume of that name
   * on its host). What cannot travel is listed in the warnings either way (planVolumes).
   */
  volumes?: VolumeMode;
  /** Remove the source container after a verified migration (default: keep it stopped). */
  removeSource?: boolean;
  /** Cancelling before the freeze stops cleanly; after it, the source is restored (rollback). */
  signal?: AbortSignal;
  /** Each phase as it starts; `codec` once it is chosen (in preflight), for phaseTitle. */
  onPhase?: (phase: MigrationPhase, codec?: TransferCodec) => void;
  tags?: MigrationRecord['tags'];
}

export { MigrationFailedError, phaseTitle, type SourceAfter, type TargetAfter } from './state.js';

/**
 * Moves a running container to another host: everything that can be prepared is done
 * before the freeze (preflight, image, target container), then checkpoint -> files ->
 * checkpoint images -> restore. A failure after the freeze restores the source from the
 * checkpoint it just made and removes what was put on the target.
 */
export function migrateContainer(source: DockerHost, target: DockerHost, ref: string, opts: MigrateOptions = {}, store?: ResultsStore): Promise<MigrationRecord> {
  // The source is held from preflight to clean-up; its own checkpoint and rollback pass (re-entrant).
  return withContainerLock(source, ref, 'migrate', () => migrateUnlocked(source, target, ref, opts, store), opts.signal ? { signal: opts.signal } : {});
}

async function migrateUnlocked(source: DockerHost, target: DockerHost, ref: string, opts: MigrateOptions, store?: ResultsStore): Promise<MigrationRecord> {
  const started = new Date();
  const t0 = performance.now();
  const rec: MigrationRecord = {
    kind: 'migration', id: newRecordId(started), host: source.name, source: source.name, target: target.name, container: ref,
    startedAt: started.toISOString(), phasesMs: {}, bytes: { image: 0, filesystem: 0, checkpoint: 0 }, totalMs: 0, outcome: 'ok', warnings: [],
    ...(opts.tags ? { tags: opts.tags } : {}),
  };
  let phase: MigrationPhase = 'preflight';
  // When the source stopped running, as far as this process can tell: the final dump's start
  // (pre-copy), else the checkpoint phase's start. Whether it DID stop is asked of the host.
  let frozenAt: number | undefined;
  let freezeTried = false;
  let targetId: string | undefined;
  let sourceId: string | undefined;
  const checkpointName = `cryo-mig-${rec.id.slice(0, 14)}`;
  const step = async <T>(p: MigrationPhase, work: () => Promise<T>, cancellable = true): Promise<T> => {
    if (cancellable && opts.signal?.aborted) throw abortError();
    phase = p;
    opts.onPhase?.(p, rec.codec);
    const s = performance.now();
    try {
      return await work();
    } finally {
      rec.phasesMs[p] = (rec.phasesMs[p] ?? 0) + (performance.now() - s);
    }
  };
  const fail = async (err: unknown, rolled: { source: MigrationFailedError['sourceState']; target: MigrationFailedError['targetState']; detail: string; sourceBackAt?: number }): Promise<never> => {
    const outcome = outcomeOf(err);
    rec.outcome = outcome.outcome;
    rec.error = `${phaseTitle(phase, rec.codec)}: ${outcome.error}`;
    rec.failedPhase = phase;
    rec.sourceAfterFailure = rolled.source;
    rec.targetAfterFailure = rolled.target;
    // The source was down from the freeze until it ran again (or until now, if it is still down).
    if (frozenAt !== undefined && rolled.source !== 'untouched' && rolled.source !== 'running') rec.downtimeMs = (rolled.sourceBackAt ?? performance.now()) - frozenAt;
    rec.totalMs = performance.now() - t0;
    await store?.append(rec);
    throw new MigrationFailedError(phase, err, rolled.source, rolled.detail, rec.codec, rolled.target);
  };

  const volumeMode: VolumeMode = opts.volumes ?? 'copy';
  // The target's partial container, then the volumes this migration created there, then the source.
  const rollBackAll = async (err?: unknown) => {
    const rolled = await rollBack({ source, target, ...(sourceId ? { sourceId } : {}), ...(targetId ? { targetId } : {}), ...(createLost && !targetId ? { createLost } : {}), targetMayRun: (phase === 'restore' && !neverReachedDaemon(err)) || phase === 'verify', freezeTried, checkpoint: checkpointName });
    if (rolled.target === 'removed' && createdVolumes.length) rolled.detail += ` ${(await removeCreatedVolumes(target, createdVolumes)).join(' ')}`;
    if (targetHolderId && rolled.target !== 'left') await target.docker.getContainer(targetHolderId).remove({ force: true }).catch(() => undefined);
    return rolled;
  };
  let volumeCopy: VolumeCopy | undefined;
  let createdVolumes: string[] = [];
  let c: ResolvedContainer & { targetName: string; codec: TransferCodec; travel: VolumeCopy['volumes']; held?: HeldTarget };
  let targetHolderId: string | undefined;
  let createLost: { name: string; image: string } | undefined;
  try {
    c = await step('preflight', async () => {
      const c = await resolveContainer(source, ref);
      const targetName = assertValidName('container', opts.targetName ?? c.name);
      rec.container = c.name;
      const volumePlan = await planVolumes(source, c.inspect);
      const travel = volumeMode === 'copy' ? volumePlan.travel : [];
      const plan = planTargetContainer(c.inspect, c.inspect.Config.Image, targetName, new Set(travel.map((v) => v.name)));
      const [pre, volumesThere, heldPlan] = await Promise.all([preflight(source, target, c, plan, targetName), targetVolumeProblems(target, { travel, stay: [] }), planHeldTarget(source, target, c, targetName)]);
      if (volumesThere.problems.length || heldPlan.problems.length) throw new PreflightError([...volumesThere.problems, ...heldPlan.problems]);
      if (pre.memoryBytes !== undefined) rec.memoryBytes = pre.memoryBytes;
      // Chosen once, before the freeze: the probe (cached per host) stays off the downtime,
      // and pre-copy rounds and the final part go with the same codec.
      const codec = await resolveCodec(source, target, opts.codec ?? 'auto', opts.signal).catch((e: unknown) => {
        throw e instanceof CodecUnavailableError ? new PreflightError([e.message]) : e;
      });
      rec.codec = codec;
      // A source held by a Cryo holder is held on the target too: its holder's network travels, not "container:<id>".
      const warnings = heldPlan.held ? plan.warnings.filter((w) => !w.startsWith('Network mode container:')) : plan.warnings;
      rec.warnings.push(...warnings, ...describeVolumePlan({ travel: [], stay: volumePlan.stay }, volumeMode), ...(heldPlan.held ? [heldPlan.held.description] : []));
      createdVolumes = travel.filter((v) => !volumesThere.existing.includes(v.name)).map((v) => v.name);
      return { ...c, targetName, codec, travel, ...(heldPlan.held ? { held: heldPlan.held } : {}) };
    });
    sourceId = c.id;
    const image = await step('image', () => ensureImage(source, target, c.inspect, opts.signal));
    rec.bytes.image = image.bytes;
    targetId = await step('create', async () => {
      const plan = planTargetContainer(c.inspect, image.ref, c.targetName, new Set(c.travel.map((v) => v.name)));
      // Until the id comes back, the container may exist on the target without our knowing (a cut answer): rollBack looks.
      createLost = { name: c.targetName, image: image.ref };
      if (!c.held) return assertContainerId((await target.docker.createContainer(plan.create)).id);
      const made = await createHeldTarget(target, c.held, plan.create, c.targetName);
      targetHolderId = made.holderId;
      return assertContainerId(made.targetId);
    });
    rec.targetContainer = c.targetName;
    if (c.travel.length) {
      // The bulk of the volumes while the container still runs: only the changes wait for the freeze.
      volumeCopy = await step('volumes', async () => {
        const copy = await prepareVolumeCopy(source, target, c.travel, rec.id);
        const bytes = await copyVolumes(source, target, copy, c.codec, opts.signal);
        rec.volumes = c.travel.map((v) => ({ name: v.name, destination: v.destination, liveBytes: bytes.get(v.name) ?? 0, frozenBytes: 0, frozenMs: 0 }));
        rec.bytes.volumes = sum(bytes);
        return copy;
      });
    }

    const tid = targetId;
    const { codec } = c;
    const precopy = opts.precopy !== false && (await source.capabilities()).preDump.ok;
    const cp = await step('checkpoint', () => {
      freezeTried = true;
      frozenAt = performance.now();
      return checkpointContainer(
        source,
        c.id,
        {
          name: checkpointName,
          leaveRunning: false,
          engine: precopy ? 'runc' : (opts.engine ?? 'auto'),
          ...(opts.criu ? { criu: opts.criu } : {}),
          tags: { migration: rec.id },
          ...(precopy
            ? {
                preDump: opts.preDumpRule ?? DEFAULT_PRE_DUMP_RULE,
                // Pre-copy: each round is shipped while the container keeps running.
                onPreDumpRound: async (round) => {
                  const t0 = performance.now();
                  const { bytes } = await transferCheckpoint(source, c.id, target, tid, checkpointName, opts.signal, { subdir: round.subdir }, codec);
                  rec.bytes.checkpoint += bytes;
                  (rec.precopyRounds ??= []).push({ wallMs: round.wallMs, bytes, pagesWritten: round.criu?.pagesWritten ?? 0, shipMs: performance.now() - t0 });
                },
                finishWith: async (rounds) => {
                  rec.precopyFinish = await decideFinish(rounds, rec, target.name, opts.precopyFinish ?? 'auto', opts.history ?? store);
                  return rec.precopyFinish.finish === 'full-dump' ? 'full' : 'parent';
                },
              }
            : {}),
          onFinalDump: () => (frozenAt = performance.now()),
        },
        store,
      );
    });
    rec.engine = cp.engine;
    if (cp.restartPolicyHeld) rec.restartPolicyHeld = cp.restartPolicyHeld;
    if (cp.criu) rec.criu = cp.criu;
    if (cp.preDumpStop) rec.precopyStop = cp.preDumpStop;
    if (volumeCopy) {
      const copy = volumeCopy;
      const s = performance.now();
      const bytes = await step('volume-changes', () => copyVolumes(source, target, copy, codec, opts.signal));
      rec.bytes.volumes = (rec.bytes.volumes ?? 0) + sum(bytes);
      for (const v of rec.volumes ?? []) Object.assign(v, { frozenBytes: bytes.get(v.name) ?? 0, frozenMs: performance.now() - s });
    }
    // What lies under a mount is not the container's own layer: volumes travel above (or are
    // skipped by choice), and a bind mount's host folder must never be written on the target.
    const mounts = c.inspect.Mounts.map((m) => m.Destination);
    rec.bytes.filesystem = await step('filesystem', async () => {
      const plan = planFsCopy((await containerChanges(source, c.id)).filter((ch) => !underMount(ch.Path, mounts)));
      if (plan.deleted.length) rec.warnings.push(`Deleted paths are not replayed on the target: ${plan.deleted.slice(0, 5).join(', ')}${plan.deleted.length > 5 ? '…' : ''}`);
      return copyFsChanges(source, c.id, target, tid, plan, opts.signal);
    });
    if (cp.imageBytes !== undefined) rec.folderBytes = cp.imageBytes;
    rec.bytes.checkpoint += (await step('transfer', async () => {
      // The rounds already on the target are of no use after a full dump, and would be restored (copied) for nothing.
      if (cp.preDumpDropped) await removeShippedRounds(target, tid, checkpointName);
      return transferCheckpoint(source, c.id, target, tid, checkpointName, opts.signal, { finalOnly: precopy }, codec);
    })).bytes;
    await step('restore', async () => {
      if (c.held) await prepareHeldRestore(target, tid, checkpointName);
      return restoreContainer(target, tid, checkpointName, { tags: { migration: rec.id } });
    });
    rec.downtimeMs = performance.now() - (frozenAt ?? performance.now());
    // Past the start of the restore a cancel is not acted on (undoing a restored target costs more downtime): say so.
    if (opts.signal?.aborted) rec.warnings.push(`Cancel came during the restore on ${target.name}: too late to stop it; the migration completed.`);
  } catch (err) {
    // `return await`: a bare `return fail(…)` leaves its rejected promise unhandled while the
    // finally below awaits (seen as an unhandledRejection when a volume copy failed; fatal in a CLI).
    return await fail(err, await rollBackAll(err));
  } finally {
    if (volumeCopy) await dropSnapshots(source, rec.id).catch(() => undefined);
  }

  // The target runs from the checkpoint. From here on nothing may remove it: only a definite
  // "it is not running" from its host leads to a rollback; cancelling no longer applies.
  const tid = targetId;
  const verdict = await step('verify', () => verifyRunning(target, tid), false);
  if (!verdict.ok && verdict.definite) {
    return fail(new Error(verdict.why), await rollBackAll());
  }
  if (!verdict.ok) {
    return fail(new Error(verdict.why), {
      source: 'stopped',
      target: 'unknown',
      detail: `The target container on ${target.name} was restored and may be running: it was left alone. The source is kept stopped on ${source.name} with its checkpoint ${checkpointName}: if the target is not running, restore the source with Cryo: Restore….`,
    });
  }
  // Exactly once: the stopped source keeps the policy 'no' (the target has the real one), so
  // neither dockerd nor a later restore of the source starts a second copy on its own.
  await forgetHeldRestartPolicy(source, c.id).catch((e: Error) => rec.warnings.push(`The source's held restart policy note could not be removed (${e.message}); a restore of the source would give it back.`));
  if (opts.removeSource) {
    await step('cleanup', () => removeWithHolder(source, c.inspect), false).catch((e: Error) =>
      rec.warnings.push(`The migration succeeded, but the stopped source container could not be removed from ${source.name} (${e.message}); it is kept with restart policy 'no': remove it by hand.`),
    );
  }
  rec.totalMs = performance.now() - t0;
  await store?.append(rec);
  return rec;
}

function sum(m: ReadonlyMap<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}
