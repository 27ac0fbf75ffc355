import { deleteCheckpoint } from '../docker/checkpointApi.js';
import type { EngineContext } from '../engines/engine.js';
import type { CommandRunner } from '../exec/runner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { checkpointContainer } from '../ops/checkpoint.js';
import type { ResolvedContainer } from '../ops/resolve.js';
import { sizeOnDisk } from '../ops/sizes.js';
import { newRecordId, outcomeOf, type CheckpointRecord, type EngineId } from '../records.js';
import { parseStatsImage, type CriuDumpStats } from '../stats/criuStats.js';
import type { ResultsStore } from '../store/resultsStore.js';

/** The four ways of taking the same leave-running checkpoint that the engines scenario compares. */
export const METHODS = ['docker-cli', 'cryo-docker', 'cryo-runc', 'raw-runc'] as const;
export type BenchMethod = (typeof METHODS)[number];

export const METHOD_ENGINE: Record<BenchMethod, EngineId> = { 'docker-cli': 'docker', 'cryo-docker': 'docker', 'cryo-runc': 'runc', 'raw-runc': 'runc' };

export interface MethodContext {
  host: DockerHost;
  engine: EngineContext;
  /** Runs the Docker CLI: on this machine, aimed at the host's endpoint. */
  local: CommandRunner;
  dockerCli: string;
  /** runc's state root for Docker's containers, as a person would type it. */
  runcRoot: string;
  /** Folder on the host for raw runc's images and work path (removed after each run). */
  scratchDir: string;
}

export interface Measurement {
  method: BenchMethod;
  record: CheckpointRecord;
  /**
   * Cryo methods only: the whole checkpointContainer() call as a caller waits for it
   * (container lookup, probe, name check, memory stats, engine, du). record.wallMs is the
   * engine's part alone, comparable with the wall time of the docker and runc commands.
   */
  callMs?: number;
}

/**
 * Takes one leave-running checkpoint named `name` of `target` with `method` and records
 * it: Cryo's methods through the core (which appends to the store), the docker CLI and
 * raw runc as records of the same shape. Failures are recorded and returned, not thrown.
 */
export async function measure(
  method: BenchMethod,
  ctx: MethodContext,
  target: ResolvedContainer,
  name: string,
  tags: NonNullable<CheckpointRecord['tags']>,
  store?: ResultsStore,
  /** For the docker-cli and raw-runc records: the core measures its own. */
  memoryBytes?: number,
): Promise<Measurement> {
  const allTags = { ...tags, method };
  if (method === 'cryo-docker' || method === 'cryo-runc') {
    const t0 = performance.now();
    try {
      const record = await checkpointContainer(ctx.host, target.id, { name, leaveRunning: true, engine: METHOD_ENGINE[method], tags: allTags }, store);
      return { method, record, callMs: performance.now() - t0 };
    } catch (e) {
      // The core has recorded the failure; rebuild it for the caller.
      return { method, record: failedRecord(ctx, target, method, name, allTags, performance.now() - t0, e) };
    }
  }
  const b = base(ctx, target, method, name, allTags, memoryBytes);
  const record = method === 'docker-cli' ? await dockerCli(ctx, target, b) : await rawRunc(ctx, target, b);
  await store?.append(record);
  return { method, record };
}

/** Deletes what a measurement left on disk, so 1 GB x repetitions never piles up. */
export async function discard(ctx: MethodContext, target: ResolvedContainer, m: Measurement): Promise<void> {
  if (m.method === 'raw-runc') return; // rawRunc removes its scratch folder itself
  await deleteCheckpoint(ctx.host.docker.getContainer(target.id), m.record.checkpointName).catch(() => undefined);
  // A failed dump can leave a folder the API does not list.
  await ctx.host.runner.run(['rm', '-rf', '--', `${ctx.engine.dockerRootDir}/containers/${target.id}/checkpoints/${m.record.checkpointName}`], { privileged: true, timeoutMs: 60_000 });
}

type Base = Omit<CheckpointRecord, 'wallMs' | 'outcome'>;

function base(ctx: MethodContext, target: ResolvedContainer, method: BenchMethod, name: string, tags: NonNullable<CheckpointRecord['tags']>, memoryBytes?: number): Base {
  const started = new Date();
  return {
    kind: 'checkpoint',
    id: newRecordId(started),
    host: ctx.host.name,
    container: target.name,
    containerId: target.id,
    image: target.image,
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
    engine: METHOD_ENGINE[method],
    options: { leaveRunning: true, preDump: false },
    checkpointName: name,
    startedAt: started.toISOString(),
    tags,
  };
}

function failedRecord(ctx: MethodContext, target: ResolvedContainer, method: BenchMethod, name: string, tags: NonNullable<CheckpointRecord['tags']>, wallMs: number, e: unknown): CheckpointRecord {
  return {
    kind: 'checkpoint',
    id: newRecordId(),
    host: ctx.host.name,
    container: target.name,
    containerId: target.id,
    image: target.image,
    engine: METHOD_ENGINE[method],
    options: { leaveRunning: true, preDump: false },
    checkpointName: name,
    startedAt: new Date().toISOString(),
    wallMs,
    tags,
    ...outcomeOf(e),
  };
}

/** `docker checkpoint create --leave-running`: wall time of the whole command. */
async function dockerCli(ctx: MethodContext, target: ResolvedContainer, b: Base): Promise<CheckpointRecord> {
  const name = b.checkpointName;
  const t0 = performance.now();
  const r = await ctx.local.run([ctx.dockerCli, '-H', ctx.host.endpoint, 'checkpoint', 'create', '--leave-running', target.id, name]);
  const wallMs = performance.now() - t0;
  if (r.exitCode !== 0) return { ...b, wallMs, outcome: 'failed', error: lastLine(r.stderr || r.stdout) };
  const imageBytes = await sizeOnDisk(ctx.host, `${ctx.engine.dockerRootDir}/containers/${target.id}/checkpoints/${name}`);
  return { ...b, wallMs, outcome: 'ok', ...(imageBytes !== undefined ? { imageBytes } : {}) };
}

/** `runc checkpoint --leave-running` into a scratch folder: the floor Cryo's runc engine is held to. */
async function rawRunc(ctx: MethodContext, target: ResolvedContainer, b: Base): Promise<CheckpointRecord> {
  const run = ctx.host.runner;
  const mk = await run.run(['mktemp', '-d', '-p', ctx.scratchDir, `raw-${target.id.slice(0, 12)}-XXXXXX`], { privileged: true, timeoutMs: 10_000 });
  const tmp = mk.stdout.trim();
  if (mk.exitCode !== 0 || !tmp) return { ...b, wallMs: 0, outcome: 'failed', error: `mktemp in ${ctx.scratchDir}: ${lastLine(mk.stderr)}` };
  try {
    const images = `${tmp}/images`;
    const work = `${tmp}/work`;
    await run.run(['mkdir', '--', images, work], { privileged: true, timeoutMs: 10_000 });
    const t0 = performance.now();
    const r = await run.run(['runc', '--root', ctx.runcRoot, 'checkpoint', '--leave-running', '--image-path', images, '--work-path', work, target.id], { privileged: true });
    const wallMs = performance.now() - t0;
    if (r.exitCode !== 0) return { ...b, wallMs, outcome: 'failed', error: lastLine(r.stderr || r.stdout) };
    const imageBytes = await sizeOnDisk(ctx.host, images);
    const criu = await readStats(run, `${work}/stats-dump`);
    return { ...b, wallMs, outcome: 'ok', ...(criu ? { criu } : {}), ...(imageBytes !== undefined ? { imageBytes } : {}) };
  } finally {
    await run.run(['rm', '-rf', '--', tmp], { privileged: true, timeoutMs: 60_000 });
  }
}

async function readStats(runner: CommandRunner, path: string): Promise<CriuDumpStats | undefined> {
  const r = await runner.runBinary(['cat', '--', path], { privileged: true, timeoutMs: 10_000 });
  if (r.exitCode !== 0) return undefined;
  try {
    return parseStatsImage(r.stdout).dump;
  } catch {
    return undefined;
  }
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}
