import { criuOptionsRefusal } from '../criu/engineSupport.js';
import type { CriuOptions } from '../criu/options.js';
import { listCheckpoints } from '../docker/checkpointApi.js';
import { withContainerLock } from '../guard/containerLock.js';
import type { DockerHost } from '../host/dockerHost.js';
import { checkpointContainer, UnavailableError } from '../ops/checkpoint.js';
import { NotFoundError, resolveContainer } from '../ops/resolve.js';
import { deleteCheckpoint } from '../ops/restore.js';
import { assertRestorable } from '../restore/assess.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { validatePlan, type PeriodicPlan } from './plan.js';
import { CheckpointTicker, type TickerOps, type TickerOptions, type TickerSummary } from './ticker.js';

/**
 * The ticker's operations on a real host. Every version goes through checkpointContainer,
 * so it waits its turn in the host's scheduler (seed 002's checkpoint queue) like any other
 * checkpoint, and is appended to the store whether it worked or not.
 */
export function dockerTickerOps(host: DockerHost, containerId: string, opts: { preDump: boolean; prefix: string; criu?: CriuOptions; store?: ResultsStore }): TickerOps {
  return {
    // A container busy with another operation is not waited for: the tick is skipped (and counted).
    checkpoint: (name) =>
      withContainerLock(
        host,
        containerId,
        'periodic checkpoint',
        () =>
          checkpointContainer(
            host,
            containerId,
            { name, leaveRunning: true, engine: 'auto', ...(opts.preDump ? { preDump: true } : {}), ...(opts.criu ? { criu: opts.criu } : {}), tags: { periodic: opts.prefix } },
            opts.store,
          ),
        { waitMs: 0 },
      ),
    list: () => listCheckpoints(host.docker.getContainer(containerId)),
    remove: (name) => deleteCheckpoint(host, containerId, name),
    isRunning: async () => {
      try {
        return (await resolveContainer(host, containerId)).running;
      } catch (e) {
        // Removed is as stopped as it gets; anything else (daemon down) is a failed tick.
        if (e instanceof NotFoundError) return false;
        throw e;
      }
    },
  };
}

export interface PeriodicHandle {
  /** The container's name. */
  container: string;
  /** Whether versions pre-dump: asked for and the host can. */
  preDump: boolean;
  /** Why pre-dump was asked for but is not used. */
  preDumpUnavailable?: string;
  done: Promise<TickerSummary>;
  stop(): Promise<TickerSummary>;
}

export interface PeriodicDeps extends TickerOptions {
  store?: ResultsStore;
}

/**
 * Starts a ticker on a running container: refuses a bad plan or a container that is
 * missing or stopped before the first version, then makes that version at once.
 */
export async function startPeriodic(host: DockerHost, containerRef: string, plan: PeriodicPlan, deps: PeriodicDeps = {}): Promise<PeriodicHandle> {
  const p = validatePlan(plan);
  const c = await resolveContainer(host, containerRef);
  if (!c.running) throw new UnavailableError(`Container ${c.name} is ${c.state}: only a running container can be checkpointed.`);
  // A version that can never be restored is no safety net: refuse the ticker instead.
  await assertRestorable(host, c.inspect, `Periodic checkpoints of ${c.name}`);
  // Pre-dump where it works: a host without it still gets its versions, as full dumps.
  const feature = p.preDump ? (await host.capabilities()).preDump : undefined;
  const preDump = feature?.ok === true;
  // Options the docker engine cannot pass are refused now, not at the first tick.
  if (p.criu && !(await host.capabilities()).engines.runc.ok) {
    throw new UnavailableError(criuOptionsRefusal('docker', p.criu, await host.capabilities())!);
  }
  const ops = dockerTickerOps(host, c.id, { preDump, prefix: p.prefix, ...(p.criu ? { criu: p.criu } : {}), ...(deps.store ? { store: deps.store } : {}) });
  const ticker = new CheckpointTicker(ops, plan, { label: c.name, ...deps }).start();
  return {
    container: c.name,
    preDump,
    ...(feature && !feature.ok ? { preDumpUnavailable: feature.reason ?? 'unknown reason' } : {}),
    done: ticker.done,
    stop: () => ticker.stop(),
  };
}
