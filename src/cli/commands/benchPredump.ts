import { bench, ResultsStore } from '../../core/index.js';
import { parseCount, parseSizes } from '../args.js';
import { EXIT, type CliContext, type ExitCode } from '../context.js';
import { checkSizesFit, closeHosts, flag, forceRemoveOn, hostNamed, openHost, parseBenchFlags, parseChoice, parseDirty, writeBenchOutput } from './benchHosts.js';

export const BENCH_PREDUMP_USAGE = `  bench predump [--on vm] [--sizes 16,128,256] [--dirty 0,5,50] [--reps 2] [--phaul-reps 1]
                [--methods direct,predump,predump-phaul] [--settle-ms 1000] [--out F.jsonl] [--md F.md]
                                                 frozen time of the final dump and image size, direct vs one
                                                 pre-dump round vs p.haul's rounds (goal: pre-dump / direct <= 0.3
                                                 at the largest size and 5 %/s); needs soft-dirty (the VM)`;

export interface BenchPredumpCommand {
  cmd: 'bench-predump';
  host?: string;
  on: string;
  sizesMb: number[];
  dirtyPcts: number[];
  reps: number;
  phaulReps: number;
  methods?: bench.PredumpMethod[];
  settleMs: number;
  out?: string;
  md?: string;
}

const OPTIONS = { on: { type: 'string' }, sizes: { type: 'string' }, dirty: { type: 'string' }, 'phaul-reps': { type: 'string' }, methods: { type: 'string' } } as const;

export function parseBenchPredump(argv: readonly string[]): BenchPredumpCommand | undefined {
  const p = parseBenchFlags(argv, 'predump', OPTIONS);
  if (!p) return undefined;
  const v = p.values;
  const on = flag(v, 'on') ?? 'vm';
  hostNamed(on);
  const sizesMb = parseSizes(flag(v, 'sizes') ?? '16,128,256');
  checkSizesFit([on], sizesMb);
  const reps = parseCount('--reps', flag(v, 'reps') ?? '2', 1);
  const methods = flag(v, 'methods');
  const out = flag(v, 'out');
  const md = flag(v, 'md');
  return {
    cmd: 'bench-predump',
    ...(p.host ? { host: p.host } : {}),
    on,
    sizesMb,
    dirtyPcts: parseDirty(flag(v, 'dirty') ?? '0,5,50'),
    reps,
    phaulReps: parseCount('--phaul-reps', flag(v, 'phaul-reps') ?? '1', 0),
    ...(methods ? { methods: parseChoice('--methods', methods, bench.PREDUMP_METHODS) } : {}),
    settleMs: parseCount('--settle-ms', flag(v, 'settle-ms') ?? '1000', 0),
    ...(out ? { out } : {}),
    ...(md ? { md } : {}),
  };
}

export async function benchPredumpCommand(ctx: CliContext, cmd: BenchPredumpCommand): Promise<ExitCode> {
  const runId = bench.newBenchRunId();
  const host = openHost(ctx, cmd.on);
  ctx.onForcedExit(() => forceRemoveOn(ctx, cmd.on, bench.migrationBenchPrefix(runId, 'predump')));
  const started = new Date();
  try {
    ctx.err(`predump (run ${runId}) on ${host.name}: ${cmd.sizesMb.join('/')} MB at ${cmd.dirtyPcts.join('/')} %/s, ${cmd.reps} rep(s) (p.haul: ${cmd.phaulReps})`);
    const result = await bench.runPredumpBench(host, {
      sizesMb: cmd.sizesMb,
      dirtyPcts: cmd.dirtyPcts,
      reps: cmd.reps,
      phaulReps: cmd.phaulReps,
      ...(cmd.methods ? { methods: cmd.methods } : {}),
      settleMs: cmd.settleMs,
      runId,
      signal: ctx.signal,
      ...(cmd.out ? { store: new ResultsStore(cmd.out) } : {}),
      onProgress: (m) => ctx.err(m),
    });
    const s = bench.summarizePredumpBench(result.records);
    const p = bench.PREDUMP_RULES['predump-phaul']!;
    await writeBenchOutput(
      ctx,
      {
        title: `Pre-dump vs direct on ${host.name}`,
        about: [
          `Run ${runId}, ${started.toISOString()}: memhog ${cmd.sizesMb.join('/')} MB dirtying ${cmd.dirtyPcts.join('/')} %/s, runc engine, --leave-running, ${cmd.reps} rep(s) (predump-phaul: ${cmd.phaulReps}).`,
          `Host ${host.name}: ${bench.describeHostFacts(result.facts)}.`,
          `frozen = CRIU frozenTimeUs of the final dump; final dump = pages it wrote; image = the whole folder with every round (du -sb). predump-phaul: at most ${p.maxRounds} rounds, stop when a round writes <= ${p.smallRoundPages} pages or ${Math.round(p.growth * 100)} % more than the one before${p.plateau !== undefined ? `, or at least ${Math.round(p.plateau * 100)} % of it (a plateau)` : ''}.`,
        ],
        tables: s.tables,
        goals: s.goals,
        notes: [],
      },
      cmd.md,
    );
    if (cmd.out) ctx.err(`Records appended to ${cmd.out} (tags.benchRun = ${runId})`);
    return s.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await closeHosts(ctx, [host]);
  }
}
