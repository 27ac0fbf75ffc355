import { deleteCheckpoint } from '../../docker/checkpointApi.js';
import { abortError } from '../../exec/localRunner.js';
import type { DockerHost } from '../../host/dockerHost.js';
import { checkpointContainer, UnavailableError } from '../../ops/checkpoint.js';
import { restoreContainer } from '../../ops/restore.js';
import { newRecordId, outcomeOf, type CheckpointRecord, type RestoreRecord, type RunRecord } from '../../records.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { ResultsStore } from '../../store/resultsStore.js';
import { newBenchRunId } from '../engines.js';
import { hostFactTags, type HostFactTags } from '../hostFacts.js';
import { BENCH_PREFIX, MEMHOG_IMAGE, removeContainer, startMemhog, waitResident } from '../memhog.js';
import type { CriuOptions } from '../../criu/options.js';
import { APPS_IMAGE, waitAppReady, type AppSpec } from '../apps.js';
import type { CommonParams, ScenarioRunOptions } from './types.js';
import { sleep } from '../../time.js';
export { sleep };

export const FORKER_IMAGE = 'cryo-forker:latest';

type Tags = Record<string, string | number | boolean>;

/**
 * Passes every record to the session and on to the caller's store (whose listeners, e.g. an
 * open charts panel, see it at once). Without a caller's store nothing is written to disk.
 */
class TeeStore extends ResultsStore {
  constructor(
    private readonly inner: ResultsStore | undefined,
    private readonly sink: (r: RunRecord) => void,
  ) {
    super(inner?.path ?? '');
  }

  override async append(record: RunRecord): Promise<void> {
    this.sink(record);
    await this.inner?.append(record);
  }

  override readAll(): Promise<RunRecord[]> {
    return this.inner?.readAll() ?? Promise.resolve([]);
  }
}

/**
 * One scenario run on one host: its containers (named cryo-bench-<scenario>-<runId>-<label>,
 * all removed by close()), its records (tagged with the scenario, the run id, the engine and
 * the host facts), progress and cancellation. Scenarios only say what to measure.
 */
export class BenchSession {
  readonly records: RunRecord[] = [];
  private readonly containers = new Set<string>();
  private readonly store: TeeStore;
  private done = 0;
  private load1: number | undefined;

  private constructor(
    readonly host: DockerHost,
    readonly scenario: string,
    readonly common: CommonParams,
    readonly runId: string,
    readonly facts: HostFactTags,
    private readonly total: number,
    private readonly opts: ScenarioRunOptions,
  ) {
    this.store = new TeeStore(opts.store, (r) => this.records.push(r));
  }

  /** Probes the host and refuses early (nothing started) when the engine cannot work there. */
  static async open(host: DockerHost, scenario: string, common: CommonParams, total: number, opts: ScenarioRunOptions): Promise<BenchSession> {
    if (opts.signal?.aborted) throw abortError();
    const report = await host.capabilities(opts.signal);
    const e = report.engines[common.engine];
    if (!e.ok) throw new UnavailableError(`Cannot run the ${scenario} benchmark with the ${common.engine} engine on ${host.name}: ${e.reason ?? 'unavailable'}`);
    return new BenchSession(host, scenario, common, opts.runId ?? newBenchRunId(), hostFactTags(report), total, opts);
  }

  /** Where a scenario that measures outside checkpointContainer() appends its records. */
  get recordStore(): ResultsStore {
    return this.store;
  }

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** The scenario, run, engine and host facts, the last load average, then the step's own tags. */
  tags(extra: Tags): Tags {
    return { scenario: this.scenario, benchRun: this.runId, engine: this.common.engine, ...this.facts, ...(this.load1 !== undefined ? { load1: this.load1 } : {}), ...extra };
  }

  /** Every container of this run starts with this; what a forced cleanup matches on. */
  get namePrefix(): string {
    return benchNamePrefix(this.scenario, this.runId);
  }

  /** A memhog dirtying dirty %/s, or with 'untouched' one that maps sizeMb and never writes it. */
  async startMemhog(label: string, sizeMb: number, dirty: number | 'untouched' = 0): Promise<string> {
    this.checkAborted();
    if (dirty === 'untouched') return this.startCounting(label, MEMHOG_IMAGE, ['/memhog', String(sizeMb), 'untouched']);
    const id = await startMemhog(this.host, `${this.namePrefix}${label}`, sizeMb, dirty, this.signal);
    this.containers.add(id);
    return id;
  }

  /** cryo-forker with n children, once its first counter line says every child was forked. */
  async startForker(label: string, n: number): Promise<string> {
    this.checkAborted();
    return this.startCounting(label, FORKER_IMAGE, ['/forker', String(n)]);
  }

  /** An application of cryo-apps (no network but its loopback), returned once it serves. */
  async startApp(label: string, app: AppSpec, image = APPS_IMAGE): Promise<string> {
    this.checkAborted();
    const c = await this.host.docker.createContainer({ Image: image, name: `${this.namePrefix}${label}`, Cmd: app.cmd, HostConfig: { NetworkMode: 'none' } });
    this.containers.add(c.id);
    await c.start();
    await waitAppReady(this.host, c.id, app, this.signal);
    return c.id;
  }

  /** A test image's counter (no network), returned once it prints its first line. */
  private async startCounting(label: string, image: string, cmd: string[]): Promise<string> {
    const c = await this.host.docker.createContainer({ Image: image, name: `${this.namePrefix}${label}`, Cmd: cmd, HostConfig: { NetworkMode: 'none' } });
    this.containers.add(c.id);
    await c.start();
    await waitResident(this.host, c.id, this.signal);
    return c.id;
  }

  /**
   * One checkpoint through the core (so through host.scheduler), recorded unless it is a
   * warm-up. A failure is returned as its record, not thrown: a benchmark reports failures
   * next to the figures. Cancellation is thrown.
   */
  async checkpoint(id: string, name: string, tags: Tags, opts: { leaveRunning?: boolean; warmup?: boolean; criu?: CriuOptions } = {}): Promise<CheckpointRecord> {
    const leaveRunning = opts.leaveRunning ?? true;
    const allTags = this.tags(opts.warmup ? { ...tags, warmup: true } : tags);
    const t0 = performance.now();
    try {
      return await checkpointContainer(this.host, id, { name, leaveRunning, engine: this.common.engine, tags: allTags, ...(opts.criu ? { criu: opts.criu } : {}), ...(this.signal ? { signal: this.signal } : {}) }, opts.warmup ? undefined : this.store);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') throw e;
      const recorded = this.records.find((r): r is CheckpointRecord => r.kind === 'checkpoint' && r.containerId === id && r.checkpointName === name);
      if (recorded) return recorded;
      // Refused before the core recorded anything (or a warm-up): a record of the same shape.
      return {
        kind: 'checkpoint',
        id: newRecordId(),
        host: this.host.name,
        container: id.slice(0, 12),
        containerId: id,
        image: '',
        engine: this.common.engine,
        options: { leaveRunning, preDump: false },
        checkpointName: name,
        startedAt: new Date().toISOString(),
        wallMs: performance.now() - t0,
        tags: allTags,
        ...outcomeOf(e),
      };
    }
  }

  /** Restores a stopped container through the core; the record carries the engine as a tag (restores have none of their own). */
  async restore(id: string, name: string, tags: Tags, opts: { warmup?: boolean } = {}): Promise<RestoreRecord> {
    this.checkAborted();
    try {
      const allTags = this.tags(opts.warmup ? { ...tags, warmup: true } : tags);
      const rs = await restoreContainer(this.host, id, name, { ...(this.signal ? { signal: this.signal } : {}), tags: allTags }, opts.warmup ? undefined : this.store);
      // Docker 28+ restores by recreating the container: the run's clean-up follows the new one.
      this.followRestored(id, rs.containerId);
      return rs;
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') throw e;
      const recorded = this.records.find((r): r is RestoreRecord => r.kind === 'restore' && r.containerId === id && r.checkpointName === name);
      if (recorded) return recorded;
      throw e;
    }
  }

  /**
   * A restore that recreated the container (Docker 28+) gave it a new id: the scenario goes on
   * with rs.containerId, and close() removes that one too (the old id stays listed for its
   * CRIU work folders; removing a container that is gone is a no-op).
   */
  private followRestored(oldId: string, newId: string): void {
    if (newId !== oldId && this.containers.has(oldId)) this.containers.add(newId);
  }

  /** Deletes a measured checkpoint, so 1 GB x repetitions never piles up on disk. */
  async discard(id: string, name: string): Promise<void> {
    await deleteCheckpoint(this.host.docker.getContainer(id), name).catch(() => undefined);
    const ctx = await this.host.engineContext();
    // A failed dump can leave a folder the API does not list.
    await this.host.runner.run(['rm', '-rf', '--', `${ctx.dockerRootDir}/containers/${id}/checkpoints/${name}`], { privileged: true, timeoutMs: 60_000 });
  }

  /** `sync`, a pause, and the load average the next step's records carry (tags.load1). */
  async settle(): Promise<void> {
    this.checkAborted();
    await this.host.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 });
    await sleep(this.common.settleMs, this.signal);
    const r = await this.host.runner.run(['cat', '/proc/loadavg'], { timeoutMs: 10_000 });
    const load = Number(r.stdout.split(' ')[0]);
    this.load1 = r.exitCode === 0 && Number.isFinite(load) ? load : undefined;
  }

  /** Says what is happening; `measured` steps count towards the total. */
  progress(message: string, measured = 0): void {
    this.done += measured;
    this.opts.onProgress?.({ message, done: this.done, total: this.total });
  }

  checkAborted(): void {
    if (this.signal?.aborted) throw abortError();
  }

  /** Runs fn with host.scheduler replaced (the interference scenarios need truly simultaneous dumps); always puts the old one back. */
  async withScheduler<T>(scheduler: Scheduler, fn: () => Promise<T>): Promise<T> {
    const before = this.host.scheduler;
    this.host.scheduler = scheduler;
    try {
      return await fn();
    } finally {
      this.host.scheduler = before;
    }
  }

  /** Removes one container of the run now (its CRIU work folders go at close()). */
  async remove(id: string): Promise<void> {
    await removeContainer(this.host, id);
  }

  /** Removes every container of the run and what the runc engine kept for them (logs, stats). */
  async close(): Promise<void> {
    const ctx = await this.host.engineContext().catch(() => undefined);
    for (const id of this.containers) {
      await removeContainer(this.host, id);
      // Checkpoints live in the container's folder (gone with it); CRIU's work folders do not.
      if (ctx) {
        await this.host.runner
          .run(['find', `${ctx.cryoStateDir}/work`, '-mindepth', '1', '-maxdepth', '1', '-name', `${id.slice(0, 12)}-*`, '-exec', 'rm', '-rf', '--', '{}', '+'], { privileged: true, timeoutMs: 60_000 })
          .catch(() => undefined);
      }
    }
    this.containers.clear();
  }
}

export function benchNamePrefix(scenario: string, runId: string): string {
  return `${BENCH_PREFIX}${scenario}-${runId}-`;
}

/**
 * Waits for every promise (nothing may still be dumping when the containers are removed),
 * then throws the first failure, cancellation first.
 */
export async function settledAll<T>(ps: readonly Promise<T>[]): Promise<T[]> {
  const rs = await Promise.allSettled(ps);
  const failed = rs.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  const abort = failed.find((e) => e instanceof Error && e.name === 'AbortError');
  if (abort !== undefined) throw abort;
  if (failed.length) throw failed[0];
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}

