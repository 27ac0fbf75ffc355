import type { CheckpointRecord, EngineId } from '../records.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { DEFAULT_COST_MODEL, expectedCostMs, fitCostModel, type CostModel } from './costModel.js';

const KEEP = 200;

/**
 * A host's recent checkpoint runs, for the scheduler's cost estimates: seeded once from
 * the results store, then fed by every run, so no estimate re-reads the whole file.
 */
export class CheckpointHistory {
  private runs: CheckpointRecord[] = [];
  private seeded = false;

  constructor(private readonly hostName: string) {}

  async seed(store?: ResultsStore): Promise<void> {
    if (this.seeded || !store) return;
    this.seeded = true;
    const past = (await store.readAll()).filter((r): r is CheckpointRecord => r.kind === 'checkpoint' && r.host === this.hostName);
    this.runs = [...past.slice(-KEEP), ...this.runs].slice(-KEEP);
  }

  add(record: CheckpointRecord): void {
    if (record.outcome !== 'ok') return;
    this.runs.push(record);
    if (this.runs.length > KEEP) this.runs.shift();
  }

  model(engine: EngineId): CostModel {
    const fitted = fitCostModel(this.runs, this.hostName, engine);
    return fitted.samples ? fitted : DEFAULT_COST_MODEL;
  }

  expectedMs(engine: EngineId, memoryBytes: number | undefined): number {
    return expectedCostMs(this.model(engine), memoryBytes);
  }
}
