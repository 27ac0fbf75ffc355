import type { CliContext, ExitCode } from '../context.js';
import { BENCH_CHAIN_USAGE, benchChainCommand, parseBenchChain, type BenchChainCommand } from './benchChain.js';
import { BENCH_MIGRATION_USAGE, benchMigrationCommand, parseBenchMigration, type BenchMigrationCommand } from './benchMigration.js';
import { BENCH_PREDUMP_USAGE, benchPredumpCommand, parseBenchPredump, type BenchPredumpCommand } from './benchPredump.js';

/**
 * The benchmarks that span hosts (migration, pre-dump and chains on the VM): one entry
 * for main.ts to parse and dispatch; each lives in its own command file.
 */
export type MigrationBenchCommand = BenchMigrationCommand | BenchPredumpCommand | BenchChainCommand;

export const MIGRATION_BENCH_USAGE = `Benchmarks across hosts (hosts by name: local, host-b, host-c, vm, vm-b):
${BENCH_MIGRATION_USAGE}
${BENCH_PREDUMP_USAGE}
${BENCH_CHAIN_USAGE}`;

/** `cryo bench migration|predump|chain ...`, or undefined for any other command. */
export function parseMigrationBenches(argv: readonly string[]): MigrationBenchCommand | undefined {
  return parseBenchMigration(argv) ?? parseBenchPredump(argv) ?? parseBenchChain(argv);
}

export function migrationBenchCommand(ctx: CliContext, cmd: MigrationBenchCommand): Promise<ExitCode> {
  switch (cmd.cmd) {
    case 'bench-migration':
      return benchMigrationCommand(ctx, cmd);
    case 'bench-predump':
      return benchPredumpCommand(ctx, cmd);
    case 'bench-chain':
      return benchChainCommand(ctx, cmd);
  }
}
