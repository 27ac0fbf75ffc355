import { bench, ResultsStore } from '../../core/index.js';
import { parseCount, parseSizes, UsageError } from '../args.js';
import { EXIT, type CliContext, type ExitCode } from '../context.js';
import { checkSizesFit, closeHosts, flag, forceRemoveOn, hostNamed, openHost, parseBenchFlags, parseChoice, parseDirty, parseYesNo, writeBenchOutput } from './benchHosts.js';

export const BENCH_MIGRATION_USAGE = `  bench migration [--hosts local,host-b] [--sizes 16,256,1024] [--dirty 0] [--reps 3]
                  [--methods precopy,stopcopy] [--pipes yes|no] [--back yes|no] [--precopy-max-rounds N]
                  [--settle-ms 1000] [--out F.jsonl] [--md F.md]
                                                 containers moved A -> B -> A: downtime, phases, bytes; after each
                                                 stop-and-copy A -> B the same checkpoint folder through raw tar|gzip|ssh
                                                 pipes, timed alone (goal: Cryo's transfer >= 0.8x the raw pipe);
                                                 with pre-dump on both hosts (--hosts vm,vm-b): pre-copy vs
                                                 stop-and-copy downtime (goal <= 0.3x)`;

export interface BenchMigrationCommand {
  cmd: 'bench-migration';
  host?: string;
  hosts: [string, string];
  sizesMb: number[];
  dirtyPcts: number[];
  reps: number;
  methods?: bench.MoveMethod[];
  pipes: boolean;
  back: boolean;
  precopyMaxRounds?: number;
  settleMs: number;
  out?: string;
  md?: string;
}

const OPTIONS = {
  hosts: { type: 'string' },
  sizes: { type: 'string' },
  dirty: { type: 'string' },
  methods: { type: 'string' },
  pipes: { type: 'string' },
  back: { type: 'string' },
  'precopy-max-rounds': { type: 'string' },
} as const;

export function parseBenchMigration(argv: readonly string[]): BenchMigrationCommand | undefined {
  const p = parseBenchFlags(argv, 'migration', OPTIONS);
  if (!p) return undefined;
  const v = p.values;
  const hosts = (flag(v, 'hosts') ?? 'local,host-b').split(',').map((s) => s.trim());
  if (hosts.length !== 2 || hosts[0] === hosts[1]) throw new UsageError('--hosts: name two different hosts, e.g. local,host-b or vm,vm-b.');
  hosts.forEach(hostNamed);
  const onVm = hosts.some((h) => hostNamed(h).maxSizeMb !== undefined);
  const sizesMb = parseSizes(flag(v, 'sizes') ?? (onVm ? '16,128,256' : '16,256,1024'));
  checkSizesFit(hosts, sizesMb);
  const methods = flag(v, 'methods');
  const maxRounds = flag(v, 'precopy-max-rounds');
  const out = flag(v, 'out');
  const md = flag(v, 'md');
  return {
    cmd: 'bench-migration',
    ...(p.host ? { host: p.host } : {}),
    hosts: [hosts[0]!, hosts[1]!],
    sizesMb,
    dirtyPcts: parseDirty(flag(v, 'dirty') ?? '0'),
    reps: parseCount('--reps', flag(v, 'reps') ?? '3', 1),
    ...(methods ? { methods: parseChoice('--methods', methods, bench.MOVE_METHODS) } : {}),
    pipes: parseYesNo('--pipes', flag(v, 'pipes'), true),
    back: parseYesNo('--back', flag(v, 'back'), true),
    ...(maxRounds ? { precopyMaxRounds: parseCount('--precopy-max-rounds', maxRounds, 1) } : {}),
    settleMs: parseCount('--settle-ms', flag(v, 'settle-ms') ?? '1000', 0),
    ...(out ? { out } : {}),
    ...(md ? { md } : {}),
  };
}

export async function benchMigrationCommand(ctx: CliContext, cmd: BenchMigrationCommand): Promise<ExitCode> {
  const runId = bench.newBenchRunId();
  const [a, b] = cmd.hosts.map((h) => openHost(ctx, h)) as [ReturnType<typeof openHost>, ReturnType<typeof openHost>];
  ctx.onForcedExit(() => cmd.hosts.forEach((h) => forceRemoveOn(ctx, h, bench.migrationBenchPrefix(runId))));
  const started = new Date();
  try {
    const rule = cmd.precopyMaxRounds !== undefined ? { ...bench.PREDUMP_RULES['predump-phaul']!, maxRounds: cmd.precopyMaxRounds } : undefined;
    ctx.err(`migration (run ${runId}): ${a.name} <-> ${b.name}, ${cmd.sizesMb.join('/')} MB at ${cmd.dirtyPcts.join('/')} %/s, ${cmd.reps} rep(s)`);
    const result = await bench.runMigrationBench(a, b, {
      sizesMb: cmd.sizesMb,
      dirtyPcts: cmd.dirtyPcts,
      reps: cmd.reps,
      ...(cmd.methods ? { methods: cmd.methods } : {}),
      pipes: cmd.pipes,
      back: cmd.back,
      ...(rule ? { preDumpRule: rule } : {}),
      settleMs: cmd.settleMs,
      runId,
      signal: ctx.signal,
      ...(cmd.out ? { store: new ResultsStore(cmd.out) } : {}),
      onProgress: (m) => ctx.err(m),
    });
    const s = bench.summarizeMigrationBench(result.records);
    await writeBenchOutput(
      ctx,
      {
        title: `Migration ${a.name} <-> ${b.name}`,
        about: [
          `Run ${runId}, ${started.toISOString()}: memhog ${cmd.sizesMb.join('/')} MB dirtying ${cmd.dirtyPcts.join('/')} %/s, ${cmd.reps} rep(s), methods ${result.methods.join(', ')}${rule ? ` (pre-copy rounds capped at ${rule.maxRounds})` : ''}${cmd.back ? ', every move there and back' : ', a fresh container for every move'}.`,
          `Source ${a.name}: ${bench.describeHostFacts(result.facts)}. Target ${b.name}: ${bench.describeHostFacts(result.targetFacts)}.`,
        ],
        ...s,
      },
      cmd.md,
    );
    if (cmd.out) ctx.err(`Records appended to ${cmd.out} (tags.benchRun = ${runId})`);
    return s.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await closeHosts(ctx, [a, b]);
  }
}
