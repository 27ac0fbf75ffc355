import { runChecked, type CommandRunner } from '../exec/runner.js';
import { normalizeCriuOptions, type CriuOptions } from './options.js';

/**
 * The CRIU options a checkpoint was made with travel INSIDE its folder, as one small JSON
 * file: whatever moves or copies the folder (a migration's transfer, the restore route that
 * recreates a container, containerd's copy for the restore) takes it along, and deleting
 * the checkpoint deletes it. CRIU reads its images by name and ignores other files; runc and
 * containerd copy the folder whole (checked on Docker 20.10 and 28.5: criuOptions tests).
 */
export const OPTIONS_FILE = 'cryo-options.json';

interface OptionsFileContent {
  /** What this file is for, for whoever finds it. */
  about: string;
  criu: CriuOptions;
  engine: string;
  createdAt: string;
}

/**
 * Writes the file when options are on (a checkpoint without it restores without options),
 * making the folder first: it is written BEFORE the dump, into the folder the dump will fill
 * (runc and CRIU write into an existing folder), so a Cryo that dies between the dump and its
 * record still leaves a checkpoint that restores with its options. Returns whether it wrote:
 * the caller then owns the folder and removes it if the dump fails.
 */
export async function writeCheckpointOptions(runner: CommandRunner, dir: string, criu: CriuOptions | undefined, engine: string): Promise<boolean> {
  const on = normalizeCriuOptions(criu);
  if (!on) return false;
  const content: OptionsFileContent = { about: 'CRIU options of this checkpoint, written by Cryo; its restore uses them', criu: on, engine, createdAt: new Date().toISOString() };
  await runChecked(runner, ['mkdir', '-p', '--', dir], { privileged: true, timeoutMs: 15_000 });
  await runChecked(runner, ['tee', '--', `${dir}/${OPTIONS_FILE}`], { privileged: true, input: `${JSON.stringify(content, null, 1)}\n`, timeoutMs: 15_000 });
  return true;
}

/** The options recorded in a checkpoint folder; undefined when there is no file (or it is unreadable). */
export async function readCheckpointOptions(runner: CommandRunner, dir: string): Promise<CriuOptions | undefined> {
  const r = await runner.run(['cat', '--', `${dir}/${OPTIONS_FILE}`], { privileged: true, timeoutMs: 15_000 });
  if (r.exitCode !== 0) return undefined;
  try {
    return normalizeCriuOptions((JSON.parse(r.stdout) as Partial<OptionsFileContent>).criu);
  } catch {
    return undefined;
  }
}
