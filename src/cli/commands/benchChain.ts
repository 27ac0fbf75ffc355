import { bench, ResultsStore } from '../../core/index.js';
import { parseCount, parseSizes } from '../args.js';
import { EXIT, type CliContext, type ExitCode } from '../context.js';
import { checkSizesFit, closeHosts, flag, forceRemoveOn, hostNamed, openHost, parseBenchFlags, parseDirty, parseLengths, writeBenchOutput } from './benchHosts.js';

export const BENCH_CHAIN_USAGE = `  bench chain [--on vm] [--size 32] [--dirty 5] [--lengths 0-16] [--reps 1] [--settle-ms 1000]
              [--out F.jsonl] [--md F.md]
                                                 checkpoint chains (n pre-dump rounds + the final dump; 0 = direct):
                                                 size on disk and restore time by length (seed 002 §4.7)`;

export interface BenchChainCommand {
  cmd: 'bench-chain';
  host?: string;
  on: string;
  sizeMb: number;
  dirtyPct: number;
  lengths: number[];
  reps: number;
  settleMs: number;
  out?: string;
  md?: string;
}

const OPTIONS = { on: { type: 'string' }, size: { type: 'string' }, dirty: { type: 'string' }, lengths: { type: 'string' } } as const;

export function parseBenchChain(argv: readonly string[]): BenchChainCommand | undefined {
  const p = parseBenchFlags(argv, 'chain', OPTIONS);
  if (!p) return undefined;
  const v = p.values;
  const on = flag(v, 'on') ?? 'vm';
  hostNamed(on);
  const [sizeMb] = parseSizes(flag(v, 'size') ?? '32');
  checkSizesFit([on], [sizeMb!]);
  const [dirtyPct] = parseDirty(flag(v, 'dirty') ?? '5');
  const out = flag(v, 'out');
  const md = flag(v, 'md');
  return {
    cmd: 'bench-chain',
    ...(p.host ? { host: p.host } : {}),
    on,
    sizeMb: sizeMb!,
    dirtyPct: dirtyPct!,
    lengths: parseLengths(flag(v, 'lengths') ?? '0-16'),
    reps: parseCount('--reps', flag(v, 'reps') ?? '1', 1),
    settleMs: parseCount('--settle-ms', flag(v, 'settle-ms') ?? '1000', 0),
    ...(out ? { out } : {}),
    ...(md ? { md } : {}),
  };
}

export async function benchChainCommand(ctx: CliContext, cmd: BenchChainCommand): Promise<ExitCode> {
  const runId = bench.newBenchRunId();
  const host = openHost(ctx, cmd.on);
  ctx.onForcedExit(() => forceRemoveOn(ctx, cmd.on, bench.migrationBenchPrefix(runId, 'chain')));
  const started = new Date();
  try {
    ctx.err(`chain (run ${runId}) on ${host.name}: memhog ${cmd.sizeMb} MB at ${cmd.dirtyPct} %/s, lengths ${cmd.lengths.join(',')}, ${cmd.reps} rep(s)`);
    const result = await bench.runChainBench(host, {
      sizeMb: cmd.sizeMb,
      dirtyPct: cmd.dirtyPct,
      lengths: cmd.lengths,
      reps: cmd.reps,
      settleMs: cmd.settleMs,
      runId,
      signal: ctx.signal,
      ...(cmd.out ? { store: new ResultsStore(cmd.out) } : {}),
      onProgress: (m) => ctx.err(m),
    });
    const s = bench.summarizeChainBench(result.checkpoints, result.restores);
    await writeBenchOutput(
      ctx,
      {
        title: `Checkpoint chains on ${host.name}`,
        about: [
          `Run ${runId}, ${started.toISOString()}: one memhog ${cmd.sizeMb} MB dirtying ${cmd.dirtyPct} %/s; for each length n: n pre-dump rounds then the final dump (stops the container), then docker start --checkpoint; ${cmd.reps} rep(s).`,
          `Host ${host.name}: ${bench.describeHostFacts(result.facts)}.`,
        ],
        tables: s.tables,
        goals: [],
        notes: s.notes,
      },
      cmd.md,
    );
    if (cmd.out) ctx.err(`Records appended to ${cmd.out} (tags.benchRun = ${runId})`);
    return s.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await closeHosts(ctx, [host]);
  }
}
