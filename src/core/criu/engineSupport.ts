import type { CapabilityReport } from '../probe/capabilities.js';
import type { EngineId } from '../records.js';
import type { CriuDiagnosis } from './diagnose.js';
import { criuOptionInfo, criuOptionsRemedy, describeCriuOptions, hasCriuOptions, type CriuOptions } from './options.js';

/**
 * Why an engine cannot make a checkpoint with these CRIU options, or undefined when it can.
 * Docker's checkpoint API has no field for CRIU options (moby's CheckpointCreateOptions:
 * name, dir, exit), so only the runc engine can pass them.
 */
export function criuOptionsRefusal(engine: EngineId, criu: CriuOptions | undefined, report: Pick<CapabilityReport, 'engines'>): string | undefined {
  if (engine !== 'docker' || !hasCriuOptions(criu)) return undefined;
  const runc = report.engines.runc;
  return (
    `The docker engine cannot pass CRIU options (${describeCriuOptions(criu)}): Docker's checkpoint API has none. ` +
    (runc.ok ? 'Use the runc engine, which passes them to CRIU.' : `The runc engine could, but it is unavailable on this host: ${runc.reason ?? 'unknown reason'}.`)
  );
}

/**
 * Adds the remedy to a failed dump whose CRIU error asks for an option that was off
 * ("Connected TCP socket, consider using --tcp-established option."), in Cryo's words.
 */
export function withCriuOptionsRemedy(err: unknown, used: CriuOptions | undefined): unknown {
  if (!(err instanceof Error)) return err;
  // A diagnosed failure (criu/diagnose.ts) already carries its remedy in the message; it only
  // has to be corrected when the option it offers was on for this very dump.
  const diagnosis = (err as { diagnosis?: CriuDiagnosis }).diagnosis;
  if (diagnosis) {
    if (diagnosis.option && used?.[diagnosis.option] === true) {
      err.message = err.message.replace(diagnosis.remedy, `${criuOptionInfo(diagnosis.option).label} was already on for this checkpoint, so it is not what is missing; CRIU's log has the details.`);
    }
    return err;
  }
  const reason = (err as { criuReason?: unknown }).criuReason;
  const remedy = criuOptionsRemedy(typeof reason === 'string' ? reason : err.message, used);
  if (remedy && !err.message.includes(remedy)) err.message = `${err.message}\n${remedy}`;
  return err;
}
