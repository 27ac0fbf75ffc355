import type { DockerHost } from '../host/dockerHost.js';

/**
 * Docker's own checkpoint that stops the container (docker engine, not leave-running) ends
 * the process BEFORE it writes the images where the disk can refuse them: containerd dumps
 * into a temporary folder, copies it into its content store, and Docker extracts it into the
 * container's checkpoint folder, both under Docker's data root. A full disk there then leaves
 * the container stopped with no checkpoint: lost (measured: faultDisk.test.ts). The runc
 * engine and leave-running fail safely (CRIU resumes the process), so only this case is
 * refused up front, before the freeze, when the data root has clearly too little room.
 */

/** The images are about the memory in use; two copies (content store, folder) plus a margin. */
export function dockerCheckpointNeedBytes(memoryBytes: number): number {
  return Math.ceil(memoryBytes * 2.2) + 64 * 2 ** 20;
}

/** Why the checkpoint is refused, or undefined when there is room (or nothing to tell by). */
export async function dockerCheckpointRoomRefusal(host: DockerHost, dockerRootDir: string, containerName: string, memoryBytes: number | undefined): Promise<string | undefined> {
  if (memoryBytes === undefined) return undefined;
  const df = await host.runner.run(['df', '-B1', '--output=avail', dockerRootDir], { privileged: true, timeoutMs: 10_000 });
  const avail = Number(df.stdout.trim().split('\n').pop());
  if (df.exitCode !== 0 || !Number.isFinite(avail)) return undefined;
  const need = dockerCheckpointNeedBytes(memoryBytes);
  if (avail >= need) return undefined;
  const mib = (n: number) => Math.round(n / 2 ** 20);
  return (
    `Checkpoint (stop) of ${containerName} refused before the freeze: ${host.name} has ${mib(avail)} MiB free under ${dockerRootDir}, and Docker's checkpoint of ` +
    `${mib(memoryBytes)} MiB in use needs about ${mib(need)} MiB there (containerd's copy and the checkpoint folder). A full disk would leave the container stopped with no checkpoint. ` +
    'Free space there (old checkpoints, unused images and containers: docker system df), or use the runc engine or leave-running: those fail safely when the disk fills.'
  );
}
