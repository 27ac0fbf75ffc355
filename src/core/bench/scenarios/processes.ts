import type { DockerHost } from '../../host/dockerHost.js';
import type { RunRecord } from '../../records.js';
import { processCounts } from './params.js';
import { BenchSession } from './session.js';
import { brief, bytes, groupBy, linearFit, numTag, okCheckpoints, okRestores, secs, selectRun, sortedNumbers, stat, summaryBase } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface ProcessesParams extends CommonParams {
  counts: number[];
}

export const PROCESSES = 'processes';

/**
 * Seed 004: checkpoint and restore time against the number of processes. One cryo-forker
 * container per count (N children + the parent); each repetition checkpoints it without
 * leave-running (the container stops) and restores it through the core's restoreContainer
 * (docker start --checkpoint), then deletes the checkpoint. Warm-up cycles run once, on the
 * first count. Tags: processes (children, the seed's x axis), tasks (N + 1), rep; the
 * restore records carry the engine as a tag too.
 */
export async function runProcesses(host: DockerHost, p: ProcessesParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, PROCESSES, p, processesSteps(p), opts);
  try {
    let first = true;
    for (const n of p.counts) {
      s.progress(`starting a forker with ${n} children`);
      let id = await s.startForker(`${n}p`, n);
      const cycle = async (rep: number, warmup: boolean) => {
        const name = `${warmup ? 'w' : 'a'}${rep}`;
        const tags = { processes: n, tasks: n + 1, rep };
        if (!warmup) await s.settle();
        const cp = await s.checkpoint(id, name, tags, { leaveRunning: false, warmup });
        s.progress(`${n} processes, checkpoint: ${brief(cp)}`, warmup ? 0 : 1);
        if (cp.outcome !== 'ok') {
          await s.discard(id, name);
          s.progress(`${n} processes, restore skipped`, warmup ? 0 : 1);
          return;
        }
        if (!warmup) await s.settle();
        const rs = await s.restore(id, name, tags, { warmup }).catch((e: unknown) => {
          if (e instanceof Error && e.name === 'AbortError') throw e;
          return { outcome: 'failed', wallMs: 0, error: e instanceof Error ? e.message : String(e) };
        });
        s.progress(`${n} processes, restore: ${brief(rs)}`, warmup ? 0 : 1);
        // A restore that recreated the container (Docker 28+) gave it a new id, and took its checkpoints along.
        if (rs.outcome === 'ok' && 'containerId' in rs) id = rs.containerId;
        await s.discard(id, name);
        if (rs.outcome !== 'ok') {
          // A failed restore leaves the container stopped: start a fresh one for the next repetition.
          await s.remove(id);
          id = await s.startForker(`${n}p-r${rep}`, n);
        }
      };
      if (first) for (let w = 1; w <= p.warmup; w++) await cycle(w, true);
      first = false;
      for (let rep = 1; rep <= p.reps; rep++) await cycle(rep, false);
      await s.remove(id);
    }
  } finally {
    await s.close();
  }
  return summarizeProcesses(s.records, s.runId);
}

export function processesSteps(p: Pick<ProcessesParams, 'counts' | 'reps'>): number {
  return p.reps * p.counts.length * 2;
}

export function summarizeProcesses(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, PROCESSES, runId);
  const out = summaryBase(PROCESSES, 'Checkpoint and restore time vs number of processes', rs, runId);
  const cps = groupBy(okCheckpoints(rs), (r) => numTag(r, 'processes'));
  const rss = groupBy(okRestores(rs), (r) => numTag(r, 'processes'));
  const rows = sortedNumbers([...cps.keys(), ...rss.keys()]).map((n) => {
    const c = cps.get(n) ?? [];
    const frozen = stat(c.map((r) => (r.criu ? r.criu.frozenTimeUs / 1000 : undefined)));
    return [String(n), secs(stat(c.map((r) => r.wallMs))), secs(stat((rss.get(n) ?? []).map((r) => r.wallMs))), frozen ? (frozen.median / 1000).toFixed(2) : '–', bytes(stat(c.map((r) => r.imageBytes))?.median)];
  });
  out.tables.push({ title: 'cryo-forker with N children; seconds, median (min–max)', head: ['children', 'checkpoint', 'restore', 'CRIU frozen', 'image'], rows });
  // Per-child cost is small against a loaded host's noise: a line through every run says more than medians.
  const fits: [string, ReturnType<typeof linearFit>][] = [
    ['checkpoint', linearFit(okCheckpoints(rs).flatMap((r) => (numTag(r, 'processes') !== undefined ? [{ x: numTag(r, 'processes')!, y: r.wallMs }] : [])))],
    ['restore', linearFit(okRestores(rs).flatMap((r) => (numTag(r, 'processes') !== undefined ? [{ x: numTag(r, 'processes')!, y: r.wallMs }] : [])))],
    ['image', linearFit(okCheckpoints(rs).flatMap((r) => (numTag(r, 'processes') !== undefined && r.imageBytes !== undefined ? [{ x: numTag(r, 'processes')!, y: r.imageBytes / 1024 }] : [])))],
  ];
  const fitRows = fits.flatMap(([what, f]) => (f ? [[what, what === 'image' ? `${f.a.toFixed(0)} KiB` : `${(f.a / 1000).toFixed(2)} s`, what === 'image' ? `${f.b.toFixed(1)} KiB` : `${f.b.toFixed(1)} ms`, f.r.toFixed(2), String(f.n)]] : []));
  if (fitRows.length) out.tables.push({ title: 'Least-squares line through every run: intercept + slope per child', head: ['', 'intercept', 'per child', 'r', 'runs'], rows: fitRows });
  out.notes.push('Seed 004 (Python children, Docker 19.03, CRIU 3.6): checkpoint and restore time both grow about linearly from 1 to 50 children, restore tracking checkpoint.');
  return out;
}

export const processesScenario: ScenarioDef<ProcessesParams> = {
  name: PROCESSES,
  title: 'Processes: checkpoint and restore time vs process count',
  reproduces: 'seed 004',
  flags: [{ name: 'counts', value: '1..50/5', describe: 'children per container: a list (1,10,50) or from..to/step (1, then multiples of step)' }],
  presets: { quick: { counts: '1,10,25', reps: '1', warmup: '0' }, full: { counts: '1..50/5', reps: '3', warmup: '1' } },
  parse: (f, common) => ({ ...common, counts: processCounts('counts', f['counts'] ?? '1..50/5') }),
  steps: processesSteps,
  describe: (p) => `forker with ${p.counts.join(', ')} children, checkpoint + restore, ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine`,
  run: runProcesses,
  summarize: summarizeProcesses,
};
