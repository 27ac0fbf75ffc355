/**
 * The migration benchmark (v0.2 §4, v0.4 §4): memhog containers moved between two hosts
 * with migrateContainer, there and back (the move back is measured too and tidies up), N
 * repetitions, with the downtime, the time of each phase and the bytes moved. After each
 * stop-and-copy move A -> B, the checkpoint folder the source kept is moved again by hand,
 * timed alone, so Cryo's transfer throughput can be held against the raw pipe
 * (raw-pipe, raw-pipe-nogzip, cryo-pipe: see ./migration/pipes.ts).
 *
 * Every record is a MigrationRecord (a raw pipe is one whose only phase is `transfer`),
 * tagged {scenario:'migration', benchRun, sizeMb, dirtyPct, rep, method, route, direction,
 * folderBytes} plus the source host's facts (hostFactTags) and the target's kernel and CRIU.
 * method is what happened: 'precopy' (pre-dump rounds shipped while running), 'stopcopy',
 * or a pipe method.
 *
 * This file is the public entry; the pieces live in ./migration/:
 *   params.ts         methods, options and result, container and route names
 *   run.ts            the A -> B -> A loop, one measured move, clean-up
 *   pipes.ts          the checkpoint folder copied again by raw and Cryo pipes, timed alone
 *   rows.ts           table rows from records (pure), read through recordFigures.ts
 *   ratios.ts         the ratios the goals are judged on (pure)
 *   summary.ts        the tables, goals and notes of a run (pure)
 *   format.ts         table cells and progress lines
 * The tables and goals shared with the pre-dump and chain benchmarks are in ./tables.ts.
 */
export { MOVE_METHODS, PIPE_METHODS, migrationBenchPrefix, routeLabel, type MigrationBenchMethod, type MigrationBenchOptions, type MigrationBenchResult, type MoveMethod, type PipeMethod } from './migration/params.js';
export { removeWorkDirs, runMigrationBench } from './migration/run.js';
export { pipeEndOf, plainSshArgv, rawPipeLine, type PipeEnd } from './migration/pipes.js';
export { THROUGHPUT_METHODS, codecsOf, methodLabel, summarizeMoves, summarizeThroughput, type BenchRowKey, type MoveRow, type ThroughputRow } from './migration/rows.js';
export { downtimeRatio, throughputRatio } from './migration/ratios.js';
export { summarizeMigrationBench, type MigrationSummary } from './migration/summary.js';
export { goalLine, judge, renderTablesMarkdown, renderTablesText, secsSummary, type BenchGoal, type BenchTable } from './tables.js';
