import type { RunRecord } from '../../records.js';
import { appsScenario } from './apps.js';
import { dirtyScenario } from './dirty.js';
import { enginesScenario } from './engines.js';
import { nwayScenario } from './nway.js';
import { pairwiseScenario } from './pairwise.js';
import { defineScenario } from './params.js';
import { processesScenario } from './processes.js';
import { schedulerScenario } from './scheduler.js';
import { sizeSweepScenario } from './sizeSweep.js';
import { storageScenario } from './storage.js';
import { latestRunId } from './summary.js';
import type { Scenario, ScenarioSummary } from './types.js';

/** Every benchmark scenario, in the order menus list them. */
export const SCENARIOS: readonly Scenario[] = [
  defineScenario(sizeSweepScenario),
  defineScenario(pairwiseScenario),
  defineScenario(nwayScenario),
  defineScenario(processesScenario),
  defineScenario(dirtyScenario),
  defineScenario(storageScenario),
  defineScenario(enginesScenario),
  defineScenario(schedulerScenario),
  defineScenario(appsScenario),
];

export const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((s) => s.name);

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** The summary of each scenario's newest run among the records (for docs and `cryo report`). */
export function summarizeLatest(records: readonly RunRecord[]): ScenarioSummary[] {
  return SCENARIOS.flatMap((s) => {
    const runId = latestRunId(records, s.name);
    return runId === undefined ? [] : [s.summarize(records, runId)];
  });
}
