import { diagnoseCriu, type CriuDiagnosis } from '../criu/diagnose.js';
import type { CommandRunner } from '../exec/runner.js';

/** CRIU logs are long; the lines with "Error" (and what follows them) say why it failed. */
export function extractCriuErrors(log: string, max = 6): string {
  const lines = log.split('\n');
  const errors = lines.filter((l) => /\bError\b|\berror\b|\bfailed\b|Can't|Unable/i.test(l) && !/^\s*$/.test(l));
  return errors
    .slice(-max)
    .map((l) => l.replace(/^\(\d+\.\d+\)\s*/, '').trim())
    .join('\n');
}

/** Log paths the daemon names in its error text ("log file: /x/criu-dump.log"). */
export function logPathsIn(message: string): string[] {
  return [...message.matchAll(/(\/[\w./@+-]+\.log)\b/g)].map((m) => m[1]!);
}

/** Why CRIU failed: the decisive line (or its last error lines when no cause is known) and the diagnosis. */
export interface CriuExplanation {
  reason: string;
  diagnosis?: CriuDiagnosis;
}

/** Reads a CRIU log on the host and explains it, or undefined if it is gone (Docker deletes some). */
export async function readCriuExplanation(runner: CommandRunner, path: string): Promise<CriuExplanation | undefined> {
  const r = await runner.run(['cat', '--', path], { privileged: true, timeoutMs: 10_000 });
  if (r.exitCode !== 0) return undefined;
  const diagnosis = diagnoseCriu(r.stdout);
  const reason = diagnosis && diagnosis.code !== 'unknown' ? diagnosis.decisiveLine : extractCriuErrors(r.stdout);
  if (!reason) return undefined;
  return diagnosis ? { reason, diagnosis } : { reason };
}

/** The reason text alone (see readCriuExplanation). */
export async function readCriuErrors(runner: CommandRunner, path: string): Promise<string | undefined> {
  return (await readCriuExplanation(runner, path))?.reason;
}
