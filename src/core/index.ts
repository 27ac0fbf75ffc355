// The core's public surface: what the extension, the CLI and the tests use.
export * from './names.js';
export * from './records.js';
export * from './probe/capabilities.js';
export * from './host/dockerHost.js';
export * from './host/listing.js';
export * from './ops/checkpoint.js';
export * from './ops/restore.js';
export * from './ops/resolve.js';
export * from './store/resultsStore.js';
export * from './stats/criuStats.js';
export * from './engines/engine.js';
export { LocalRunner } from './exec/localRunner.js';
export type { CommandRunner, RunOptions, RunResult } from './exec/runner.js';
