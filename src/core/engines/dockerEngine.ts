import { createCheckpoint } from '../docker/checkpointApi.js';
import { removeFailedIngest } from '../docker/failedIngest.js';
import { abortError } from '../exec/localRunner.js';
import { diagnoseCriu } from '../criu/diagnose.js';
import { logPathsIn, readCriuExplanation } from './criuLog.js';
import { CheckpointFailedError, dockerCheckpointDir, guarded, type CheckpointEngine, type EngineCheckpointRequest, type EngineContext } from './engine.js';

/**
 * Docker's checkpoint API. Works with socket access alone, but is slow: Docker copies
 * the images through containerd's content store, and it keeps no CRIU statistics.
 */
export const dockerEngine: CheckpointEngine = {
  id: 'docker',
  async checkpoint(ctx: EngineContext, req: EngineCheckpointRequest) {
    if (req.signal?.aborted) throw abortError();
    const container = ctx.docker.getContainer(req.containerId);
    try {
      await guarded(req, () => createCheckpoint(container, req.name, !req.leaveRunning));
    } catch (e) {
      if (e instanceof Error && e.name === 'FrozenLimitError') throw e; // already says what happened
      const message = e instanceof Error ? e.message : String(e);
      // A full disk leaves containerd's partial copy behind: give the space back.
      await removeFailedIngest(ctx.runner, message).catch(() => undefined);
      // Docker's message names CRIU's log; read it while it still exists.
      for (const path of logPathsIn(message)) {
        const why = await readCriuExplanation(ctx.runner, path);
        if (why) throw new CheckpointFailedError(`Docker could not checkpoint: ${firstLine(message)}`, why.reason, path, why.diagnosis);
      }
      throw new CheckpointFailedError(`Docker could not checkpoint: ${message}`, undefined, undefined, diagnoseCriu(message));
    }
    return { dir: dockerCheckpointDir(ctx, req.containerId, req.name) };
  },
};

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
