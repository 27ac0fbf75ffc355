import { runChecked } from '../exec/runner.js';
import { abortError, LocalRunner } from '../exec/localRunner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { UnavailableError } from '../ops/checkpoint.js';
import { memoryInUse, resolveContainer, type ResolvedContainer } from '../ops/resolve.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { hostFactTags, type HostFactTags } from './hostFacts.js';
import { BENCH_PREFIX, removeContainer, startMemhog } from './memhog.js';
import { balancedOrder } from './order.js';
import { discard, measure, METHOD_ENGINE, METHODS, type BenchMethod, type Measurement, type MethodContext } from './methods.js';
import { sleep } from '../time.js';

/**
 * The engine comparison: the same leave-running checkpoint of a memhog container taken
 * four ways, side by side — `docker checkpoint create` (Docker CLI), Cryo's docker engine,
 * Cryo's runc engine, and `runc checkpoint` typed by hand (raw runc).
 *
 * One container per size, all methods on it in turn, in a Williams order (order.ts): each
 * repetition starts with a different method and, over 4 repetitions, every method follows
 * every other once, so neither a slot nor a heavy neighbour always favours the same one.
 * Every checkpoint is deleted right after it is measured. Records carry the tags
 * {scenario:'engines', benchRun, sizeMb, rep, method, dirtyPct, load1} plus the host facts
 * (see hostFacts.ts); load1 is the host's 1-minute load average just before the run, to
 * tell a noisy run from a slow method. Warm-up runs are not recorded.
 */
export interface EnginesBenchOptions {
  sizesMb?: readonly number[];
  reps?: number;
  /** Unrecorded runs of every method per size before the measured ones. */
  warmup?: number;
  dirtyPct?: number;
  methods?: readonly BenchMethod[];
  store?: ResultsStore;
  /**
   * Pause before each run, after `sync`: lets the previous image's writeback finish, and
   * keeps Docker's stats API (which makes a call within ~1 s of another wait for the next
   * 1 s tick) from charging the previous run's call to this one. Default 1500 ms.
   */
  settleMs?: number;
  /** Checked between runs: a dump in progress is never interrupted (it could leave the container frozen). */
  signal?: AbortSignal;
  /** Names the run's containers (cryo-bench-engines-<runId>-<size>mb) and tags its records. */
  runId?: string;
  dockerCli?: string;
  runcRoot?: string;
  onProgress?: (e: BenchProgress) => void;
}

export type BenchProgress =
  | { type: 'container'; sizeMb: number; name: string; residentMs: number }
  | { type: 'measured'; sizeMb: number; rep: number; warmup: boolean; measurement: Measurement };

export interface SizedMeasurement extends Measurement {
  sizeMb: number;
  rep: number;
}

export interface EnginesBenchResult {
  runId: string;
  facts: HostFactTags;
  sizesMb: number[];
  reps: number;
  measurements: SizedMeasurement[];
}

export const DEFAULT_SIZES_MB = [16, 256, 1024] as const;
export const DEFAULT_DOCKER_CLI = '/usr/bin/docker';
export const DEFAULT_RUNC_ROOT = '/run/docker/runtime-runc/moby';

export function newBenchRunId(now = new Date()): string {
  return `${now.getTime().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

/** The container name for one size of one run; also what a forced cleanup matches on. */
export function benchContainerName(runId: string, sizeMb: number): string {
  return `${BENCH_PREFIX}engines-${runId}-${sizeMb}mb`;
}

export async function runEnginesBench(host: DockerHost, opts: EnginesBenchOptions = {}): Promise<EnginesBenchResult> {
  const sizesMb = [...(opts.sizesMb ?? DEFAULT_SIZES_MB)];
  const reps = opts.reps ?? 3;
  const methods = [...(opts.methods ?? METHODS)];
  const runId = opts.runId ?? newBenchRunId();
  const signal = opts.signal;
  if (!sizesMb.length || sizesMb.some((s) => !Number.isInteger(s) || s < 0)) throw new RangeError('sizes must be whole MB, at least one');
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError('reps must be a whole number >= 1');

  const report = await host.capabilities(signal);
  for (const m of methods) {
    const f = report.engines[METHOD_ENGINE[m]];
    if (!f.ok) throw new UnavailableError(`Cannot benchmark ${m}: the ${METHOD_ENGINE[m]} engine is unavailable on ${host.name}: ${f.reason ?? ''}`);
  }
  const facts = hostFactTags(report);
  const engine = await host.engineContext();
  const ctx: MethodContext = {
    host,
    engine,
    local: new LocalRunner(),
    dockerCli: opts.dockerCli ?? DEFAULT_DOCKER_CLI,
    runcRoot: opts.runcRoot ?? DEFAULT_RUNC_ROOT,
    scratchDir: `${host.cryoStateDir}/bench`,
  };
  await runChecked(host.runner, ['mkdir', '-p', '--', ctx.scratchDir], { privileged: true });

  const measurements: SizedMeasurement[] = [];
  for (const sizeMb of sizesMb) {
    if (signal?.aborted) throw abortError();
    const name = benchContainerName(runId, sizeMb);
    const t0 = performance.now();
    const id = await startMemhog(host, name, sizeMb, opts.dirtyPct ?? 0, signal);
    try {
      opts.onProgress?.({ type: 'container', sizeMb, name, residentMs: performance.now() - t0 });
      const target = await resolveContainer(host, id);
      // Read once (dirty 0: it does not change) for the docker-cli and raw-runc records.
      const memoryBytes = await memoryInUse(host, id);
      const run = { ctx, target, memoryBytes, settleMs: opts.settleMs ?? 1500, ...(signal ? { signal } : {}) };
      const tags = { scenario: 'engines', benchRun: runId, sizeMb, dirtyPct: opts.dirtyPct ?? 0, ...facts };
      for (let w = 1; w <= (opts.warmup ?? 0); w++) {
        for (const method of balancedOrder(methods, w - 1)) {
          const m = await once(run, method, `warm-${method}-${w}`, { ...tags, rep: 0, warmup: true });
          opts.onProgress?.({ type: 'measured', sizeMb, rep: w, warmup: true, measurement: m });
        }
      }
      for (let rep = 1; rep <= reps; rep++) {
        for (const method of balancedOrder(methods, rep - 1)) {
          const m = await once(run, method, `bench-${method}-${rep}`, { ...tags, rep }, opts.store);
          measurements.push({ ...m, sizeMb, rep });
          opts.onProgress?.({ type: 'measured', sizeMb, rep, warmup: false, measurement: m });
        }
      }
    } finally {
      await removeContainer(host, id);
      // The runc engine keeps CRIU's log and stats per dump; for a deleted bench container they are litter.
      await host.runner.run(['find', `${host.cryoStateDir}/work`, '-mindepth', '1', '-maxdepth', '1', '-name', `${id.slice(0, 12)}-*`, '-exec', 'rm', '-rf', '--', '{}', '+'], {
        privileged: true,
        timeoutMs: 60_000,
      });
    }
  }
  return { runId, facts, sizesMb, reps, measurements };
}

interface Run {
  ctx: MethodContext;
  target: ResolvedContainer;
  memoryBytes: number | undefined;
  settleMs: number;
  signal?: AbortSignal;
}

async function once(run: Run, method: BenchMethod, name: string, tags: Record<string, string | number | boolean>, store?: ResultsStore): Promise<Measurement> {
  if (run.signal?.aborted) throw abortError();
  await run.ctx.host.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 });
  await sleep(run.settleMs, run.signal);
  const load = await run.ctx.host.runner.run(['cat', '/proc/loadavg'], { timeoutMs: 10_000 });
  const load1 = Number(load.stdout.split(' ')[0]);
  const m = await measure(method, run.ctx, run.target, name, Number.isFinite(load1) && load.exitCode === 0 ? { ...tags, load1 } : tags, store, run.memoryBytes);
  await discard(run.ctx, run.target, m);
  return m;
}

