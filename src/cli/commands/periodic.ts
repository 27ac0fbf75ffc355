import { formatBytes, ResultsStore, startPeriodic, type CriuOptions, type TickerEvent } from '../../core/index.js';
import { EXIT, seconds, type CliContext, type ExitCode } from '../context.js';

export interface PeriodicCommand {
  container: string;
  everyMs: number;
  keep: number;
  preDump: boolean;
  count?: number;
  maxFrozenMs?: number;
  criu?: CriuOptions;
  out?: string;
}

/** One stdout line per ticker event, time first so a log of a long run reads on its own. */
export function eventLine(e: TickerEvent): string {
  const t = e.at.toISOString();
  switch (e.kind) {
    case 'version': {
      const parts = [e.stats?.engine ? `${e.stats.engine} engine` : undefined, e.stats?.wallMs !== undefined ? seconds(e.stats.wallMs) : undefined, e.stats?.imageBytes !== undefined ? formatBytes(e.stats.imageBytes) : undefined];
      const cost = parts.filter(Boolean).join(', ');
      const deleted = e.deleted.length ? `; deleted ${e.deleted.join(', ')}` : '';
      const retention = e.retentionError ? `; could not delete ${e.retentionError}` : '';
      return `${t} version ${e.name}${cost ? ` (${cost})` : ''}${deleted}${retention}; keeping ${e.kept.length}`;
    }
    case 'skipped':
      if (e.busy) return `${t} skipped a tick: ${e.busy} (${e.skipped} skipped so far)`;
      return `${t} skipped a tick: ${e.busyWith} is still being made (${e.skipped} skipped so far)`;
    case 'failed':
      return `${t} failed${e.name ? ` ${e.name}` : ''}: ${e.error} (${e.consecutive} in a row)`;
    case 'stopped': {
      const s = e.summary;
      return `${t} stopped: ${s.message}; ${s.versions} versions, ${s.skipped} skipped, ${s.failed} failed`;
    }
  }
}

/** `cryo periodic`: runs the checkpoint ticker in the foreground until --count versions or Ctrl-C. */
export async function periodicCommand(ctx: CliContext, opts: PeriodicCommand): Promise<ExitCode> {
  const store = opts.out ? new ResultsStore(opts.out) : undefined;
  if (opts.maxFrozenMs) ctx.host.maxFrozenMs = opts.maxFrozenMs; // every version's dump is bounded by it
  const handle = await startPeriodic(
    ctx.host,
    opts.container,
    { everyMs: opts.everyMs, keep: opts.keep, preDump: opts.preDump, ...(opts.count !== undefined ? { count: opts.count } : {}), ...(opts.criu ? { criu: opts.criu } : {}) },
    { onEvent: (e) => ctx.out(eventLine(e)), ...(store ? { store } : {}) },
  );
  if (handle.preDumpUnavailable) ctx.err(`cryo: pre-dump is unavailable on this host (${handle.preDumpUnavailable}); making full dumps`);
  ctx.err(`cryo: a version of ${handle.container} every ${seconds(opts.everyMs)}, keeping ${opts.keep}; Ctrl-C stops after the current one`);
  // Ctrl-C is a clean stop: the version being made is finished, then the command ends.
  const onAbort = () => void handle.stop();
  if (ctx.signal.aborted) onAbort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const summary = await handle.done;
    return summary.reason === 'requested' || summary.reason === 'count' ? EXIT.ok : EXIT.failed;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
