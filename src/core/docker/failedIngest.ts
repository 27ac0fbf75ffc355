import type { CommandRunner } from '../exec/runner.js';

/**
 * Docker's checkpoint writes CRIU's images into containerd's content store; when the disk
 * fills, the write fails and Docker closes its writer without aborting it, so the partial
 * ingest (tens of MB) stays under <containerd root>/io.containerd.content.v1.content/ingest/
 * and the disk stays full (measured: faultDisk.test.ts). Docker's error names the file: the
 * ingest folder is removed (no writer holds it once Docker answered).
 */
const INGEST = /write (\/\S+\/io\.containerd\.content\.v1\.content\/ingest\/[0-9a-f]{64})\/data: no space left on device/i;

export function failedIngestDir(message: string): string | undefined {
  const dir = INGEST.exec(message)?.[1];
  return dir && !dir.split('/').includes('..') ? dir : undefined;
}

/** Removes the ingest a disk-full checkpoint left; says which folder, if any. */
export async function removeFailedIngest(runner: CommandRunner, message: string): Promise<string | undefined> {
  const dir = failedIngestDir(message);
  if (!dir) return undefined;
  const r = await runner.run(['rm', '-r', '-f', '--one-file-system', '--', dir], { privileged: true, timeoutMs: 30_000 });
  return r.exitCode === 0 ? dir : undefined;
}
