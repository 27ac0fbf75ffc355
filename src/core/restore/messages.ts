import type { RestoreRecord } from '../records.js';
import type { TargetForm } from './restorability.js';

/** The restore notice: says when the container was recreated and what changed. */
export function restoredMessage(r: RestoreRecord): string {
  const head = `${r.container} restored from ${r.checkpointName} in ${(r.wallMs / 1000).toFixed(2)} s`;
  if (!r.recreated) return `${head}.`;
  return `${head} by recreating it (Docker here cannot restore it in place): ${r.recreated.changes.join('; ')}.`;
}

/** The migrate confirmation's line on how the target is created, or undefined for a plain target. */
export function targetFormLine(form: TargetForm, target: string): string | undefined {
  if (form.form === 'plain') return undefined;
  if (form.form === 'refused') return `Cannot migrate to ${target}: ${form.reason}`;
  return `On ${target} the container is created so that its restore works (${form.why}): ${form.changes.join('; ')}.`;
}
