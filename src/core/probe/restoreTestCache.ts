import { createHash } from 'node:crypto';
import type { DockerHost } from '../host/dockerHost.js';
import { interpret, type CapabilityReport } from './capabilities.js';
import { runRestoreTest } from './restoreTest.js';
import { daemonKey, knownRestoreRegression, type RestoreTest } from './stackKnowledge.js';

/**
 * The restore behaviour test runs once per daemon (Docker version + containerd version +
 * daemon ID): its result is kept in memory for this process and in a file on the host under
 * cryoStateDir for every later client (other windows, the CLI, the next session), so a tree
 * refresh never repeats it. Only definitive outcomes are written to the host; an
 * inconclusive failure is retried after FAILED_TTL_MS.
 */
const FAILED_TTL_MS = 10 * 60_000;

interface Entry {
  promise: Promise<RestoreTest>;
  settled?: RestoreTest;
  at: number;
}
const memory = new Map<string, Entry>();

export function restoreTestFile(host: Pick<DockerHost, 'cryoStateDir'>, key: string): string {
  return `${host.cryoStateDir}/probe/restore-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`;
}

/** The report with what is already known about restore on this daemon; starts the test in the background when nothing is. */
export async function withRestoreTest(host: DockerHost, report: CapabilityReport): Promise<CapabilityReport> {
  const key = applicableKey(report);
  if (!key) return report;
  const privileged = report.privileged.ok;
  const known = fresh(memory.get(key))?.settled ?? (await readHostCache(host, key, privileged));
  if (known) {
    if (!memory.has(key)) memory.set(key, { promise: Promise.resolve(known), settled: known, at: Date.now() });
    return interpret({ ...report.raw, restoreTest: known });
  }
  void restoreTestFor(host, key, privileged);
  return interpret({ ...report.raw, restoreTest: { outcome: 'pending', key } });
}

/** The report once the restore test has an answer (waits for a test in flight). */
export async function settledRestoreTest(host: DockerHost, report: CapabilityReport): Promise<CapabilityReport> {
  if (report.raw.restoreTest?.outcome !== 'pending') return report;
  const t = await restoreTestFor(host, report.raw.restoreTest.key, report.privileged.ok);
  return interpret({ ...report.raw, restoreTest: t });
}

/** Forgets what this process knows (tests; the host file stays). */
export function forgetRestoreTests(): void {
  memory.clear();
}

function applicableKey(report: CapabilityReport): string | undefined {
  const v = report.raw.docker.version;
  // Without Docker checkpoints there is nothing to test; a known regression needs no test.
  if (!v || !report.engines.docker.ok || knownRestoreRegression(v)) return undefined;
  return daemonKey(report.raw.docker);
}

function fresh(e: Entry | undefined): Entry | undefined {
  if (e?.settled?.outcome === 'failed' && Date.now() - e.at > FAILED_TTL_MS) return undefined;
  return e;
}

function restoreTestFor(host: DockerHost, key: string, privileged: boolean): Promise<RestoreTest> {
  const existing = fresh(memory.get(key));
  if (existing) return existing.promise;
  const entry: Entry = { at: Date.now(), promise: Promise.resolve(undefined as never) };
  entry.promise = runRestoreTest(host, key, { privileged }).then(async (t) => {
    entry.settled = t;
    entry.at = Date.now();
    if (t.outcome !== 'failed' && privileged) await writeHostCache(host, t).catch(() => undefined);
    return t;
  });
  memory.set(key, entry);
  return entry.promise;
}

async function readHostCache(host: DockerHost, key: string, privileged: boolean): Promise<RestoreTest | undefined> {
  const r = await host.runner.run(['cat', '--', restoreTestFile(host, key)], { privileged, timeoutMs: 5_000 }).catch(() => undefined);
  if (!r || r.exitCode !== 0) return undefined;
  try {
    const t = JSON.parse(r.stdout) as Partial<RestoreTest>;
    const valid = t.key === key && (t.outcome === 'restored' || t.outcome === 'netns-bug') && typeof t.durationMs === 'number' && typeof t.testedAt === 'string';
    return valid ? (t as RestoreTest) : undefined;
  } catch {
    return undefined;
  }
}

async function writeHostCache(host: DockerHost, t: RestoreTest): Promise<void> {
  const file = restoreTestFile(host, t.key);
  await host.runner.run(['mkdir', '-p', '--', file.slice(0, file.lastIndexOf('/'))], { privileged: true, timeoutMs: 5_000 });
  // Written aside and renamed: a reader never sees half a file. The path is an argument, not script text.
  await host.runner.run(['sh', '-c', 'cat > "$1.tmp" && mv -f -- "$1.tmp" "$1"', 'sh', file], { privileged: true, timeoutMs: 5_000, input: `${JSON.stringify(t)}\n` });
}
