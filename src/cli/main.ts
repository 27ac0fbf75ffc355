import { DockerHost, setLockClientName } from '../core/index.js';
import { parseCommandLine, USAGE, UsageError, type CliCommand } from './args.js';
import { benchEnginesCommand, benchScenarioCommand, benchUsage, parseBenchScenario, type BenchScenarioCommand } from './commands/bench.js';
import { MIGRATION_BENCH_USAGE, migrationBenchCommand, parseMigrationBenches, type MigrationBenchCommand } from './commands/benchMigrationSuite.js';
import { checkpointCommand } from './commands/checkpoint.js';
import { lsCommand } from './commands/ls.js';
import { migrateCommand } from './commands/migrate.js';
import { periodicCommand } from './commands/periodic.js';
import { probeCommand } from './commands/probe.js';
import { parseReport, REPORT_USAGE, reportCommand, type ReportCommand } from './commands/report.js';
import { restoreCommand } from './commands/restore.js';
import { EXIT, type CliContext, type ExitCode } from './context.js';

/** `cryo`: the core without VS Code. Parses, wires Ctrl-C to an AbortSignal, maps outcomes to exit codes. */
async function main(argv: readonly string[]): Promise<ExitCode> {
  setLockClientName('cryo CLI'); // named in "Container X is busy: … by cryo CLI pid N"
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  let command: CliCommand | BenchScenarioCommand | ReportCommand | MigrationBenchCommand;
  try {
    // The benchmark scenarios and report parse their own flags; everything else goes through args.ts.
    // --help anywhere prints the whole usage, whichever parser the command word belongs to.
    const help = argv.includes('--help') || argv.includes('-h');
    command = help ? { cmd: 'help' } : (parseMigrationBenches(argv) ?? parseBenchScenario(argv) ?? parseReport(argv) ?? parseCommandLine(argv));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`cryo: ${e.message}\n\n${usage()}`);
    return EXIT.usage;
  }
  if (command.cmd === 'help') {
    out(usage());
    return EXIT.ok;
  }
  if (command.cmd === 'report') {
    return reportCommand({ out, err }, command).catch((e: unknown) => {
      err(`cryo: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT.failed;
    });
  }

  let host: DockerHost;
  try {
    host = command.host ? DockerHost.local(command.host, command.host) : DockerHost.local();
  } catch (e) {
    err(`cryo: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.usage;
  }

  const abort = new AbortController();
  const cleanups: (() => void)[] = [];
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts === 1) {
      err('cryo: cancelling after the current step (a dump in progress is not interrupted); Ctrl-C again to force');
      abort.abort();
      return;
    }
    err('cryo: forced exit, removing benchmark containers');
    for (const c of cleanups) c();
    process.exit(EXIT.failed);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx: CliContext = { host, out, err, signal: abort.signal, onForcedExit: (c) => cleanups.push(c) };

  try {
    switch (command.cmd) {
      case 'probe':
        return await probeCommand(ctx, command);
      case 'checkpoint':
        return await checkpointCommand(ctx, command);
      case 'restore':
        return await restoreCommand(ctx, command);
      case 'ls':
        return await lsCommand(ctx, command);
      case 'migrate':
        return await migrateCommand(ctx, command);
      case 'periodic':
        return await periodicCommand(ctx, command);
      case 'bench-engines':
        return await benchEnginesCommand(ctx, command);
      case 'bench-scenario':
        return await benchScenarioCommand(ctx, command);
      case 'bench-migration':
      case 'bench-predump':
      case 'bench-chain':
        return await migrationBenchCommand(ctx, command);
    }
  } catch (e) {
    const cancelled = e instanceof Error && e.name === 'AbortError';
    err(cancelled ? 'cryo: cancelled' : `cryo: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function usage(): string {
  return `${USAGE}\n\nMore commands:\n${REPORT_USAGE}\n\n${benchUsage()}\n\n${MIGRATION_BENCH_USAGE}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cryo: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.failed;
  },
);
