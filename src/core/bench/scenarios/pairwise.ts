import type { DockerHost } from '../../host/dockerHost.js';
import type { RunRecord } from '../../records.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { rotate } from '../order.js';
import { BarrierScheduler } from './barrier.js';
import { int, intList } from './params.js';
import { BenchSession, settledAll } from './session.js';
import { brief, groupBy, numTag, okCheckpoints, ratio, secs, selectRun, sortedNumbers, stat, strTag, summaryBase, x } from './summary.js';
import type { CommonParams, ScenarioDef, ScenarioRunOptions, ScenarioSummary } from './types.js';

export interface PairwiseParams extends CommonParams {
  smallMb: number;
  partnersMb: number[];
}

export const PAIRWISE = 'pairwise';

/**
 * Seed 001 fig. 3: a small container checkpointed alone, then at the same time as each of
 * the others in turn (one partner at a time). Tags: role (subject | partner), sizeMb,
 * partnerMb, rep, concurrency (1 alone, 2 in a pair), batch.
 */
export async function runPairwise(host: DockerHost, p: PairwiseParams, opts: ScenarioRunOptions = {}): Promise<ScenarioSummary> {
  const s = await BenchSession.open(host, PAIRWISE, p, pairwiseSteps(p), opts);
  try {
    await s.withScheduler(new Scheduler({ policy: 'unlimited', concurrency: 1 }), async () => {
      s.progress(`starting the ${p.smallMb} MB subject`);
      const subject = await s.startMemhog(`subject-${p.smallMb}mb`, p.smallMb);
      const partners = new Map<number, string>();
      for (const mb of p.partnersMb) {
        s.progress(`starting a ${mb} MB partner`);
        partners.set(mb, await s.startMemhog(`partner-${mb}mb`, mb));
      }
      const round = async (rep: number, warmup: boolean) => {
        const tag = warmup ? 'w' : 'a';
        const aloneName = `${tag}${rep}-alone`;
        if (!warmup) await s.settle();
        const r = await s.checkpoint(subject, aloneName, { role: 'subject', sizeMb: p.smallMb, rep, mode: 'alone', concurrency: 1 }, { warmup });
        await s.discard(subject, aloneName);
        s.progress(`${p.smallMb} MB alone: ${brief(r)}`, warmup ? 0 : 1);
        for (const mb of rotate(p.partnersMb, rep)) {
          const name = `${tag}${rep}-with-${mb}`;
          const partner = partners.get(mb)!;
          if (!warmup) await s.settle();
          const common = { partnerMb: mb, rep, mode: 'pair', concurrency: 2, batch: name };
          const [a, b] = await s.withScheduler(new BarrierScheduler({ policy: 'unlimited', concurrency: 1 }, 2), () =>
            settledAll([s.checkpoint(subject, name, { ...common, role: 'subject', sizeMb: p.smallMb }, { warmup }), s.checkpoint(partner, name, { ...common, role: 'partner', sizeMb: mb }, { warmup })]),
          );
          await s.discard(subject, name);
          await s.discard(partner, name);
          s.progress(`${p.smallMb} MB with ${mb} MB: ${brief(a!)} (partner ${brief(b!)})`, warmup ? 0 : 2);
        }
      };
      for (let w = 1; w <= p.warmup; w++) await round(w, true);
      for (let rep = 1; rep <= p.reps; rep++) await round(rep, false);
    });
  } finally {
    await s.close();
  }
  return summarizePairwise(s.records, s.runId);
}

export function pairwiseSteps(p: Pick<PairwiseParams, 'partnersMb' | 'reps'>): number {
  return p.reps * (1 + 2 * p.partnersMb.length);
}

export function summarizePairwise(records: readonly RunRecord[], runId?: string): ScenarioSummary {
  const rs = selectRun(records, PAIRWISE, runId);
  const out = summaryBase(PAIRWISE, 'A small container alone vs checkpointed with one other', rs, runId);
  const ok = okCheckpoints(rs);
  const subject = ok.filter((r) => strTag(r, 'role') === 'subject');
  const smallMb = numTag(subject[0] ?? ok[0]!, 'sizeMb');
  const alone = stat(subject.filter((r) => strTag(r, 'mode') === 'alone').map((r) => r.wallMs));
  const rows: string[][] = [['alone', secs(alone), '1.00x', '–']];
  const pairs = groupBy(
    ok.filter((r) => strTag(r, 'mode') === 'pair'),
    (r) => numTag(r, 'partnerMb'),
  );
  for (const mb of sortedNumbers(pairs.keys())) {
    const g = pairs.get(mb)!;
    const with_ = stat(g.filter((r) => strTag(r, 'role') === 'subject').map((r) => r.wallMs));
    const partner = stat(g.filter((r) => strTag(r, 'role') === 'partner').map((r) => r.wallMs));
    rows.push([`with ${mb} MB`, secs(with_), x(ratio(with_?.median, alone?.median)), secs(partner)]);
  }
  out.tables.push({ title: `The ${smallMb ?? '?'} MB subject's checkpoint time in s, median (min–max)`, head: ['checkpointed', 'subject', 'vs alone', 'partner'], rows });
  out.notes.push('Seed 001 fig. 3: ubuntu alone 0.351 s; with redis 0.538, nginx 0.468, mongo 0.638, mysql 0.627 s (1.3x–1.8x).');
  return out;
}

export const pairwiseScenario: ScenarioDef<PairwiseParams> = {
  name: PAIRWISE,
  title: 'Pairwise: a small container alone vs with each other one',
  reproduces: 'seed 001 fig. 3',
  flags: [
    { name: 'small', value: 'MB', describe: 'the subject memhog (default 16)' },
    { name: 'partners', value: '64,128,256,512', describe: 'partner memhog sizes in MB' },
  ],
  presets: { quick: { small: '16', partners: '64,256', reps: '1', warmup: '0' }, full: { small: '16', partners: '64,128,256,512', reps: '3', warmup: '1' } },
  parse: (f, common) => ({ ...common, smallMb: int('small', f['small'] ?? '16', 1, 16_384), partnersMb: intList('partners', f['partners'] ?? '64,128,256,512', 1, 16_384) }),
  steps: pairwiseSteps,
  describe: (p) => `${p.smallMb} MB alone and with each of ${p.partnersMb.join(', ')} MB, ${p.reps} rep(s) + ${p.warmup} warm-up, ${p.engine} engine`,
  run: runPairwise,
  summarize: summarizePairwise,
};
