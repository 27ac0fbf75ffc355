// Benchmark scenarios: each a parameterised, cancellable run over a host, plus a pure
// summary of its records; the registry is what the CLI and the extension offer.
export * from './types.js';
export { COMMON_FLAGS, defineScenario, ScenarioParamError } from './params.js';
export { BenchSession, benchNamePrefix } from './session.js';
export { latestRunId, renderSummaryMarkdown, renderSummaryText, selectRun } from './summary.js';
export { findScenario, SCENARIO_NAMES, SCENARIOS, summarizeLatest } from './registry.js';
export { runSizeSweep, type SizeSweepParams } from './sizeSweep.js';
export { runPairwise, type PairwiseParams } from './pairwise.js';
export { runNway, type NwayParams } from './nway.js';
export { runProcesses, type ProcessesParams } from './processes.js';
export { runDirty, UNTOUCHED, type DirtyMode, type DirtyParams } from './dirty.js';
export { runStorage, storageTmpfsDir, TMPFS_PARENT, type StorageParams } from './storage.js';
export { runEngines, type EnginesParams } from './engines.js';
export { runScheduler, type PolicySpec, type SchedulerParams } from './scheduler.js';
export { SCHEDULER_GOALS } from './schedulerSummary.js';
export { runApps, type AppsParams } from './apps.js';
export { APPS_SCENARIO, SEED_001, summarizeApps } from './appsSummary.js';
