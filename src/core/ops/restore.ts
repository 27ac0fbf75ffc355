import { readCheckpointOptions } from '../criu/optionsFile.js';
import { describeCriuOptions } from '../criu/options.js';
import { criuConfigFileOf, recoverStaleRuncConf, withRuncConf } from '../criu/runcConf.js';
import { deleteCheckpoint as apiDelete, listCheckpoints, startFromCheckpoint } from '../docker/checkpointApi.js';
import { diagnoseCriu, type CriuDiagnosis } from '../criu/diagnose.js';
import { logPathsIn, readCriuExplanation, type CriuExplanation } from '../engines/criuLog.js';
import { dockerCheckpointDir, withCriuReason } from '../engines/engine.js';
import { abortError } from '../exec/localRunner.js';
import { withContainerLock } from '../guard/containerLock.js';
import type { DockerHost } from '../host/dockerHost.js';
import { acquireHostLock } from '../host/hostLock.js';
import { assertValidName } from '../names.js';
import { newRecordId, outcomeOf, type RestoreRecord } from '../records.js';
import { clearStaleCheckpointBlob, clearStaleRuncState, daemonWentAway, interruptedRestoreMessage, staleCheckpointDigest } from '../restore/interrupted.js';
import { recreatedRestore, routeForRestore } from '../restore/route.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { UnavailableError } from './checkpoint.js';
import { NotFoundError, resolveContainer } from './resolve.js';
import { giveBackRestartPolicy, heldRestartPolicy } from './restartPolicy.js';

const CTRD_WINDOW_LOCK = 'containerd-restore-window';
/** Restores on one host queue for the window; a 1 GB restore takes ~15 s here. */
const CTRD_WINDOW_WAIT_MS = 15 * 60_000;

export class RestoreFailedError extends Error {
  constructor(
    message: string,
    readonly criuReason?: string,
    /** The decisive cause and its remedy (criu/diagnose.ts), e.g. Docker 28's restore bug. */
    readonly diagnosis?: CriuDiagnosis,
  ) {
    super(withCriuReason(message, criuReason, diagnosis));
    this.name = 'RestoreFailedError';
  }
}

/** Docker restores only into a stopped container. */
export function assertStopped(c: { name: string; running: boolean }): void {
  if (c.running) throw new UnavailableError(`Container ${c.name} is running: stop it first (a restore starts a stopped container).`);
}

async function requireCheckpoint(host: DockerHost, containerId: string, containerName: string, name: string): Promise<void> {
  const names = await listCheckpoints(host.docker.getContainer(containerId));
  if (!names.includes(name)) {
    throw new NotFoundError(`Container ${containerName} has no checkpoint named ${name}${names.length ? ` (it has: ${names.join(', ')})` : ''}.`);
  }
}

/**
 * Restores a stopped container from one of its checkpoints (docker start --checkpoint),
 * then removes the copy containerd 1.6 leaves in /tmp/ctrd-checkpoint* after each restore.
 */
export function restoreContainer(
  host: DockerHost,
  ref: string,
  name: string,
  opts: { signal?: AbortSignal; tags?: RestoreRecord['tags'] } = {},
  store?: ResultsStore,
): Promise<RestoreRecord> {
  return withContainerLock(host, ref, 'restore', () => restoreUnlocked(host, ref, name, opts, store), opts.signal ? { signal: opts.signal } : {});
}

async function restoreUnlocked(
  host: DockerHost,
  ref: string,
  name: string,
  opts: { signal?: AbortSignal; tags?: RestoreRecord['tags'] },
  store?: ResultsStore,
): Promise<RestoreRecord> {
  assertValidName('checkpoint', name);
  const c = await resolveContainer(host, ref);
  await requireCheckpoint(host, c.id, c.name, name);
  assertStopped(c);
  // Docker 28+ cannot restore most containers in place: those are recreated (restore/recreate.ts).
  const route = await routeForRestore(host, c);
  if (opts.signal?.aborted) throw abortError();

  // The options the checkpoint was made with (kept in its folder) go to CRIU through runc.conf;
  // a runc.conf that a crashed Cryo left changed is put back before this restore reads it.
  const ctx = await host.engineContext();
  // containerd leaves a copy in /tmp/ctrd-checkpoint* that only a before/after look can
  // attribute: one restore at a time per host has that window, so none deletes another's copy.
  const ctrdWindow = await acquireHostLock(host, CTRD_WINDOW_LOCK, { waitMs: CTRD_WINDOW_WAIT_MS, holder: `restore of ${c.name}`, ...(opts.signal ? { signal: opts.signal } : {}) });
  const [leaksBefore, criu] = await Promise.all([containerdLeftovers(host), readCheckpointOptions(host.runner, dockerCheckpointDir(ctx, c.id, name)), recoverStaleRuncConf(host)]).catch(async (e: unknown) => {
    await ctrdWindow.release();
    throw e;
  });
  const started = new Date();
  const t0 = performance.now();
  const base = { kind: 'restore' as const, id: newRecordId(started), host: host.name, container: c.name, containerId: c.id, checkpointName: name, startedAt: started.toISOString(), ...(criu ? { criu } : {}), ...(opts.tags ? { tags: opts.tags } : {}) };
  let record: RestoreRecord;
  // Read before the start: a restore that recreates the container takes its folder away.
  const held = await heldRestartPolicy(host, c.id);
  let runcConfMs: number | undefined;
  // Only Docker's start reads runc.conf: the change is held for that and no longer.
  const conf = criuConfigFileOf(c.inspect);
  if (criu && conf === null) throw new UnavailableError(`Container ${c.name} has an empty org.criu.config annotation: runc gives CRIU no config file, so the options checkpoint ${name} was made with (${describeCriuOptions(criu)}) cannot reach its restore. Remove the annotation, or point it to a file.`);
  const start = (id: string) => withRuncConf(host, criu, () => startWithRetry(host, id, name, c.name, opts.tags?.['migration'] !== undefined), { ...(conf ? { conf } : {}), onTiming: (t) => (runcConfMs = t.applyMs + t.putBackMs) });
  try {
    // What a restore interrupted by the daemon's death left in runc's state (restore/interrupted.ts).
    if (route.route !== 'recreate') await clearStaleRuncState(host.runner, c.id, c.name);
    if (route.route === 'recreate') {
      const recreated = await recreatedRestore(host, c, name, start, route, opts.signal);
      record = { ...base, containerId: recreated.newId, recreated: { oldId: c.id, changes: recreated.changes, stepsMs: recreated.stepsMs }, wallMs: performance.now() - t0, outcome: 'ok' };
    } else {
      await start(c.id);
      record = { ...base, wallMs: performance.now() - t0, outcome: 'ok' };
    }
    if (runcConfMs !== undefined) record.runcConfMs = runcConfMs;
    // Running from its checkpoint again: dockerd may restart it from now on, as its owner asked.
    // A failure here must not turn a running restore into a failed one: the note stays on the
    // host and the next restore gives the policy back.
    const given = held && (await giveBackRestartPolicy(host, c.id, held, record.containerId).catch(() => undefined));
    if (given) record.restartPolicyGivenBack = given;
  } catch (e) {
    record = { ...base, wallMs: performance.now() - t0, ...outcomeOf(e) };
    await store?.append(record);
    throw e;
  } finally {
    await removeNewLeftovers(host, leaksBefore).finally(() => ctrdWindow.release());
  }
  await store?.append(record);
  return record;
}

/**
 * containerd sometimes answers "content sha256:... already exists" to a restore right after
 * a checkpoint; the same start succeeds when tried again (seen on these hosts).
 */
async function startWithRetry(host: DockerHost, id: string, name: string, containerName: string, migration: boolean): Promise<void> {
  let cleared = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await startFromCheckpoint(host.docker.getContainer(id), name);
      return;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (attempt < 3 && /already exists/.test(message)) continue;
      // Still there after the retries: the blob of a restore dockerd died in (restore/interrupted.ts).
      const digest = staleCheckpointDigest(message);
      if (digest && !cleared) {
        const ctx = await host.engineContext();
        await clearStaleCheckpointBlob(host.runner, ctx.dockerRootDir, dockerCheckpointDir(ctx, id, name), digest);
        cleared = true;
        continue;
      }
      if (daemonWentAway(message)) throw new RestoreFailedError(interruptedRestoreMessage(host.endpoint, containerName, name, message, { migration }));
      // A CRIU restore can fail on a transient shortage (memory on a small host under load);
      // the checkpoint is untouched by the failure, so one more try costs only time.
      if (attempt < 2 && /criu failed: type RESTORE/.test(message)) continue;
      let why: CriuExplanation | undefined;
      for (const path of logPathsIn(message)) why ??= await readCriuExplanation(host.runner, path);
      // Docker's own refusals (its restore bug) are in its message, not in a CRIU log.
      const diagnosis = why?.diagnosis ?? diagnoseCriu(message);
      const hint = why || diagnosis ? '' : ' (Docker deletes CRIU\'s restore.log on failure; run the restore again with dockerd --debug to keep details)';
      throw new RestoreFailedError(`Restore of ${name} failed: ${message.split('\n')[0]}${hint}`, why?.reason, diagnosis);
    }
  }
}

async function containerdLeftovers(host: DockerHost): Promise<Set<string>> {
  const r = await host.runner.run(['find', '/tmp', '-mindepth', '1', '-maxdepth', '1', '-name', 'ctrd-checkpoint*'], { privileged: true, timeoutMs: 10_000 });
  return new Set(r.stdout.split('\n').filter(Boolean));
}

async function removeNewLeftovers(host: DockerHost, before: Set<string>): Promise<void> {
  const now = await containerdLeftovers(host);
  const fresh = [...now].filter((p) => !before.has(p));
  if (fresh.length) await host.runner.run(['rm', '-rf', '--', ...fresh], { privileged: true, timeoutMs: 60_000 });
}

export function deleteCheckpoint(host: DockerHost, ref: string, name: string): Promise<void> {
  return withContainerLock(host, ref, 'delete checkpoint', () => deleteUnlocked(host, ref, name));
}

async function deleteUnlocked(host: DockerHost, ref: string, name: string): Promise<void> {
  assertValidName('checkpoint', name);
  const c = await resolveContainer(host, ref);
  await requireCheckpoint(host, c.id, c.name, name);
  await apiDelete(host.docker.getContainer(c.id), name);
}
