import type { CheckpointRecord, RunRecord } from '../records.js';

/** Checkpoint time as a + b * memory, fitted on a host's past runs (least squares). */
export interface CostModel {
  fixedMs: number;
  msPerMiB: number;
  samples: number;
}

/** A cautious prior for a host with no history: ~0.25 s plus ~4 ms per MiB (runc here). */
export const DEFAULT_COST_MODEL: CostModel = { fixedMs: 250, msPerMiB: 4, samples: 0 };

export function fitCostModel(records: readonly RunRecord[], host: string, engine?: string): CostModel {
  const pts = records
    .filter((r): r is CheckpointRecord => r.kind === 'checkpoint' && r.outcome === 'ok' && r.host === host && (!engine || r.engine === engine) && r.memoryBytes !== undefined)
    .map((r) => ({ x: (r.memoryBytes ?? 0) / 2 ** 20, y: r.wallMs }));
  if (pts.length < 3) return DEFAULT_COST_MODEL;
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p.x, 0) / n;
  const my = pts.reduce((s, p) => s + p.y, 0) / n;
  const sxx = pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) return { fixedMs: my, msPerMiB: DEFAULT_COST_MODEL.msPerMiB, samples: n };
  const slope = pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  const b = Math.max(0, slope);
  return { fixedMs: Math.max(0, my - b * mx), msPerMiB: b, samples: n };
}

export function expectedCostMs(model: CostModel, memoryBytes: number | undefined): number {
  return model.fixedMs + model.msPerMiB * ((memoryBytes ?? 64 * 2 ** 20) / 2 ** 20);
}
