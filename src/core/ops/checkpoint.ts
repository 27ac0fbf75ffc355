import { criuOptionsRefusal, withCriuOptionsRemedy } from '../criu/engineSupport.js';
import { normalizeCriuOptions, type CriuOptions } from '../criu/options.js';
import { writeCheckpointOptions } from '../criu/optionsFile.js';
import { holdRuncConfForDump, recoverStaleRuncConf } from '../criu/runcConf.js';
import { listCheckpoints } from '../docker/checkpointApi.js';
import { dockerEngine } from '../engines/dockerEngine.js';
import { dockerCheckpointDir, type CheckpointEngine, type EngineCheckpointRequest } from '../engines/engine.js';
import { withContainerLock } from '../guard/containerLock.js';
import { defaultMaxFrozenMs, FrozenLimitError, FrozenWatchdog } from '../guard/frozenWatchdog.js';
import { pruneAfterDump } from '../guard/workPrune.js';
import { SINGLE_PRE_DUMP, type PreDumpRule } from '../engines/preDump.js';
import { readDumpStats, runcEngine } from '../engines/runcEngine.js';
import type { DockerHost } from '../host/dockerHost.js';
import { assertValidName } from '../names.js';
import type { CapabilityReport } from '../probe/capabilities.js';
import { newRecordId, outcomeOf, type CheckpointRecord, type EngineId } from '../records.js';
import { assertRestorable } from '../restore/assess.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { memoryInUse, resolveContainer } from './resolve.js';
import { dockerCheckpointRoomRefusal } from './diskRoom.js';
import { giveBackIfRunning, holdRestartPolicy, type RestartPolicy } from './restartPolicy.js';
import { sizeOnDisk } from './sizes.js';

export interface CheckpointOptions {
  name: string;
  leaveRunning: boolean;
  /** true: one pre-dump round before the final dump; a rule: rounds until it says stop. */
  preDump?: boolean | PreDumpRule;
  onPreDumpRound?: EngineCheckpointRequest['onPreDumpRound'];
  onFinalDump?: () => void;
  finishWith?: EngineCheckpointRequest['finishWith'];
  /** 'auto' picks the fastest engine the host supports. */
  engine?: EngineId | 'auto';
  /** CRIU options for the dump (runc engine only); recorded with the checkpoint for its restore. */
  criu?: CriuOptions;
  signal?: AbortSignal;
  tags?: CheckpointRecord['tags'];
  onPhase?: (phase: string) => void;
  /** Longest the container may stay frozen by one dump; default the host's, else defaultMaxFrozenMs(memory in use). */
  maxFrozenMs?: number;
}

export class UnavailableError extends Error {
  constructor(
    message: string,
    /** An engine that would do what was refused (the UI offers it). */
    readonly offerEngine?: EngineId,
  ) {
    super(message);
    this.name = 'UnavailableError';
  }
}

const ENGINES: Record<EngineId, CheckpointEngine> = { docker: dockerEngine, runc: runcEngine };

/** Chooses the engine: the one asked for if the host supports it, else runc before docker. */
export function chooseEngine(report: CapabilityReport, wanted: EngineId | 'auto' = 'auto'): EngineId {
  if (wanted !== 'auto') {
    const f = report.engines[wanted];
    if (!f.ok) throw new UnavailableError(`The ${wanted} engine is unavailable on this host: ${f.reason ?? 'unknown reason'}`);
    return wanted;
  }
  if (report.engines.runc.ok) return 'runc';
  if (report.engines.docker.ok) return 'docker';
  throw new UnavailableError(`No checkpoint engine works on this host: ${report.engines.docker.reason ?? ''}`);
}

/**
 * Checkpoints a running container and records the run. Everything that can be refused
 * (bad name, missing or stopped container, name taken, engine or pre-dump unavailable) is
 * refused before anything is frozen.
 */
export function checkpointContainer(host: DockerHost, ref: string, opts: CheckpointOptions, store?: ResultsStore): Promise<CheckpointRecord> {
  // One operation per container at a time, across windows and the CLI (guard/containerLock.ts).
  return withContainerLock(host, ref, 'checkpoint', () => checkpointUnlocked(host, ref, opts, store), opts.signal ? { signal: opts.signal } : {});
}

async function checkpointUnlocked(host: DockerHost, ref: string, opts: CheckpointOptions, store?: ResultsStore): Promise<CheckpointRecord> {
  assertValidName('checkpoint', opts.name);
  opts.onPhase?.('Checking the container');
  const c = await resolveContainer(host, ref);
  if (!c.running) throw new UnavailableError(`Container ${c.name} is ${c.state}: only a running container can be checkpointed.`);
  const report = await host.capabilities();
  const preDump = opts.preDump === true ? SINGLE_PRE_DUMP : opts.preDump || undefined;
  if (preDump && !report.preDump.ok) throw new UnavailableError(`Pre-dump is unavailable on host ${host.name}: ${report.preDump.reason ?? ''}`);
  if (preDump && opts.engine === 'docker') throw new UnavailableError("Pre-dump needs the runc engine: Docker's checkpoint API has no pre-dump.");
  const engineId = preDump ? 'runc' : chooseEngine(report, opts.engine);
  const criu = normalizeCriuOptions(opts.criu);
  const refusal = criuOptionsRefusal(engineId, criu, report);
  if (refusal) throw new UnavailableError(refusal, report.engines.runc.ok ? 'runc' : undefined);
  const existing = await listCheckpoints(host.docker.getContainer(c.id));
  if (existing.includes(opts.name)) throw new UnavailableError(`Container ${c.name} already has a checkpoint named ${opts.name}.`);
  // Never stop what cannot come back (Docker 28+): refused here, before the freeze, with the reason.
  if (!opts.leaveRunning) await assertRestorable(host, c.inspect, `Checkpoint (stop) of ${c.name}`);

  // A runc.conf left changed by a crashed Cryo would add options to this dump: put it back first.
  const [memoryBytes] = await Promise.all([memoryInUse(host, c.id, c.inspect.State.Pid), recoverStaleRuncConf(host)]);
  const ctx = await host.engineContext();
  const noRoom = !opts.leaveRunning && engineId === 'docker' ? await dockerCheckpointRoomRefusal(host, ctx.dockerRootDir, c.name, memoryBytes) : undefined;
  if (noRoom) throw new UnavailableError(noRoom, report.engines.runc.ok ? 'runc' : undefined);
  const watchdog = new FrozenWatchdog({
    runner: host.runner,
    docker: host.docker,
    containerId: c.id,
    containerName: c.name,
    checkpointName: opts.name,
    pid: c.inspect.State.Pid,
    wasPaused: c.inspect.State.Paused,
    dir: dockerCheckpointDir(ctx, c.id, opts.name),
    limitMs: opts.maxFrozenMs ?? host.maxFrozenMs ?? defaultMaxFrozenMs(memoryBytes),
  });
  await host.history.seed(store);
  const requested = performance.now();
  const started = new Date();
  let t0 = requested;
  const base = {
    kind: 'checkpoint' as const,
    id: newRecordId(started),
    host: host.name,
    container: c.name,
    containerId: c.id,
    image: c.image,
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    engine: engineId,
    options: { leaveRunning: opts.leaveRunning, preDump: preDump !== undefined, ...(criu ? { criu } : {}) },
    checkpointName: opts.name,
    startedAt: started.toISOString(),
    ...(opts.tags ? { tags: opts.tags } : {}),
  };
  let record: CheckpointRecord;
  let held: RestartPolicy | undefined;
  try {
    // A freeze that ends the process must not let dockerd start it again from scratch.
    if (!opts.leaveRunning) held = await holdRestartPolicy(host, c.id, c.inspect);
    opts.onPhase?.('Waiting for other checkpoints on this host');
    const cost = host.history.expectedMs(engineId, memoryBytes);
    const result = await host.scheduler.run(
      cost,
      async () => {
        const conf = await holdRuncConfForDump(host, c.inspect, opts.signal);
        // Before the dump (optionsFile.ts says why); a failed dump takes the folder away with it.
        const ownsDir = await writeCheckpointOptions(host.runner, dockerCheckpointDir(ctx, c.id, opts.name), criu, engineId).catch(async (e: unknown) => {
          await conf?.release();
          throw e;
        });
        t0 = performance.now();
        opts.onPhase?.(`Checkpointing with the ${engineId} engine`);
        try {
          return await ENGINES[engineId].checkpoint(ctx, {
            containerId: c.id,
            name: opts.name,
            leaveRunning: opts.leaveRunning,
            watchdog,
            ...(criu ? { criu } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(preDump ? { preDump } : {}),
            ...(opts.onPreDumpRound ? { onPreDumpRound: opts.onPreDumpRound } : {}),
            ...(opts.onFinalDump ? { onFinalDump: opts.onFinalDump } : {}),
            ...(opts.finishWith ? { finishWith: opts.finishWith } : {}),
          });
        } catch (e) {
          if (ownsDir) await host.runner.run(['rm', '-rf', '--', dockerCheckpointDir(ctx, c.id, opts.name)], { privileged: true, timeoutMs: 60_000 }).catch(() => undefined);
          throw e;
        } finally {
          await conf?.release();
        }
      },
      opts.signal,
    );
    const wallMs = performance.now() - t0;
    // Outside the timed part: reading back what the dump left costs the user nothing.
    const [imageBytes, stats] = await Promise.all([sizeOnDisk(host, result.dir), result.statsPath ? readDumpStats(host.runner, result.statsPath) : undefined]);
    record = { ...base, wallMs, queuedMs: t0 - requested, outcome: 'ok', ...(stats ? { criu: stats } : {}), ...(imageBytes !== undefined ? { imageBytes } : {}), ...(held ? { restartPolicyHeld: held.Name } : {}) };
    if (result.preDumpRounds) record.preDumpRounds = result.preDumpRounds.map((r) => ({ wallMs: r.wallMs, ...(r.criu ? { criu: r.criu } : {}) }));
    if (result.preDumpStop) record.preDumpStop = result.preDumpStop;
    if (result.preDumpDropped) record.preDumpDropped = true;
  } catch (e) {
    withCriuOptionsRemedy(e, criu);
    const rescued = e instanceof FrozenLimitError ? e.report : watchdog.recovery;
    if (watchdog.recovery && e instanceof Error) e.message += `\n${watchdog.recovery.thawed || watchdog.recovery.unpaused ? `CRIU left the container frozen${watchdog.recovery.unpaused ? ' (and paused in Docker\'s eyes)' : ''}; Cryo thawed it` : `Cryo ended the dump left behind (${watchdog.recovery.killed} processes)`}${watchdog.recovery.running ? ' and it runs again' : ', but the container is not running'}.`;
    record = { ...base, wallMs: performance.now() - t0, queuedMs: t0 - requested, ...outcomeOf(e), ...(rescued ? { watchdog: rescued } : {}) };
    if (held && !(await giveBackIfRunning(host, c.id, held).catch(() => false))) record.restartPolicyHeld = held.Name;
    await store?.append(record);
    await pruneAfterDump(host.runner, ctx.cryoStateDir, engineId);
    throw e;
  }
  host.history.add(record);
  await store?.append(record);
  await pruneAfterDump(host.runner, ctx.cryoStateDir, engineId);
  return record;
}
