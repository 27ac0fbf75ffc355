import type { DockerHost } from '../core/index.js';

/** What every command gets: the host, where to write, and the Ctrl-C signal. */
export interface CliContext {
  host: DockerHost;
  /** Results and tables (stdout). */
  out: (text: string) => void;
  /** Progress and diagnostics (stderr), so stdout stays clean for pipes. */
  err: (text: string) => void;
  signal: AbortSignal;
  /** A command registers what a second Ctrl-C must still undo before the process exits. */
  onForcedExit: (cleanup: () => void) => void;
}

/** Exit codes: 0 ok, 1 the operation failed or was cancelled, 2 usage error, 3 a migration failed and the container runs on neither host. */
export const EXIT = { ok: 0, failed: 1, usage: 2, stranded: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Left-aligned columns for terminal listings. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
