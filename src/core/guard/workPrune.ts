import type { CommandRunner } from '../exec/runner.js';

/**
 * The runc engine leaves one CRIU work folder per dump under ${cryoStateDir}/work (its log
 * and stats-dump): thousands a day with periodic checkpoints. After each checkpoint the
 * folders of successful dumps beyond the newest few are removed; failures keep their log
 * (what CRIU said is the only explanation there is), the newest of them up to a bound.
 */
export interface WorkDir {
  name: string;
  /** Last change, epoch seconds. */
  mtime: number;
  /** CRIU's log ends with "Dumping finished successfully". */
  ok: boolean;
}

export interface PruneRule {
  /** Successful dumps kept, newest first. */
  keepOk: number;
  /** Failed (or unfinished) dumps kept, newest first. */
  keepFailed: number;
  /** Younger folders are never touched: another Cryo may still read its stats-dump. */
  minAgeMs: number;
}

export const DEFAULT_PRUNE: PruneRule = { keepOk: 10, keepFailed: 50, minAgeMs: 10 * 60_000 };

/** Folders to remove, by name. Pure. */
export function selectPrunable(dirs: readonly WorkDir[], rule: PruneRule, nowMs: number): string[] {
  const out: string[] = [];
  for (const ok of [true, false]) {
    const kept = ok ? rule.keepOk : rule.keepFailed;
    const group = dirs.filter((d) => d.ok === ok).sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
    for (const d of group.slice(kept)) if (nowMs - d.mtime * 1000 >= rule.minAgeMs) out.push(d.name);
  }
  return out;
}

// A fixed script, the work root as $1: "mtime ok|failed name" per folder.
const LIST = [
  'cd "$1" 2>/dev/null || exit 0',
  'for d in */; do [ -d "$d" ] || continue; d=${d%/}',
  '  if tail -n 3 -- "$d/dump.log" 2>/dev/null | grep -q "Dumping finished successfully"; then s=ok; else s=failed; fi',
  '  echo "$(stat -c %Y -- "$d") $s $d"; done',
].join('\n');

export function parseWorkListing(text: string): WorkDir[] {
  const out: WorkDir[] = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^(\d+) (ok|failed) (\S.*)$/);
    if (m && !m[3]!.includes('/') && m[3] !== '..' && m[3] !== '.') out.push({ mtime: Number(m[1]), ok: m[2] === 'ok', name: m[3]! });
  }
  return out;
}

/** Removes what selectPrunable picks under ${cryoStateDir}/work; returns the names removed. */
export async function pruneWorkDirs(runner: CommandRunner, cryoStateDir: string, rule: PruneRule = DEFAULT_PRUNE, nowMs = Date.now()): Promise<string[]> {
  const root = `${cryoStateDir}/work`;
  const r = await runner.run(['sh', '-c', LIST, 'sh', root], { privileged: true, timeoutMs: 60_000 });
  if (r.exitCode !== 0) return [];
  const doomed = selectPrunable(parseWorkListing(r.stdout), rule, nowMs);
  // Batches keep each argv well under the kernel's limit.
  for (let i = 0; i < doomed.length; i += 200) {
    await runner.run(['rm', '-rf', '--', ...doomed.slice(i, i + 200).map((n) => `${root}/${n}`)], { privileged: true, timeoutMs: 120_000 });
  }
  return doomed;
}

/** After a runc engine dump, never failing the checkpoint it follows. */
export async function pruneAfterDump(runner: CommandRunner, cryoStateDir: string, engine: string): Promise<void> {
  if (engine !== 'runc') return;
  await pruneWorkDirs(runner, cryoStateDir).catch(() => undefined);
}
