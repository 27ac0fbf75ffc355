import { DEFAULT_PRE_DUMP_RULE, type PreDumpRule } from '../engines/preDump.js';
import { abortError } from '../exec/localRunner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { assertContainerId, assertValidName } from '../names.js';
import { checkpointContainer } from '../ops/checkpoint.js';
import { resolveContainer } from '../ops/resolve.js';
import { restoreContainer } from '../ops/restore.js';
import { verifyRunning } from '../restore/verify.js';
import { newRecordId, outcomeOf, type EngineId } from '../records.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { planTargetContainer } from './containerSpec.js';
import { copyFsChanges, planFsCopy, type Change } from './fsDiff.js';
import { ensureImage } from './image.js';
import { preflight, PreflightError } from './preflight.js';
import { decideFinish } from './precopyFinish.js';
import { CodecUnavailableError, removeShippedRounds, resolveCodec, transferCheckpoint, type CodecChoice, type TransferCodec } from './transfer.js';
import type { MigrationPhase, MigrationRecord } from './types.js';

export interface MigrateOptions {
  /** Name on the target; the source's name by default. */
  targetName?: string;
  engine?: EngineId | 'auto';
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
  /** Remove the source container after a verified migration (default: keep it stopped). */
  removeSource?: boolean;
  /** Cancelling before the freeze stops cleanly; after it, the source is restored (rollback). */
  signal?: AbortSignal;
  /** Each phase as it starts; `codec` once it is chosen (in preflight), for phaseTitle. */
  onPhase?: (phase: MigrationPhase, codec?: TransferCodec) => void;
  tags?: MigrationRecord['tags'];
}

export class MigrationFailedError extends Error {
  constructor(
    readonly phase: MigrationPhase,
    override readonly cause: unknown,
    /** What became of the source: untouched, running again from its checkpoint, or still stopped. */
    readonly sourceState: 'untouched' | 'restored' | 'stopped',
    readonly detail: string,
    /** The transfer's codec, when it was chosen before the failure. */
    readonly codec?: TransferCodec,
  ) {
    super(`${phaseTitle(phase, codec)} failed: ${cause instanceof Error ? cause.message : String(cause)}\n${detail}`);
    this.name = cause instanceof Error && cause.name === 'AbortError' ? 'AbortError' : 'MigrationFailedError';
  }
}

/** The phase as users read it; the transfer names its codec when given ("Checkpoint transfer (zstd)"). */
export function phaseTitle(p: MigrationPhase, codec?: TransferCodec): string {
  if (p === 'transfer' && codec) return `Checkpoint transfer (${codec})`;
  return { preflight: 'Preflight', image: 'Image transfer', create: 'Creating the target container', checkpoint: 'Checkpoint', filesystem: 'File-system copy', transfer: 'Checkpoint transfer', restore: 'Restore on the target', verify: 'Verification', cleanup: 'Clean-up' }[p];
}

/**
 * Moves a running container to another host: everything that can be prepared is done
 * before the freeze (preflight, image, target container), then checkpoint -> files ->
 * checkpoint images -> restore. A failure after the freeze restores the source from the
 * checkpoint it just made and removes what was put on the target.
 */
export async function migrateContainer(source: DockerHost, target: DockerHost, ref: string, opts: MigrateOptions = {}, store?: ResultsStore): Promise<MigrationRecord> {
  const started = new Date();
  const t0 = performance.now();
  const rec: MigrationRecord = {
    kind: 'migration', id: newRecordId(started), host: source.name, source: source.name, target: target.name, container: ref,
    startedAt: started.toISOString(), phasesMs: {}, bytes: { image: 0, filesystem: 0, checkpoint: 0 }, totalMs: 0, outcome: 'ok', warnings: [],
    ...(opts.tags ? { tags: opts.tags } : {}),
  };
  let phase: MigrationPhase = 'preflight';
  let frozenAt: number | undefined;
  let targetId: string | undefined;
  let sourceId: string | undefined;
  const checkpointName = `cryo-mig-${rec.id.slice(0, 14)}`;
  const step = async <T>(p: MigrationPhase, work: () => Promise<T>): Promise<T> => {
    if (opts.signal?.aborted) throw abortError();
    phase = p;
    opts.onPhase?.(p, rec.codec);
    const s = performance.now();
    try {
      return await work();
    } finally {
      rec.phasesMs[p] = (rec.phasesMs[p] ?? 0) + (performance.now() - s);
    }
  };

  try {
    const c = await step('preflight', async () => {
      const c = await resolveContainer(source, ref);
      const targetName = assertValidName('container', opts.targetName ?? c.name);
      rec.container = c.name;
      const plan = planTargetContainer(c.inspect, c.inspect.Config.Image, targetName);
      const pre = await preflight(source, target, c, plan, targetName);
      if (pre.memoryBytes !== undefined) rec.memoryBytes = pre.memoryBytes;
      // Chosen once, before the freeze: the probe (cached per host) stays off the downtime,
      // and pre-copy rounds and the final part go with the same codec.
      const codec = await resolveCodec(source, target, opts.codec ?? 'auto', opts.signal).catch((e: unknown) => {
        throw e instanceof CodecUnavailableError ? new PreflightError([e.message]) : e;
      });
      rec.codec = codec;
      rec.warnings.push(...plan.warnings);
      return { ...c, targetName, codec };
    });
    sourceId = c.id;
    const image = await step('image', () => ensureImage(source, target, c.inspect));
    rec.bytes.image = image.bytes;
    targetId = await step('create', async () => {
      const plan = planTargetContainer(c.inspect, image.ref, c.targetName);
      return assertContainerId((await target.docker.createContainer(plan.create)).id);
    });
    rec.targetContainer = c.targetName;

    const tid = targetId;
    const { codec } = c;
    const precopy = opts.precopy !== false && (await source.capabilities()).preDump.ok;
    const cp = await step('checkpoint', () =>
      checkpointContainer(
        source,
        c.id,
        {
          name: checkpointName,
          leaveRunning: false,
          engine: precopy ? 'runc' : (opts.engine ?? 'auto'),
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
      ),
    );
    rec.engine = cp.engine;
    if (cp.criu) rec.criu = cp.criu;
    if (cp.preDumpStop) rec.precopyStop = cp.preDumpStop;
    rec.bytes.filesystem = await step('filesystem', async () => {
      const changes = ((await source.docker.getContainer(c.id).changes()) ?? []) as Change[];
      const plan = planFsCopy(changes);
      if (plan.deleted.length) rec.warnings.push(`Deleted paths are not replayed on the target: ${plan.deleted.slice(0, 5).join(', ')}${plan.deleted.length > 5 ? '…' : ''}`);
      return copyFsChanges(source, c.id, target, tid, plan, opts.signal);
    });
    if (cp.imageBytes !== undefined) rec.folderBytes = cp.imageBytes;
    rec.bytes.checkpoint += (await step('transfer', async () => {
      // The rounds already on the target are of no use after a full dump, and would be restored (copied) for nothing.
      if (cp.preDumpDropped) await removeShippedRounds(target, tid, checkpointName);
      return transferCheckpoint(source, c.id, target, tid, checkpointName, opts.signal, { finalOnly: precopy }, codec);
    })).bytes;
    await step('restore', () => restoreContainer(target, tid, checkpointName, { tags: { migration: rec.id } }));
    rec.downtimeMs = performance.now() - (frozenAt ?? performance.now());
    await step('verify', () => verifyRunning(target, tid));
    if (opts.removeSource) await step('cleanup', () => source.docker.getContainer(c.id).remove({ force: true }));
  } catch (err) {
    const outcome = outcomeOf(err);
    rec.outcome = outcome.outcome;
    rec.error = `${phaseTitle(phase, rec.codec)}: ${outcome.error}`;
    rec.failedPhase = phase;
    const sourceState = await rollBack(source, target, sourceId, targetId, frozenAt !== undefined, checkpointName);
    rec.sourceAfterFailure = sourceState.state;
    rec.totalMs = performance.now() - t0;
    await store?.append(rec);
    throw new MigrationFailedError(phase, err, sourceState.state, sourceState.detail, rec.codec);
  }
  rec.totalMs = performance.now() - t0;
  await store?.append(rec);
  return rec;
}

/** After a failure: the target's partial container goes, the frozen source comes back. */
async function rollBack(source: DockerHost, target: DockerHost, sourceId: string | undefined, targetId: string | undefined, frozen: boolean, checkpoint: string): Promise<{ state: 'untouched' | 'restored' | 'stopped'; detail: string }> {
  const notes: string[] = [];
  if (targetId) {
    await target.docker.getContainer(targetId).remove({ force: true, v: true }).then(
      () => notes.push(`The partial container on ${target.name} was removed.`),
      (e: Error) => notes.push(`Could not remove the partial container on ${target.name}: ${e.message}`),
    );
  }
  if (!frozen || !sourceId) return { state: 'untouched', detail: ['The source container was not touched.', ...notes].join(' ') };
  const live = await source.docker.getContainer(sourceId).inspect().catch(() => undefined);
  if (live?.State.Running) return { state: 'restored', detail: ['The source container is still running.', ...notes].join(' ') };
  try {
    await restoreContainer(source, sourceId, checkpoint);
    return { state: 'restored', detail: [`The source container was restored on ${source.name} from checkpoint ${checkpoint}; it continues where it was frozen.`, ...notes].join(' ') };
  } catch (e) {
    return { state: 'stopped', detail: [`The source container could NOT be restored (${e instanceof Error ? e.message.split('\n')[0] : String(e)}). Its checkpoint ${checkpoint} is kept: restore it with Cryo: Restore…`, ...notes].join(' ') };
  }
}
