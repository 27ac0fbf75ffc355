import { deleteCheckpoint } from '../docker/checkpointApi.js';
import { DEFAULT_PRE_DUMP_RULE, SINGLE_PRE_DUMP, type PreDumpRule } from '../engines/preDump.js';
import { abortError } from '../exec/localRunner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { formatBytes } from '../host/listing.js';
import { checkpointContainer, UnavailableError } from '../ops/checkpoint.js';
import { newRecordId, outcomeOf, type CheckpointRecord } from '../records.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { newBenchRunId } from './engines.js';
import { hostFactTags, type HostFactTags } from './hostFacts.js';
import { removeContainer, startMemhog } from './memhog.js';
import { migrationBenchPrefix, removeWorkDirs } from './migration.js';
import { judge, secsSummary, type BenchGoal, type BenchTable } from './tables.js';
import { balancedOrder } from './order.js';
import { median, summaryOf, type Summary } from './stats.js';
import { tagNumber } from './tags.js';
import { sleep } from '../time.js';

/**
 * Pre-dump vs direct (v0.4 §4, seed 002 fig. 4.4-4.6 and table 4.3): the frozen time of the
 * final dump (CRIU's frozenTimeUs) and the image size, for memhog containers of a few sizes
 * dirtying memory at a few rates, checkpointed three ways on the same container:
 *   direct         one dump, no pre-dump
 *   predump        one pre-dump round while running, then the final dump on top of it
 *   predump-phaul  pre-dump rounds until the p.haul rule stops (DEFAULT_PRE_DUMP_RULE)
 * All with the runc engine and --leave-running, so one container serves every method and
 * repetition (Williams order per repetition); each checkpoint is deleted once measured.
 * Records are the core's CheckpointRecords tagged {scenario:'predump', benchRun, sizeMb,
 * dirtyPct, rep, method} plus the host facts.
 */
export const PREDUMP_METHODS = ['direct', 'predump', 'predump-phaul'] as const;
export type PredumpMethod = (typeof PREDUMP_METHODS)[number];

export const PREDUMP_RULES: Record<PredumpMethod, PreDumpRule | undefined> = { direct: undefined, predump: SINGLE_PRE_DUMP, 'predump-phaul': DEFAULT_PRE_DUMP_RULE };

export interface PredumpBenchOptions {
  sizesMb: readonly number[];
  dirtyPcts: readonly number[];
  methods?: readonly PredumpMethod[];
  reps?: number;
  /** Repetitions of predump-phaul, which can take 8 rounds (default: min(reps, 1)). */
  phaulReps?: number;
  /** Pause after `sync` before every checkpoint (default 1000 ms). */
  settleMs?: number;
  store?: ResultsStore;
  signal?: AbortSignal;
  runId?: string;
  onProgress?: (message: string) => void;
}

export interface PredumpBenchResult {
  runId: string;
  facts: HostFactTags;
  records: CheckpointRecord[];
}

export async function runPredumpBench(host: DockerHost, opts: PredumpBenchOptions): Promise<PredumpBenchResult> {
  const runId = opts.runId ?? newBenchRunId();
  const reps = opts.reps ?? 2;
  const phaulReps = opts.phaulReps ?? Math.min(reps, 1);
  const methods = [...(opts.methods ?? PREDUMP_METHODS)];
  const { signal } = opts;
  const say = opts.onProgress ?? (() => undefined);
  const caps = await host.capabilities(signal);
  if (!caps.preDump.ok) throw new UnavailableError(`Pre-dump is unavailable on ${host.name}: ${caps.preDump.reason ?? ''}`);
  if (!caps.engines.runc.ok) throw new UnavailableError(`The runc engine is unavailable on ${host.name}: ${caps.engines.runc.reason ?? ''}`);
  const facts = hostFactTags(caps);
  const ctx = await host.engineContext();
  const records: CheckpointRecord[] = [];

  for (const sizeMb of opts.sizesMb) {
    for (const dirtyPct of opts.dirtyPcts) {
      if (signal?.aborted) throw abortError();
      const name = `${migrationBenchPrefix(runId, 'predump')}${sizeMb}mb-d${String(dirtyPct).replace('.', '_')}`;
      const t0 = performance.now();
      const id = await startMemhog(host, name, sizeMb, dirtyPct, signal);
      say(`${sizeMb} MB, ${dirtyPct} %/s: ${name} resident after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      try {
        for (let rep = 1; rep <= reps; rep++) {
          for (const method of balancedOrder(methods, rep - 1)) {
            if (method === 'predump-phaul' && rep > phaulReps) continue;
            if (signal?.aborted) throw abortError();
            await host.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 });
            await sleep(opts.settleMs ?? 1000, signal);
            const cpName = `bench-${method}-${rep}`;
            const tags = { scenario: 'predump', benchRun: runId, sizeMb, dirtyPct, rep, method, ...facts };
            const rule = PREDUMP_RULES[method];
            let rec: CheckpointRecord;
            try {
              rec = await checkpointContainer(host, id, { name: cpName, leaveRunning: true, engine: 'runc', ...(rule ? { preDump: rule } : {}), tags }, opts.store);
            } catch (e) {
              // The core recorded the failure; keep a copy for the summary.
              rec = failed(host, id, name, cpName, tags, e);
            }
            records.push(rec);
            say(`${sizeMb} MB ${dirtyPct} %/s rep ${rep} ${method}: ${describe(rec)}`);
            await deleteCheckpoint(host.docker.getContainer(id), cpName).catch(() => undefined);
            await host.runner.run(['rm', '-rf', '--', `${ctx.dockerRootDir}/containers/${id}/checkpoints/${cpName}`], { privileged: true, timeoutMs: 120_000 });
          }
        }
      } finally {
        await removeContainer(host, id);
        await removeWorkDirs(host, id);
      }
    }
  }
  return { runId, facts, records };
}

function failed(host: DockerHost, id: string, container: string, cpName: string, tags: Record<string, string | number | boolean>, e: unknown): CheckpointRecord {
  return {
    kind: 'checkpoint', id: newRecordId(), host: host.name, container, containerId: id, image: 'cryo-memhog:latest', engine: 'runc',
    options: { leaveRunning: true, preDump: tags['method'] !== 'direct' }, checkpointName: cpName, startedAt: new Date().toISOString(), wallMs: 0, tags, ...outcomeOf(e),
  };
}

const PAGE = 4096;

function describe(r: CheckpointRecord): string {
  if (r.outcome !== 'ok') return `${r.outcome}: ${r.error ?? ''}`;
  const frozen = r.criu ? `${(r.criu.frozenTimeUs / 1e6).toFixed(2)} s frozen` : 'no CRIU stats';
  const rounds = r.preDumpRounds ? `, ${r.preDumpRounds.length} round(s) [${r.preDumpRounds.map((x) => x.criu?.pagesWritten ?? '?').join(', ')} pages]` : '';
  return `${frozen}, final dump ${r.criu ? formatBytes(r.criu.pagesWritten * PAGE) : '?'}, image ${r.imageBytes !== undefined ? formatBytes(r.imageBytes) : '?'}, ${(r.wallMs / 1000).toFixed(2)} s in all${rounds}`;
}

// ---------------------------------------------------------------- summaries (pure)


export interface PredumpRow {
  sizeMb: number;
  dirtyPct: number;
  method: string;
  n: number;
  failed: number;
  frozenMs?: Summary;
  memdumpMs?: number;
  memwriteMs?: number;
  /** Pages the final (freezing) dump wrote, in bytes. */
  finalBytes?: number;
  /** The whole checkpoint folder (every round), du -sb. */
  imageBytes?: number;
  rounds?: number;
  /** Pre-dump rounds and final dump, the engine's wall time. */
  wallMs?: Summary;
}

/** One row per size x dirty rate x method (methods in PREDUMP_METHODS order). */
export function summarizePredump(records: readonly CheckpointRecord[]): PredumpRow[] {
  const groups = new Map<string, CheckpointRecord[]>();
  for (const r of records) {
    const key = [tagNumber(r.tags, 'sizeMb'), tagNumber(r.tags, 'dirtyPct'), String(r.tags?.['method'])].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows: PredumpRow[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const ok = g.filter((r) => r.outcome === 'ok');
    const row: PredumpRow = { sizeMb: tagNumber(first.tags, 'sizeMb') ?? 0, dirtyPct: tagNumber(first.tags, 'dirtyPct') ?? 0, method: String(first.tags?.['method'] ?? '?'), n: ok.length, failed: g.length - ok.length };
    const set = <K extends keyof PredumpRow>(k: K, v: PredumpRow[K] | undefined) => {
      if (v !== undefined) row[k] = v;
    };
    set('frozenMs', summaryOf(ok.map((r) => (r.criu ? r.criu.frozenTimeUs / 1000 : undefined))));
    set('memdumpMs', summaryOf(ok.map((r) => (r.criu ? r.criu.memdumpTimeUs / 1000 : undefined)))?.median);
    set('memwriteMs', summaryOf(ok.map((r) => (r.criu ? r.criu.memwriteTimeUs / 1000 : undefined)))?.median);
    set('finalBytes', summaryOf(ok.map((r) => (r.criu ? r.criu.pagesWritten * PAGE : undefined)))?.median);
    set('imageBytes', summaryOf(ok.map((r) => r.imageBytes))?.median);
    set('rounds', summaryOf(ok.map((r) => r.preDumpRounds?.length ?? 0))?.median);
    set('wallMs', summaryOf(ok.map((r) => r.wallMs)));
    rows.push(row);
  }
  const rank = (m: string) => ((PREDUMP_METHODS as readonly string[]).includes(m) ? PREDUMP_METHODS.indexOf(m as PredumpMethod) : PREDUMP_METHODS.length);
  return rows.sort((a, b) => a.sizeMb - b.sizeMb || a.dirtyPct - b.dirtyPct || rank(a.method) - rank(b.method));
}

/** Frozen time of `method` over direct at one cell: ratio of medians and median of per-rep ratios. */
export function frozenRatio(records: readonly CheckpointRecord[], sizeMb: number, dirtyPct: number, method: string): { value?: number; paired?: number } {
  const at = (m: string) => records.filter((r) => r.outcome === 'ok' && r.criu && tagNumber(r.tags, 'sizeMb') === sizeMb && tagNumber(r.tags, 'dirtyPct') === dirtyPct && r.tags?.['method'] === m);
  const mine = at(method);
  const direct = at('direct');
  const out: { value?: number; paired?: number } = {};
  if (mine.length && direct.length) {
    const d = median(direct.map((r) => r.criu!.frozenTimeUs));
    if (d > 0) out.value = median(mine.map((r) => r.criu!.frozenTimeUs)) / d;
  }
  const pairs = mine.flatMap((r) => {
    const o = direct.find((x) => tagNumber(x.tags, 'rep') === tagNumber(r.tags, 'rep'));
    return o && o.criu!.frozenTimeUs > 0 ? [r.criu!.frozenTimeUs / o.criu!.frozenTimeUs] : [];
  });
  if (pairs.length) out.paired = median(pairs);
  return out;
}

const bytes = (b?: number) => (b === undefined ? '–' : formatBytes(b));
const s2 = (ms?: number) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

/**
 * The table and goals: frozen-time ratio pre-dump / direct for every cell, the goal (<= 0.3)
 * judged at the largest size and `goalDirtyPct` (5 %/s), the others shown for the trend.
 */
export function summarizePredumpBench(records: readonly CheckpointRecord[], goalDirtyPct = 5): { tables: BenchTable[]; goals: BenchGoal[]; failed: number } {
  const rows = summarizePredump(records);
  const table: BenchTable = {
    title: 'Pre-dump vs direct: frozen time of the final dump and image size (seconds, median (min–max))',
    head: ['size', 'dirty %/s', 'method', 'frozen s', 'vs direct', 'memdump', 'memwrite', 'final dump', 'image (all rounds)', 'rounds', 'wall s', 'n', 'failed'],
    rows: rows.map((r) => [
      `${r.sizeMb} MB`,
      String(r.dirtyPct),
      r.method,
      secsSummary(r.frozenMs),
      r.method === 'direct' ? '1.00x' : fmt(frozenRatio(records, r.sizeMb, r.dirtyPct, r.method).value),
      s2(r.memdumpMs),
      s2(r.memwriteMs),
      bytes(r.finalBytes),
      bytes(r.imageBytes),
      r.rounds === undefined ? '–' : String(r.rounds),
      secsSummary(r.wallMs),
      String(r.n),
      String(r.failed),
    ]),
  };
  const sizes = [...new Set(rows.map((r) => r.sizeMb))];
  const largest = sizes.length ? Math.max(...sizes) : undefined;
  const goals: BenchGoal[] = [];
  for (const method of ['predump', 'predump-phaul']) {
    for (const r of rows.filter((x) => x.method === method)) {
      const ratio = frozenRatio(records, r.sizeMb, r.dirtyPct, method);
      const isGoal = r.sizeMb === largest && r.dirtyPct === goalDirtyPct;
      goals.push(judge(`frozen ${method} / direct, ${r.sizeMb} MB at ${r.dirtyPct} %/s${isGoal ? ' (the goal cell)' : ''}`, ratio.value, 0.3, true, ratio.paired !== undefined ? { paired: ratio.paired } : {}));
    }
  }
  return { tables: [table], goals, failed: records.filter((r) => r.outcome !== 'ok').length };
}

function fmt(v?: number): string {
  return v === undefined ? '–' : `${v.toFixed(2)}x`;
}
