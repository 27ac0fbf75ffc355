import { dockerCheckpointDir } from '../engines/engine.js';
import type { DockerHost } from '../host/dockerHost.js';
import { newestFirst } from '../ops/restoreFallback.js';
import type { CriuOptions } from './options.js';
import { readCheckpointOptions } from './optionsFile.js';

/**
 * The CRIU options of a container's newest checkpoint: what the container needed last time,
 * so a migration or a new checkpoint can start from them. Undefined when it has none.
 */
export async function newestCheckpointOptions(host: DockerHost, containerId: string): Promise<{ checkpoint: string; criu?: CriuOptions } | undefined> {
  const newest = newestFirst(await host.listCheckpoints(containerId))[0];
  if (newest === undefined) return undefined;
  const ctx = await host.engineContext();
  const criu = await readCheckpointOptions(host.runner, dockerCheckpointDir(ctx, containerId, newest));
  return { checkpoint: newest, ...(criu ? { criu } : {}) };
}
