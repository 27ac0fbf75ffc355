import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { bench, ResultsStore } from '../../core/index.js';
import { UsageError } from '../args.js';
import { EXIT, seconds, type CliContext, type ExitCode } from '../context.js';

export interface BenchEnginesOptions {
  sizesMb: number[];
  reps: number;
  warmup: number;
  settleMs: number;
  methods?: bench.BenchMethod[];
  out?: string;
  md?: string;
  dockerCli?: string;
  runcRoot?: string;
}

/** `cryo bench engines`: progress on stderr, the table of medians and the goal ratios on stdout. */
export async function benchEnginesCommand(ctx: CliContext, opts: BenchEnginesOptions): Promise<ExitCode> {
  const runId = bench.newBenchRunId();
  const dockerCli = opts.dockerCli ?? bench.DEFAULT_DOCKER_CLI;
  ctx.onForcedExit(() => forceRemove(dockerCli, ctx.host.endpoint, bench.benchContainerName(runId, 0).replace(/0mb$/, '')));
  const started = new Date();
  const result = await bench.runEnginesBench(ctx.host, {
    sizesMb: opts.sizesMb,
    reps: opts.reps,
    warmup: opts.warmup,
    settleMs: opts.settleMs,
    runId,
    ...(opts.methods ? { methods: opts.methods } : {}),
    dockerCli,
    signal: ctx.signal,
    ...(opts.runcRoot ? { runcRoot: opts.runcRoot } : {}),
    ...(opts.out ? { store: new ResultsStore(opts.out) } : {}),
    onProgress: (e) => {
      if (e.type === 'container') return ctx.err(`${e.sizeMb} MB: ${e.name} resident after ${seconds(e.residentMs)}`);
      const r = e.measurement.record;
      const what = r.outcome === 'ok' ? `${seconds(r.wallMs)}${e.measurement.callMs !== undefined ? ` (call ${seconds(e.measurement.callMs)})` : ''}` : `${r.outcome}: ${r.error ?? ''}`;
      ctx.err(`${e.sizeMb} MB ${e.warmup ? 'warm-up' : 'rep'} ${e.rep} ${e.measurement.method}: ${what}`);
    },
  });
  const rows = bench.summarizeRuns(result.measurements);
  const ratios = bench.goalRatios(rows, result.sizesMb.includes(256) ? 256 : result.sizesMb[0], result.measurements);
  ctx.out(bench.renderText(rows, ratios));
  if (opts.md) {
    const about = {
      title: 'Checkpoint engines: Docker CLI vs Cryo vs raw runc',
      lines: [
        `Run ${result.runId}, ${started.toISOString()}: memhog containers (dirty 0 %/s), leave-running, ${result.reps} repetitions${opts.warmup ? ` after ${opts.warmup} warm-up` : ''}.`,
        `Host: ${bench.describeHostFacts(result.facts)}.`,
        '"wall" is the command (docker-cli, raw-runc) or the engine step recorded by Cryo (wallMs); "call" is the whole checkpointContainer() call.',
        `Each run starts after \`sync\` and a ${opts.settleMs} ms pause. Medians (min–max) in seconds; image = median checkpoint size on disk (du -sb). Shared host: figures are noisy.`,
      ],
    };
    await mkdir(dirname(opts.md), { recursive: true });
    await writeFile(opts.md, bench.renderMarkdown(rows, ratios, about), 'utf8');
    ctx.err(`Markdown table written to ${opts.md}`);
  }
  if (opts.out) ctx.err(`Records appended to ${opts.out} (tags.benchRun = ${result.runId})`);
  return rows.some((r) => r.failed > 0) ? EXIT.failed : EXIT.ok;
}

/** Second Ctrl-C: no time for the orderly finally blocks, so remove this run's containers synchronously. */
function forceRemove(dockerCli: string, endpoint: string, namePrefix: string): void {
  const ps = spawnSync(dockerCli, ['-H', endpoint, 'ps', '-aq', '--filter', `name=${namePrefix}`], { encoding: 'utf8', timeout: 15_000 });
  const ids = (ps.stdout ?? '').split('\n').filter(Boolean);
  if (ids.length) spawnSync(dockerCli, ['-H', endpoint, 'rm', '-f', ...ids], { stdio: 'ignore', timeout: 60_000 });
}

// ---- every other scenario (src/core/bench/scenarios), parsed here from each scenario's own flags ----

/** `cryo bench <scenario>` for the registered scenarios; `bench engines` keeps its own flags (args.ts). */
export interface BenchScenarioCommand {
  cmd: 'bench-scenario';
  host?: string;
  prepared: bench.PreparedScenario;
  out?: string;
  md?: string;
}

type Options = NonNullable<ParseArgsConfig['options']>;

const OWN: Options = { host: { type: 'string' }, help: { type: 'boolean', short: 'h' }, out: { type: 'string' }, md: { type: 'string' } };

function allScenarioOptions(): Options {
  const o: Options = { ...OWN };
  for (const s of bench.SCENARIOS) for (const f of s.flags) o[f.name] = { type: 'string' };
  return o;
}

/** The usage of every scenario, generated from the registry: each one's own flags, then the common ones once. */
export function benchUsage(): string {
  const common = new Set(bench.COMMON_FLAGS.map((f) => f.name));
  const flag = (f: bench.FlagSpec) => `      --${`${f.name} ${f.value}`.padEnd(34)} ${f.describe}`;
  const lines = ['Benchmark scenarios: cryo bench <scenario> [--out F.jsonl] [--md F.md] [flags]'];
  for (const s of bench.SCENARIOS) {
    if (s.name === 'engines') continue;
    lines.push(`  ${s.name.padEnd(11)} ${s.title} (${s.reproduces})`, ...s.flags.filter((f) => !common.has(f.name)).map(flag));
  }
  lines.push('  Every scenario also takes:', ...bench.COMMON_FLAGS.map(flag));
  lines.push("  Ctrl-C cancels after the current checkpoint and removes the run's containers (cryo-bench-<scenario>-<run>-*).");
  return lines.join('\n');
}

/**
 * `cryo bench <scenario> ...` for every registered scenario but engines: undefined when argv
 * is some other command (args.ts parses those). Usage errors are UsageError.
 */
export function parseBenchScenario(argv: readonly string[]): BenchScenarioCommand | undefined {
  const options = allScenarioOptions();
  const loose = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true });
  if (loose.positionals[0] !== 'bench' || loose.positionals[1] === 'engines' || loose.values['help'] === true) return undefined;
  const name = loose.positionals[1];
  if (name === undefined) throw new UsageError(`bench: name a scenario (known: ${bench.SCENARIO_NAMES.join(', ')}).`);
  const scenario = bench.findScenario(name);
  if (!scenario) throw new UsageError(`Unknown benchmark "${name}" (known: ${bench.SCENARIO_NAMES.join(', ')}).`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`bench ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (parsed.positionals.length > 2) throw new UsageError(`bench ${name}: unexpected argument "${parsed.positionals[2]}".`);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const flags: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string' && !(k in OWN)) flags[k] = v;
  const host = typeof values['host'] === 'string' ? values['host'] : undefined;
  if (host !== undefined && !/^(unix:\/\/\/|tcp:\/\/)./.test(host)) throw new UsageError(`--host "${host}": use unix:///path or tcp://host:port.`);
  let prepared: bench.PreparedScenario;
  try {
    prepared = scenario.prepare(flags);
  } catch (e) {
    if (e instanceof bench.ScenarioParamError) throw new UsageError(e.message);
    throw e;
  }
  const out = typeof values['out'] === 'string' ? values['out'] : undefined;
  const md = typeof values['md'] === 'string' ? values['md'] : undefined;
  return { cmd: 'bench-scenario', ...(host ? { host } : {}), prepared, ...(out ? { out } : {}), ...(md ? { md } : {}) };
}

/** Runs one scenario: progress on stderr, the summary tables on stdout, records to --out. */
export async function benchScenarioCommand(ctx: CliContext, cmd: BenchScenarioCommand): Promise<ExitCode> {
  const runId = bench.newBenchRunId();
  const { prepared } = cmd;
  ctx.onForcedExit(() => {
    forceRemove(bench.DEFAULT_DOCKER_CLI, ctx.host.endpoint, bench.benchNamePrefix(prepared.scenario, runId));
    if (prepared.scenario === 'storage') spawnSync('umount', ['--', bench.storageTmpfsDir(runId)], { stdio: 'ignore', timeout: 30_000 });
  });
  ctx.err(`${prepared.scenario} (run ${runId}): ${prepared.description}; ${prepared.steps} measured steps`);
  const summary = await prepared.run(ctx.host, {
    runId,
    signal: ctx.signal,
    ...(cmd.out ? { store: new ResultsStore(cmd.out) } : {}),
    onProgress: (p) => ctx.err(`[${p.done}/${p.total}] ${p.message}`),
  });
  ctx.out(bench.renderSummaryText(summary));
  if (summary.facts) ctx.out(`\nHost: ${bench.describeHostFacts(summary.facts)}.`);
  if (cmd.md) {
    await mkdir(dirname(cmd.md), { recursive: true });
    await writeFile(cmd.md, bench.renderSummaryMarkdown(summary), 'utf8');
    ctx.err(`Markdown written to ${cmd.md}`);
  }
  if (cmd.out) ctx.err(`Records appended to ${cmd.out} (tags.benchRun = ${runId})`);
  return summary.failed > 0 ? EXIT.failed : EXIT.ok;
}
