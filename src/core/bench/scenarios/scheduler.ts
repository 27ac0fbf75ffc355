import type { DockerHost } from '../../host/dockerHost.js';
import type { RunRecord } from '../../records.js';
import { Scheduler, type Policy } from '../../scheduler/scheduler.js';
import { mean } from '../stats.js';
import { BarrierScheduler } from './barrier.js';
import { intList, oneOf, ScenarioParamError } from './params.js';
import { BenchSession, settledAll } from './session.js';
import { burstLatencies, NAIVE, SCHEDULER, summarizeScheduler } from './schedulerSummary.js';
import { brief, selectRun, strTag } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

/** One scheduler set-up: `unlimited`, `fifo:1`, `sjf:2`, `sjf:2:0.1` (aging per ms waited). */
export interface PolicySpec {
  label: string;
  policy: Policy;
  concurrency: number;
  agingPerMs?: number;
}

export type SubmitOrder = 'shuffle' | 'desc' | 'asc';

export interface SchedulerParams extends CommonParams {
  sizesMb: number[];
  policies: PolicySpec[];
  /** The label of Cryo's own policy, judged against the goals. */
  cryo: string;
  order: SubmitOrder;
}

export function parsePolicy(text: string): PolicySpec {
  const t = text.trim();
  if (t === 'unlimited') return { label: t, policy: 'unlimited', concurrency: 1 };
  const m = /^(sjf|fifo):(\d+)(?::(\d+(?:\.\d+)?))?$/.exec(t);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 64 || (m[1] === 'fifo' && m[3] !== undefined)) {
    throw new ScenarioParamError(`--policies "${t}": use unlimited, fifo:<concurrency> or sjf:<concurrency>[:<aging per ms>], e.g. sjf:2 or sjf:2:0.1.`);
  }
  return { label: t, policy: m[1] as Policy, concurrency: Number(m[2]), ...(m[3] !== undefined ? { agingPerMs: Number(m[3]) } : {}) };
}

export function parsePolicies(text: string): PolicySpec[] {
  const specs = text.split(',').map(parsePolicy);
  if (new Set(specs.map((s) => s.label)).size !== specs.length) throw new ScenarioParamError(`--policies "${text}": a policy is listed twice.`);
  return specs;
}

/** How many checkpoints a policy lets run at once in a burst of n. */
export function effectiveConcurrency(p: PolicySpec, n: number): number {
  return p.policy === 'unlimited' ? n : Math.min(p.concurrency, n);
}

/** A permutation of the sizes per repetition: the same for every policy within a repetition. */
export function submitOrder(sizesMb: readonly number[], order: SubmitOrder, rep: number): number[] {
  if (order === 'desc') return [...sizesMb].sort((a, b) => b - a);
  if (order === 'asc') return [...sizesMb].sort((a, b) => a - b);
  let seed = 0x9e3779b9 ^ (rep * 2654435761);
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out = [...sizesMb];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The scheduler comparison: the same memhogs (16..512 MB) requested at once, through
 * checkpointContainer() and so through host.scheduler, under each policy in turn (the
 * host's scheduler is swapped for the batch and put back after). Each container's
 * completion latency is burst requested -> done (queuedMs + wallMs when the burst arrives at once). Each container is also
 * checkpointed alone, for the smallest one's "vs alone" goal. A BarrierScheduler hands each
 * burst to the policy only once all of it has arrived. Policies rotate within a
 * repetition; the submit order is the same for every policy in a repetition.
 * Tags: policy (a label, or "alone"), sizeMb, rep, concurrency (what the policy lets run at
 * once), requested (batch size), submitted (position in the burst), batch.
 */
export async function runScheduler(host: DockerHost, p: SchedulerParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, SCHEDULER, p, schedulerSteps(p), opts);
  const n = p.sizesMb.length;
  try {
    const ids = new Map<number, string>();
    for (const mb of p.sizesMb) {
      s.progress(`starting a ${mb} MB memhog`);
      ids.set(mb, await s.startMemhog(`${mb}mb`, mb));
    }
    const alone = async (rep: number, warmup: boolean) => {
      for (const mb of p.sizesMb) {
        const name = `${warmup ? 'w' : 'a'}${rep}-alone`;
        if (!warmup) await s.settle();
        const r = await s.withScheduler(new Scheduler({ policy: 'unlimited', concurrency: 1 }), () => s.checkpoint(ids.get(mb)!, name, { policy: 'alone', sizeMb: mb, rep, concurrency: 1 }, { warmup }));
        await s.discard(ids.get(mb)!, name);
        s.progress(`${mb} MB alone: ${brief(r)}`, warmup ? 0 : 1);
      }
    };
    const burst = async (spec: PolicySpec, rep: number) => {
      const name = `a${rep}-${spec.label.replace(/[^a-z0-9]+/g, '-')}`;
      const order = submitOrder(p.sizesMb, p.order, rep);
      await s.settle();
      const scheduler = new BarrierScheduler({ policy: spec.policy, concurrency: spec.concurrency, ...(spec.agingPerMs !== undefined ? { agingPerMs: spec.agingPerMs } : {}) }, n);
      const recs = await s.withScheduler(scheduler, () =>
        settledAll(order.map((mb, i) => s.checkpoint(ids.get(mb)!, name, { policy: spec.label, cryoPolicy: p.cryo, sizeMb: mb, rep, concurrency: effectiveConcurrency(spec, n), requested: n, submitted: i + 1, batch: name }))),
      );
      for (const mb of p.sizesMb) await s.discard(ids.get(mb)!, name);
      const ok = recs.filter((r) => r.outcome === 'ok');
      const lat = ok.length === recs.length ? [...burstLatencies(ok).values()] : [];
      s.progress(`${spec.label}, rep ${rep}: mean latency ${lat.length ? (mean(lat) / 1000).toFixed(2) : '?'} s (checkpoints ${recs.map(brief).join(', ')})`, n);
    };
    // Warm-ups: each container alone, which also gives the sjf cost model this host's figures.
    for (let w = 1; w <= p.warmup; w++) await alone(w, true);
    for (let rep = 1; rep <= p.reps; rep++) {
      await alone(rep, false);
      const k = (rep - 1) % p.policies.length;
      for (const spec of [...p.policies.slice(k), ...p.policies.slice(0, k)]) await burst(spec, rep);
    }
  } finally {
    await s.close();
  }
  return summarizeScheduler(s.records, s.runId, p.cryo);
}

export function schedulerSteps(p: Pick<SchedulerParams, 'sizesMb' | 'policies' | 'reps'>): number {
  return p.reps * p.sizesMb.length * (1 + p.policies.length);
}

export const schedulerScenario: ScenarioDef<SchedulerParams> = {
  name: SCHEDULER,
  title: 'Scheduler: naive parallel vs strict queue vs Cryo',
  reproduces: 'the interference in seeds 000/001 and 002 §4.6, and the issue goals',
  flags: [
    { name: 'sizes', value: '16,64,128,256,512', describe: 'memhog sizes in MB, requested at once' },
    { name: 'policies', value: 'unlimited,fifo:1,sjf:2', describe: 'policies compared: unlimited | fifo:N | sjf:N[:aging per ms]' },
    { name: 'cryo', value: 'sjf:2', describe: "which policy is Cryo's (judged against the goals)" },
    { name: 'order', value: 'shuffle|desc|asc', describe: 'order the burst is submitted in (default shuffle, seeded per repetition)' },
  ],
  presets: { quick: { sizes: '16,64,256', policies: 'unlimited,fifo:1,sjf:2', reps: '1', warmup: '1' }, full: { sizes: '16,64,128,256,512', policies: 'unlimited,fifo:1,sjf:2', reps: '3', warmup: '1' } },
  parse: (f, common) => {
    const sizesMb = intList('sizes', f['sizes'] ?? '16,64,128,256,512', 1, 16_384);
    if (sizesMb.length < 2) throw new ScenarioParamError('--sizes: a burst needs at least 2 containers.');
    const policies = parsePolicies(f['policies'] ?? 'unlimited,fifo:1,sjf:2');
    const cryo = parsePolicy(f['cryo'] ?? 'sjf:2').label;
    if (!policies.some((p) => p.label === cryo)) policies.push(parsePolicy(cryo));
    if (!policies.some((p) => p.label === NAIVE)) policies.unshift(parsePolicy(NAIVE));
    return { ...common, sizesMb, policies, cryo, order: oneOf<SubmitOrder>('order', f['order'] ?? 'shuffle', ['shuffle', 'desc', 'asc']) };
  },
  steps: schedulerSteps,
  describe: (p) => `${p.sizesMb.join(', ')} MB at once under ${p.policies.map((x) => x.label).join(', ')} (Cryo: ${p.cryo}), ${p.order} order, ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine`,
  run: runScheduler,
  summarize: (records, runId) => summarizeScheduler(records, runId, cryoOf(records, runId)),
};

/** Cryo's policy label as the run recorded it (tags.cryoPolicy), else the default. */
function cryoOf(records: readonly RunRecord[], runId?: string): string {
  const r = selectRun(records, SCHEDULER, runId).find((x) => strTag(x, 'cryoPolicy') !== undefined);
  return (r && strTag(r, 'cryoPolicy')) ?? 'sjf:2';
}
