import { deleteCheckpoint } from '../docker/checkpointApi.js';
import type { PreDumpRule } from '../engines/preDump.js';
import { abortError } from '../exec/localRunner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { formatBytes } from '../host/listing.js';
import { checkpointContainer, UnavailableError } from '../ops/checkpoint.js';
import { restoreContainer } from '../ops/restore.js';
import { newRecordId, outcomeOf, type CheckpointRecord, type RestoreRecord } from '../records.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { newBenchRunId } from './engines.js';
import { hostFactTags, type HostFactTags } from './hostFacts.js';
import { removeContainer, startMemhog } from './memhog.js';
import { migrationBenchPrefix, removeWorkDirs } from './migration.js';
import { secsSummary, type BenchTable } from './tables.js';
import { summaryOf, type Summary } from './stats.js';
import { tagNumber } from './tags.js';
import { sleep } from '../time.js';

/**
 * Checkpoint chains (v0.4 §2 "version groups", seed 002 §4.7 and fig. 4.9): a chain of
 * length n is n pre-dump rounds, each on top of the one before, then the final dump on top
 * of the last (chainRule(n): maxRounds n, never stopped early); length 0
 * is a direct dump, the baseline. For every length: the chain's size on disk, the final
 * dump's frozen time, then the restore time of the whole chain (Docker restores through
 * containerd, which copies the folder with every round before CRIU reads it).
 *
 * One memhog container; each checkpoint stops it (the final dump kills the task) and the
 * restore starts it again, so the next length checkpoints the restored process. Odd
 * repetitions go up in length, even ones down, so drift does not line up with length; the
 * direct dump (0) always comes last (see chainOrder).
 * Records: a CheckpointRecord and a RestoreRecord per length, tagged {scenario:'chain',
 * benchRun, sizeMb, dirtyPct, rep, chainLength, method:'direct'|'predump'} + host facts.
 */
export interface ChainBenchOptions {
  sizeMb?: number;
  dirtyPct?: number;
  /** Chain lengths (pre-dump rounds); 0 = direct. Default 0..16. */
  lengths?: readonly number[];
  reps?: number;
  settleMs?: number;
  store?: ResultsStore;
  signal?: AbortSignal;
  runId?: string;
  onProgress?: (message: string) => void;
}

export interface ChainBenchResult {
  runId: string;
  facts: HostFactTags;
  sizeMb: number;
  dirtyPct: number;
  checkpoints: CheckpointRecord[];
  restores: RestoreRecord[];
}

export const DEFAULT_CHAIN_LENGTHS: readonly number[] = Array.from({ length: 17 }, (_, i) => i);

/**
 * The rule that makes exactly n rounds: nothing stops it early. smallRoundPages -1 rather
 * than 0, so even a round that wrote no page (nothing dirtied) does not end the chain.
 */
export function chainRule(n: number): PreDumpRule {
  return { maxRounds: n, smallRoundPages: -1, growth: Number.POSITIVE_INFINITY };
}

/**
 * The lengths of one repetition: odd reps ascending, even reps descending, the direct dump
 * (0) always last. A process restored from a direct checkpoint comes back on transparent
 * huge pages (THP "always", seen with CRIU 3.17 on Debian's 6.1 kernel, although the VMA
 * keeps its MADV_NOHUGEPAGE), and soft-dirty then marks whole 2 MB pages: the chain after
 * it would re-dump everything. Restored from a pre-dump chain, it stays on 4 KB pages.
 */
export function chainOrder(lengths: readonly number[], rep: number): number[] {
  const chains = [...lengths].filter((n) => n > 0).sort((a, b) => a - b);
  if (rep % 2 === 0) chains.reverse();
  return lengths.includes(0) ? [...chains, 0] : chains;
}

export async function runChainBench(host: DockerHost, opts: ChainBenchOptions = {}): Promise<ChainBenchResult> {
  const runId = opts.runId ?? newBenchRunId();
  const sizeMb = opts.sizeMb ?? 32;
  const dirtyPct = opts.dirtyPct ?? 5;
  const lengths = [...(opts.lengths ?? DEFAULT_CHAIN_LENGTHS)].sort((a, b) => a - b);
  const reps = opts.reps ?? 1;
  const { signal } = opts;
  const say = opts.onProgress ?? (() => undefined);
  if (lengths.some((n) => !Number.isInteger(n) || n < 0)) throw new RangeError('chain lengths are whole numbers >= 0');
  const caps = await host.capabilities(signal);
  if (lengths.some((n) => n > 0) && !caps.preDump.ok) throw new UnavailableError(`Pre-dump is unavailable on ${host.name}: ${caps.preDump.reason ?? ''}`);
  const facts = hostFactTags(caps);
  const ctx = await host.engineContext();
  const checkpoints: CheckpointRecord[] = [];
  const restores: RestoreRecord[] = [];
  const name = `${migrationBenchPrefix(runId, 'chain')}${sizeMb}mb-d${String(dirtyPct).replace('.', '_')}`;
  const t0 = performance.now();
  // let: a restore that recreates the container (Docker 28+) gives it a new id, followed below.
  let id = await startMemhog(host, name, sizeMb, dirtyPct, signal);
  const ids = new Set([id]);
  say(`${name} resident after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const n of chainOrder(lengths, rep)) {
        if (signal?.aborted) throw abortError();
        await host.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 });
        await sleep(opts.settleMs ?? 1000, signal);
        const cpName = `chain-${n}-r${rep}`;
        const tags = { scenario: 'chain', benchRun: runId, sizeMb, dirtyPct, rep, chainLength: n, method: n === 0 ? 'direct' : 'predump', ...facts };
        let cp: CheckpointRecord;
        try {
          cp = await checkpointContainer(host, id, { name: cpName, leaveRunning: false, engine: 'runc', ...(n > 0 ? { preDump: chainRule(n) } : {}), tags }, opts.store);
        } catch (e) {
          checkpoints.push(failedCheckpoint(host, id, name, cpName, tags, e));
          throw e; // the container may be stopped without a usable checkpoint: nothing more to measure
        }
        checkpoints.push(cp);
        // The final dump killed the task; restore needs the container stopped (Docker marks it shortly after).
        await waitStopped(host, id, signal);
        let rs: RestoreRecord;
        try {
          rs = await restoreContainer(host, id, cpName, { tags: { ...tags, engine: 'runc' }, ...(signal ? { signal } : {}) }, opts.store);
        } catch (e) {
          restores.push(failedRestore(host, id, name, cpName, tags, e));
          throw e;
        }
        restores.push(rs);
        id = rs.containerId;
        ids.add(id);
        say(`length ${n} rep ${rep}: chain ${cp.imageBytes !== undefined ? formatBytes(cp.imageBytes) : '?'}, frozen ${cp.criu ? (cp.criu.frozenTimeUs / 1e6).toFixed(2) : '?'} s, checkpoint ${(cp.wallMs / 1000).toFixed(2)} s, restore ${(rs.wallMs / 1000).toFixed(2)} s`);
        await deleteCheckpoint(host.docker.getContainer(id), cpName).catch(() => undefined);
        await host.runner.run(['rm', '-rf', '--', `${ctx.dockerRootDir}/containers/${id}/checkpoints/${cpName}`], { privileged: true, timeoutMs: 120_000 });
      }
    }
  } finally {
    for (const x of ids) {
      await removeContainer(host, x);
      await removeWorkDirs(host, x);
    }
  }
  return { runId, facts, sizeMb, dirtyPct, checkpoints, restores };
}

async function waitStopped(host: DockerHost, id: string, signal?: AbortSignal): Promise<void> {
  const end = Date.now() + 60_000;
  while ((await host.docker.getContainer(id).inspect()).State.Running) {
    if (Date.now() > end) throw new Error(`container ${id.slice(0, 12)} still running a minute after its final dump`);
    await sleep(200, signal);
  }
}

function failedCheckpoint(host: DockerHost, id: string, container: string, cpName: string, tags: Record<string, string | number | boolean>, e: unknown): CheckpointRecord {
  return {
    kind: 'checkpoint', id: newRecordId(), host: host.name, container, containerId: id, image: 'cryo-memhog:latest', engine: 'runc',
    options: { leaveRunning: false, preDump: tags['method'] !== 'direct' }, checkpointName: cpName, startedAt: new Date().toISOString(), wallMs: 0, tags, ...outcomeOf(e),
  };
}

function failedRestore(host: DockerHost, id: string, container: string, cpName: string, tags: Record<string, string | number | boolean>, e: unknown): RestoreRecord {
  return { kind: 'restore', id: newRecordId(), host: host.name, container, containerId: id, checkpointName: cpName, startedAt: new Date().toISOString(), wallMs: 0, tags, ...outcomeOf(e) };
}

// ---------------------------------------------------------------- summaries (pure)

export interface ChainRow {
  chainLength: number;
  n: number;
  failed: number;
  imageBytes?: number;
  frozenMs?: Summary;
  checkpointMs?: Summary;
  restoreMs?: Summary;
}

export function summarizeChain(checkpoints: readonly CheckpointRecord[], restores: readonly RestoreRecord[]): ChainRow[] {
  const lengths = [...new Set(checkpoints.map((r) => tagNumber(r.tags, 'chainLength')).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);
  return lengths.map((L) => {
    const cps = checkpoints.filter((r) => tagNumber(r.tags, 'chainLength') === L);
    const ok = cps.filter((r) => r.outcome === 'ok');
    const rs = restores.filter((r) => tagNumber(r.tags, 'chainLength') === L);
    const rsOk = rs.filter((r) => r.outcome === 'ok');
    const row: ChainRow = { chainLength: L, n: Math.min(ok.length, rsOk.length), failed: cps.length - ok.length + (rs.length - rsOk.length) };
    const img = summaryOf(ok.map((r) => r.imageBytes));
    if (img) row.imageBytes = img.median;
    const frozen = summaryOf(ok.map((r) => (r.criu ? r.criu.frozenTimeUs / 1000 : undefined)));
    if (frozen) row.frozenMs = frozen;
    const cpMs = summaryOf(ok.map((r) => r.wallMs));
    if (cpMs) row.checkpointMs = cpMs;
    const rsMs = summaryOf(rsOk.map((r) => r.wallMs));
    if (rsMs) row.restoreMs = rsMs;
    return row;
  });
}

/**
 * The chain table and its trend: restore time and size of the longest chain over length 1
 * and over the direct dump. The seed's version-group limit (5 by default, at most 16) is a
 * trend to compare with, not a goal of the issue, so these are notes, not goal lines.
 */
export function summarizeChainBench(checkpoints: readonly CheckpointRecord[], restores: readonly RestoreRecord[]): { tables: BenchTable[]; notes: string[]; failed: number } {
  const rows = summarizeChain(checkpoints, restores);
  const direct = rows.find((r) => r.chainLength === 0);
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
  const table: BenchTable = {
    title: 'Checkpoint chains: size on disk and restore time by chain length (pre-dump rounds; 0 = direct)',
    head: ['length', 'chain on disk', 'size vs direct', 'final frozen s', 'checkpoint s', 'restore s', 'restore vs direct', 'n', 'failed'],
    rows: rows.map((r) => [
      String(r.chainLength),
      r.imageBytes !== undefined ? formatBytes(r.imageBytes) : '–',
      fmt(ratio(r.imageBytes, direct?.imageBytes)),
      secsSummary(r.frozenMs),
      secsSummary(r.checkpointMs),
      secsSummary(r.restoreMs),
      fmt(ratio(r.restoreMs?.median, direct?.restoreMs?.median)),
      String(r.n),
      String(r.failed),
    ]),
  };
  const notes: string[] = [];
  const first = rows.find((r) => r.chainLength === 1);
  const last = rows.length ? rows[rows.length - 1] : undefined;
  if (first && last && last.chainLength > 1) {
    notes.push(`Trend: length ${last.chainLength} over length 1: restore ${fmt(ratio(last.restoreMs?.median, first.restoreMs?.median))}, size on disk ${fmt(ratio(last.imageBytes, first.imageBytes))}.`);
  }
  return { tables: [table], notes, failed: rows.reduce((s, r) => s + r.failed, 0) };
}

function fmt(v?: number): string {
  return v === undefined ? '–' : `${v.toFixed(2)}x`;
}
