import type { PreDumpRule } from '../../engines/preDump.js';
import { abortError, LocalRunner } from '../../exec/localRunner.js';
import type { DockerHost } from '../../host/dockerHost.js';
import { migrateContainer } from '../../migrate/migrate.js';
import type { MigrationRecord } from '../../migrate/types.js';
import { sizeOnDisk } from '../../ops/sizes.js';
import { newRecordId, outcomeOf } from '../../records.js';
import type { ResultsStore } from '../../store/resultsStore.js';
import { sleep } from '../../time.js';
import { newBenchRunId } from '../engines.js';
import { hostFactTags } from '../hostFacts.js';
import { removeContainer, startMemhog } from '../memhog.js';
import { balancedOrder } from '../order.js';
import { describeMove, describePipe, secs } from './format.js';
import { migrationBenchPrefix, MOVE_METHODS, PIPE_METHODS, routeLabel, type MigrationBenchOptions, type MigrationBenchResult, type MoveMethod } from './params.js';
import { timePipe } from './pipes.js';

/**
 * Runs the migration benchmark: for every size and dirty rate, a memhog container moved
 * A -> B and back B -> A (the move back is measured too and tidies up) or, with back: false,
 * removed on B and started afresh on A; `reps` times per method, methods in a balanced
 * order. After each stop-and-copy move A -> B the checkpoint folder A kept goes through the
 * pipes (./pipes.ts). Every record is tagged {scenario:'migration', benchRun, sizeMb,
 * dirtyPct, rep, method, route, direction, folderBytes} plus the source host's facts and
 * the target's kernel and CRIU. A failed move stops the run; its containers and the pipes'
 * scratch folder are removed whatever happens.
 */
export async function runMigrationBench(a: DockerHost, b: DockerHost, opts: MigrationBenchOptions): Promise<MigrationBenchResult> {
  const runId = opts.runId ?? newBenchRunId();
  const reps = opts.reps ?? 3;
  const dirtyPcts = [...(opts.dirtyPcts ?? [0])];
  const settleMs = opts.settleMs ?? 1000;
  const back = opts.back ?? true;
  const { signal } = opts;
  const say = opts.onProgress ?? (() => undefined);
  if (!opts.sizesMb.length || opts.sizesMb.some((s) => !Number.isInteger(s) || s < 1)) throw new RangeError('sizes must be whole MB, at least one');
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError('reps must be a whole number >= 1');

  const [capsA, capsB] = await Promise.all([a.capabilities(signal), b.capabilities(signal)]);
  for (const [h, c] of [
    [a, capsA],
    [b, capsB],
  ] as const) {
    if (!c.docker.ok) throw new Error(`${h.name}: Docker is unavailable: ${c.docker.reason ?? ''}`);
  }
  const bothPreDump = capsA.preDump.ok && capsB.preDump.ok;
  const methods = [...(opts.methods ?? (bothPreDump ? MOVE_METHODS : (['stopcopy'] as const)))];
  if (methods.includes('precopy') && !bothPreDump) {
    throw new Error(`pre-copy needs pre-dump on both hosts (moves go both ways): ${[capsA.preDump.ok ? '' : `${a.name}: ${capsA.preDump.reason ?? 'no'}`, capsB.preDump.ok ? '' : `${b.name}: ${capsB.preDump.reason ?? 'no'}`].filter(Boolean).join('; ')}`);
  }
  const facts = hostFactTags(capsA);
  const targetFacts = hostFactTags(capsB);
  const records: MigrationRecord[] = [];
  const local = new LocalRunner();
  const scratch = `${b.cryoStateDir}/bench/pipes-${runId}`;

  const settle = async () => {
    await Promise.all([a.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 }), b.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 })]);
    await sleep(settleMs, signal);
  };

  for (const sizeMb of opts.sizesMb) {
    for (const dirtyPct of dirtyPcts) {
      if (signal?.aborted) throw abortError();
      const name = `${migrationBenchPrefix(runId)}${sizeMb}mb-d${String(dirtyPct).replace('.', '_')}`;
      const base = { scenario: 'migration', benchRun: runId, sizeMb, dirtyPct, ...facts, targetKernel: targetFacts.hostKernel, targetCriu: targetFacts.hostCriu };
      let onA = false;
      const startOnA = async () => {
        const t0 = performance.now();
        await startMemhog(a, name, sizeMb, dirtyPct, signal);
        onA = true;
        say(`${sizeMb} MB, ${dirtyPct} %/s: ${name} resident on ${a.name} after ${secs(performance.now() - t0)}`);
      };
      try {
        for (let rep = 1; rep <= reps; rep++) {
          for (const method of balancedOrder(methods, rep - 1)) {
            if (!onA) await startOnA();
            // There: A -> B, then the pipes on the folder A kept, then back: B -> A (or a fresh container on A).
            const legs = back ? ([[a, b, 'there'], [b, a, 'back']] as const) : ([[a, b, 'there']] as const);
            for (const [from, to, direction] of legs) {
              if (signal?.aborted) throw abortError();
              await settle();
              const tags = { ...base, rep, method, route: routeLabel(from.name, to.name), direction };
              const rec = await move(from, to, name, method, tags, opts.store, opts.preDumpRule, signal);
              records.push(rec);
              say(`${sizeMb} MB ${dirtyPct} %/s rep ${rep} ${method} ${from.name} -> ${to.name}: ${describeMove(rec)}`);
              if (rec.outcome !== 'ok') throw new Error(`migration ${from.name} -> ${to.name} failed, stopping: ${rec.error ?? ''}`);
              const sourceId = String(rec.tags?.['sourceId']);
              const checkpoint = rec.tags?.['checkpoint'];
              if (direction === 'there' && method === 'stopcopy' && opts.pipes !== false && checkpoint !== undefined) {
                const folder = await checkpointFolder(from, sourceId, String(checkpoint));
                const folderBytes = Number(rec.tags?.['folderBytes']);
                for (const pm of balancedOrder(PIPE_METHODS, rep - 1)) {
                  await settle();
                  const pr = await timePipe(pm, from, to, folder, `${scratch}/${pm}-${rep}`, local, { ...tags, method: pm, folderBytes }, name, signal);
                  await opts.store?.append(pr);
                  records.push(pr);
                  say(`  ${pm}: ${describePipe(pr)}`);
                }
              }
              // The stopped source (and its checkpoint folder) goes; the container lives on the target.
              await removeContainer(from, sourceId);
              await removeWorkDirs(from, sourceId);
            }
            if (!back) {
              await removeContainer(b, name);
              onA = false;
            }
          }
        }
      } finally {
        await Promise.all([a, b].map((h) => removeContainer(h, name)));
        await b.runner.run(['rm', '-rf', '--', scratch], { privileged: true, timeoutMs: 120_000 });
      }
    }
  }
  return { runId, facts, targetFacts, methods, records };
}

/** One measured migration; a failure comes back as its record (the core has rolled back). */
async function move(
  from: DockerHost,
  to: DockerHost,
  name: string,
  method: MoveMethod,
  tags: Record<string, string | number | boolean>,
  store: ResultsStore | undefined,
  preDumpRule: PreDumpRule | undefined,
  signal?: AbortSignal,
): Promise<MigrationRecord> {
  const c = await from.docker.getContainer(name).inspect();
  let rec: MigrationRecord;
  try {
    // Recorded by the bench (below), not by the core: the folder size is known only afterwards.
    // The bench's own results file is the history pre-copy learns the target's restore rate from.
    rec = await migrateContainer(from, to, name, { precopy: method === 'precopy', tags, ...(store ? { history: store } : {}), ...(preDumpRule ? { preDumpRule } : {}), ...(signal ? { signal } : {}) });
  } catch (e) {
    const failed: MigrationRecord = {
      kind: 'migration', id: newRecordId(), host: from.name, source: from.name, target: to.name, container: name, startedAt: new Date().toISOString(),
      phasesMs: {}, bytes: { image: 0, filesystem: 0, checkpoint: 0 }, totalMs: 0, warnings: [], tags, ...outcomeOf(e),
    };
    await store?.append(failed);
    return failed;
  }
  if (method === 'precopy' && !rec.precopyRounds?.length) rec.warnings.push('pre-copy was asked for but no pre-dump round ran');
  const checkpoint = await checkpointOf(from, c.Id);
  const dir = checkpoint ? await checkpointFolder(from, c.Id, checkpoint) : undefined;
  // The core measured the folder right after the dump; du again only for records that lack it.
  const folderBytes = rec.folderBytes ?? (dir ? await sizeOnDisk(from, dir) : undefined);
  rec.tags = { ...tags, sourceId: c.Id, ...(checkpoint ? { checkpoint } : {}), ...(folderBytes !== undefined ? { folderBytes } : {}) };
  await store?.append(rec);
  return rec;
}

/** The checkpoint a migration left on the stopped source (Cryo names them cryo-mig-*). */
async function checkpointOf(host: DockerHost, id: string): Promise<string | undefined> {
  const names = await host.checkpointNames(id).catch(() => [] as string[]);
  return names.find((n) => n.startsWith('cryo-mig-'));
}

/** Where Docker keeps a container's checkpoint on that host: what the pipes copy and du measures. */
async function checkpointFolder(host: DockerHost, id: string, checkpoint: string): Promise<string> {
  return `${(await host.engineContext()).dockerRootDir}/containers/${id}/checkpoints/${checkpoint}`;
}

/** The runc engine keeps CRIU's log and stats per dump; for a removed bench container they are litter. */
export async function removeWorkDirs(host: DockerHost, id: string): Promise<void> {
  await host.runner.run(['find', `${host.cryoStateDir}/work`, '-mindepth', '1', '-maxdepth', '1', '-name', `${id.slice(0, 12)}-*`, '-exec', 'rm', '-rf', '--', '{}', '+'], { privileged: true, timeoutMs: 60_000 });
}
