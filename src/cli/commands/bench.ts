import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bench, ResultsStore } from '../../core/index.js';
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
