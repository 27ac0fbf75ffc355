import type { DockerHost } from '../host/dockerHost.js';

/** A restored process that crashes at once shows up within a moment: look twice. */
export async function verifyRunning(host: DockerHost, id: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const s = (await host.docker.getContainer(id).inspect()).State;
    if (!s.Running) throw new Error(`the restored container is ${s.Status} (exit code ${s.ExitCode})`);
    if (i === 0) await new Promise((r) => setTimeout(r, 500));
  }
}
