import { formatBytes, migrateContainer, MigrationFailedError, phaseTitle, ResultsStore, type DockerHost, type MigrationPhase, type MigrationRecord, type SourceAfter, type TargetAfter } from '../../core/index.js';
import type { MigrateCommand } from '../args.js';
import { EXIT, seconds, type CliContext, type ExitCode } from '../context.js';
import { closeHosts, openHost } from './benchHosts.js';

/** The phases in the order a migration runs them: "[5/11] Checkpoint" on stderr. */
const PHASES: MigrationPhase[] = ['preflight', 'image', 'create', 'volumes', 'checkpoint', 'volume-changes', 'filesystem', 'transfer', 'restore', 'verify', 'cleanup'];

const SOURCE_WORDS: Record<SourceAfter, string> = {
  untouched: 'running as before (never frozen)',
  running: 'running (the freeze did not stop it)',
  restored: 'running again, restored from the migration checkpoint',
  stopped: 'STOPPED (kept with its checkpoint where one was made)',
};

const TARGET_WORDS: Record<TargetAfter, string> = {
  none: 'nothing was created',
  removed: 'the partial container was removed',
  left: 'a partial container is LEFT there (not running): remove it',
  running: 'the migrated container RUNS there',
  unknown: 'the host did not answer: check it',
};

/**
 * `cryo migrate`: the core's migrateContainer between two named hosts, phase by phase on
 * stderr, Ctrl-C as its AbortSignal. The last lines always say where the container is now;
 * the exit code says whether it runs somewhere (1) or nowhere (3) after a failure.
 */
export async function migrateCommand(ctx: CliContext, cmd: MigrateCommand): Promise<ExitCode> {
  const source = openHost(ctx, cmd.from);
  const target = openHost(ctx, cmd.to);
  const store = cmd.out ? new ResultsStore(cmd.out) : undefined;
  const t0 = performance.now();
  try {
    ctx.err(`Migrating ${cmd.container} from ${source.name} to ${target.name}: ${cmd.precopy ? 'pre-copy where the source can' : 'stop-and-copy'}, volumes ${cmd.volumes === 'copy' ? 'copied' : 'left'}, codec ${cmd.codec}${cmd.removeSource ? ', source removed after' : ''}`);
    const rec = await migrateContainer(
      source,
      target,
      cmd.container,
      {
        engine: cmd.engine,
        precopy: cmd.precopy,
        precopyFinish: cmd.precopyFinish,
        codec: cmd.codec,
        volumes: cmd.volumes,
        removeSource: cmd.removeSource,
        signal: ctx.signal,
        ...(cmd.targetName ? { targetName: cmd.targetName } : {}),
        ...(cmd.criu ? { criu: cmd.criu } : {}),
        onPhase: (p, codec) => ctx.err(`[${PHASES.indexOf(p) + 1}/${PHASES.length}] ${phaseTitle(p, codec)}… (${seconds(performance.now() - t0)})`),
      },
      store,
    );
    for (const w of rec.warnings) ctx.err(`warning: ${w}`);
    ctx.out(successLine(rec, source, target, cmd.removeSource));
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof MigrationFailedError)) throw e; // refused before anything happened: main prints it (exit 1)
    const how = e.cause instanceof Error && e.cause.name === 'AbortError' ? 'cancelled' : 'failed';
    ctx.err(`cryo: migration of ${cmd.container} ${how} at ${phaseTitle(e.phase, e.codec)}${how === 'failed' ? `: ${firstLine(e.cause)}` : ''}`);
    ctx.err(`  source on ${source.name}: ${SOURCE_WORDS[e.sourceState]}`);
    ctx.err(`  target on ${target.name}: ${TARGET_WORDS[e.targetState]}`);
    ctx.err(`  ${e.detail.split('\n').join('\n  ')}`);
    return runsSomewhere(e.sourceState, e.targetState) ? EXIT.failed : EXIT.stranded;
  } finally {
    await closeHosts(ctx, [source, target]);
  }
}

/** After a failure: is the container running on one of the hosts? */
export function runsSomewhere(source: SourceAfter, target: TargetAfter): boolean {
  return source !== 'stopped' || target === 'running';
}

function successLine(rec: MigrationRecord, source: DockerHost, target: DockerHost, removed: boolean): string {
  const moved = rec.bytes.image + rec.bytes.filesystem + rec.bytes.checkpoint + (rec.bytes.volumes ?? 0);
  const how = rec.precopyRounds?.length ? `pre-copy, ${rec.precopyRounds.length} round(s) while running` : 'stop-and-copy';
  return (
    `Migrated ${rec.container} from ${source.name} to ${target.name}: ${rec.targetContainer ?? rec.container} runs on ${target.name}; ` +
    `downtime ${seconds(rec.downtimeMs ?? 0)}, total ${seconds(rec.totalMs)}, ${formatBytes(moved)} moved (${how}${rec.codec ? `, ${rec.codec}` : ''}). ` +
    (removed ? `The source was removed from ${source.name}.` : `The source is kept, stopped, on ${source.name}.`)
  );
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
