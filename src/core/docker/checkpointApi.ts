import type Docker from 'dockerode';

/**
 * dockerode implements Docker's checkpoint endpoints but @types/dockerode declares none
 * of them; these typed wrappers are the only place that reaches past the declared types.
 */
export interface DockerCheckpoint {
  Name: string;
}

interface CheckpointMethods {
  createCheckpoint(opts: { CheckpointID: string; Exit: boolean; CheckpointDir?: string; abortSignal?: AbortSignal }): Promise<unknown>;
  listCheckpoint(opts: { dir?: string }): Promise<DockerCheckpoint[] | null>;
  deleteCheckpoint(name: string, opts: Record<string, never>): Promise<unknown>;
  start(opts: { _query: { checkpoint: string }; _body: Record<string, never>; abortSignal?: AbortSignal }): Promise<unknown>;
}

function withCheckpoints(container: Docker.Container): CheckpointMethods {
  return container as unknown as CheckpointMethods;
}

export async function createCheckpoint(container: Docker.Container, name: string, exit: boolean, signal?: AbortSignal): Promise<void> {
  await withCheckpoints(container).createCheckpoint({ CheckpointID: name, Exit: exit, ...(signal ? { abortSignal: signal } : {}) });
}

export async function listCheckpoints(container: Docker.Container): Promise<string[]> {
  const list: unknown = await withCheckpoints(container).listCheckpoint({});
  // With no checkpoints, Docker 20.10 answers a body dockerode does not parse as JSON
  // (a Buffer); only a real array carries names.
  return Array.isArray(list) ? (list as DockerCheckpoint[]).map((c) => c.Name) : [];
}

export async function deleteCheckpoint(container: Docker.Container, name: string): Promise<void> {
  await withCheckpoints(container).deleteCheckpoint(name, {});
}

/** Restore: Docker restores by starting the container with ?checkpoint=NAME; a non-empty body is rejected. */
export async function startFromCheckpoint(container: Docker.Container, name: string, signal?: AbortSignal): Promise<void> {
  await withCheckpoints(container).start({ _query: { checkpoint: name }, _body: {}, ...(signal ? { abortSignal: signal } : {}) });
}
