import type { PreDumpRule } from '../engines/preDump.js';
import { abortError, LocalRunner } from '../exec/localRunner.js';
import type { CommandRunner } from '../exec/runner.js';
import type { DockerHost } from '../host/dockerHost.js';
import { formatBytes } from '../host/listing.js';
import { migrateContainer } from '../migrate/migrate.js';
import { pipeCommands } from '../migrate/streams.js';
import { receiveArgv, resolveCodec, sendArgv, type TransferCodec } from '../migrate/transfer.js';
import type { MigrationPhase, MigrationRecord } from '../migrate/types.js';
import { sizeOnDisk } from '../ops/sizes.js';
import { newRecordId, outcomeOf } from '../records.js';
import { sleep } from '../time.js';
import { shellQuote } from '../ssh/quote.js';
import { SshRunner } from '../ssh/sshRunner.js';
import type { SshOptions, SshTarget } from '../ssh/target.js';
import type { ResultsStore } from '../store/resultsStore.js';
import { newBenchRunId } from './engines.js';
import { hostFactTags, type HostFactTags } from './hostFacts.js';
import { BENCH_PREFIX, removeContainer, startMemhog } from './memhog.js';
import { balancedOrder } from './order.js';
import { median, summarize, type Summary } from './stats.js';

/**
 * The migration benchmark (v0.2 §4, v0.4 §4): memhog containers moved between two hosts
 * with migrateContainer, there and back (the move back is measured too and tidies up), N
 * repetitions, with the downtime, the time of each phase and the bytes moved. After each
 * stop-and-copy move A -> B, the checkpoint folder the source kept is moved again by hand,
 * timed alone, so Cryo's transfer throughput can be held against the raw pipe:
 *   raw-pipe         tar -C dir -cf - . | gzip -1 | ssh B 'gzip -dc | tar -C dst -xf -'
 *   raw-pipe-nogzip  tar -C dir -cf - . | ssh B 'tar -C dst -xf -'
 *   cryo-pipe        transfer.ts's scripts with the codec Cryo's transfer picks (zstd -1 when
 *                    both hosts have zstd, else gzip -1) through Cryo's own transport
 *                    (pipeCommands: the host runners, multiplexed ssh, this process relaying)
 * Raw pipes use a fresh ssh connection (ControlPath=none), as a person would type them; the
 * raw pipe stays gzip -1, the baseline a person would use. Every record carries its codec.
 *
 * Every record is a MigrationRecord (a raw pipe is one whose only phase is `transfer`),
 * tagged {scenario:'migration', benchRun, sizeMb, dirtyPct, rep, method, route, direction,
 * folderBytes} plus the source host's facts (hostFactTags) and the target's kernel and CRIU.
 * method is what happened: 'precopy' (pre-dump rounds shipped while running), 'stopcopy',
 * or a pipe method.
 */
export const MOVE_METHODS = ['precopy', 'stopcopy'] as const;
export type MoveMethod = (typeof MOVE_METHODS)[number];
export const PIPE_METHODS = ['cryo-pipe', 'raw-pipe', 'raw-pipe-nogzip'] as const;
export type PipeMethod = (typeof PIPE_METHODS)[number];
export type MigrationBenchMethod = MoveMethod | PipeMethod;

export interface MigrationBenchOptions {
  sizesMb: readonly number[];
  dirtyPcts?: readonly number[];
  reps?: number;
  /** Default: both where A can pre-dump, else stop-and-copy only. */
  methods?: readonly MoveMethod[];
  /** Time the pipes after every stop-and-copy move A -> B (default true). */
  pipes?: boolean;
  /**
   * Migrate back B -> A after each move (measured too; default true). false: remove the
   * container on B and start a fresh one on A (cheaper where a move takes minutes, the VM).
   */
  back?: boolean;
  /** Pre-copy's stop rule (default: the core's, p.haul's). */
  preDumpRule?: PreDumpRule;
  /** Pause after `sync` on both hosts before every measured step (default 1000 ms). */
  settleMs?: number;
  store?: ResultsStore;
  signal?: AbortSignal;
  runId?: string;
  onProgress?: (message: string) => void;
}

export interface MigrationBenchResult {
  runId: string;
  facts: HostFactTags;
  targetFacts: HostFactTags;
  methods: MoveMethod[];
  records: MigrationRecord[];
}

/** The name prefix of one run's containers on both hosts (what a forced clean-up matches). */
export function migrationBenchPrefix(runId: string, scenario = 'migration'): string {
  return `${BENCH_PREFIX}${scenario}-${runId}-`;
}

export function routeLabel(from: string, to: string): string {
  return `${from}->${to}`;
}

export async function runMigrationBench(a: DockerHost, b: DockerHost, opts: MigrationBenchOptions): Promise<MigrationBenchResult> {
  const runId = opts.runId ?? newBenchRunId();
  const reps = opts.reps ?? 3;
  const dirtyPcts = [...(opts.dirtyPcts ?? [0])];
  const settleMs = opts.settleMs ?? 1000;
  const back = opts.back ?? true;
  const { signal } = opts;
  const say = opts.onProgress ?? (() => undefined);
  if (!opts.sizesMb.length || opts.sizesMb.some((s) => !Number.isInteger(s) || s < 1)) throw new RangeError('sizes must be whole MB, at least one');
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError('reps must be a whole number >= 1');

  const [capsA, capsB] = await Promise.all([a.capabilities(signal), b.capabilities(signal)]);
  for (const [h, c] of [
    [a, capsA],
    [b, capsB],
  ] as const) {
    if (!c.docker.ok) throw new Error(`${h.name}: Docker is unavailable: ${c.docker.reason ?? ''}`);
  }
  const bothPreDump = capsA.preDump.ok && capsB.preDump.ok;
  const methods = [...(opts.methods ?? (bothPreDump ? MOVE_METHODS : (['stopcopy'] as const)))];
  if (methods.includes('precopy') && !bothPreDump) {
    throw new Error(`pre-copy needs pre-dump on both hosts (moves go both ways): ${[capsA.preDump.ok ? '' : `${a.name}: ${capsA.preDump.reason ?? 'no'}`, capsB.preDump.ok ? '' : `${b.name}: ${capsB.preDump.reason ?? 'no'}`].filter(Boolean).join('; ')}`);
  }
  const facts = hostFactTags(capsA);
  const targetFacts = hostFactTags(capsB);
  const records: MigrationRecord[] = [];
  const local = new LocalRunner();
  const scratch = `${b.cryoStateDir}/bench/pipes-${runId}`;

  const settle = async () => {
    await Promise.all([a.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 }), b.runner.run(['sync'], { privileged: true, timeoutMs: 120_000 })]);
    await sleep(settleMs, signal);
  };

  for (const sizeMb of opts.sizesMb) {
    for (const dirtyPct of dirtyPcts) {
      if (signal?.aborted) throw abortError();
      const name = `${migrationBenchPrefix(runId)}${sizeMb}mb-d${String(dirtyPct).replace('.', '_')}`;
      const base = { scenario: 'migration', benchRun: runId, sizeMb, dirtyPct, ...facts, targetKernel: targetFacts.hostKernel, targetCriu: targetFacts.hostCriu };
      let onA = false;
      const startOnA = async () => {
        const t0 = performance.now();
        await startMemhog(a, name, sizeMb, dirtyPct, signal);
        onA = true;
        say(`${sizeMb} MB, ${dirtyPct} %/s: ${name} resident on ${a.name} after ${secs(performance.now() - t0)}`);
      };
      try {
        for (let rep = 1; rep <= reps; rep++) {
          for (const method of balancedOrder(methods, rep - 1)) {
            if (!onA) await startOnA();
            // There: A -> B, then the pipes on the folder A kept, then back: B -> A (or a fresh container on A).
            const legs = back ? ([[a, b, 'there'], [b, a, 'back']] as const) : ([[a, b, 'there']] as const);
            for (const [from, to, direction] of legs) {
              if (signal?.aborted) throw abortError();
              await settle();
              const tags = { ...base, rep, method, route: routeLabel(from.name, to.name), direction };
              const rec = await move(from, to, name, method, tags, opts.store, opts.preDumpRule, signal);
              records.push(rec);
              say(`${sizeMb} MB ${dirtyPct} %/s rep ${rep} ${method} ${from.name} -> ${to.name}: ${describeMove(rec)}`);
              if (rec.outcome !== 'ok') throw new Error(`migration ${from.name} -> ${to.name} failed, stopping: ${rec.error ?? ''}`);
              const sourceId = String(rec.tags?.['sourceId']);
              const checkpoint = rec.tags?.['checkpoint'];
              if (direction === 'there' && method === 'stopcopy' && opts.pipes !== false && checkpoint !== undefined) {
                const folder = `${(await from.engineContext()).dockerRootDir}/containers/${sourceId}/checkpoints/${String(checkpoint)}`;
                const folderBytes = Number(rec.tags?.['folderBytes']);
                for (const pm of balancedOrder(PIPE_METHODS, rep - 1)) {
                  await settle();
                  const pr = await timePipe(pm, from, to, folder, `${scratch}/${pm}-${rep}`, local, { ...tags, method: pm, folderBytes }, name, signal);
                  await opts.store?.append(pr);
                  records.push(pr);
                  say(`  ${pm}: ${describePipe(pr)}`);
                }
              }
              // The stopped source (and its checkpoint folder) goes; the container lives on the target.
              await removeContainer(from, sourceId);
              await removeWorkDirs(from, sourceId);
            }
            if (!back) {
              await removeContainer(b, name);
              onA = false;
            }
          }
        }
      } finally {
        await Promise.all([a, b].map((h) => removeContainer(h, name)));
        await b.runner.run(['rm', '-rf', '--', scratch], { privileged: true, timeoutMs: 120_000 });
      }
    }
  }
  return { runId, facts, targetFacts, methods, records };
}

/** One measured migration; a failure comes back as its record (the core has rolled back). */
async function move(
  from: DockerHost,
  to: DockerHost,
  name: string,
  method: MoveMethod,
  tags: Record<string, string | number | boolean>,
  store: ResultsStore | undefined,
  preDumpRule: PreDumpRule | undefined,
  signal?: AbortSignal,
): Promise<MigrationRecord> {
  const c = await from.docker.getContainer(name).inspect();
  let rec: MigrationRecord;
  try {
    // Recorded by the bench (below), not by the core: the folder size is known only afterwards.
    rec = await migrateContainer(from, to, name, { precopy: method === 'precopy', tags, ...(preDumpRule ? { preDumpRule } : {}), ...(signal ? { signal } : {}) });
  } catch (e) {
    const failed: MigrationRecord = {
      kind: 'migration', id: newRecordId(), host: from.name, source: from.name, target: to.name, container: name, startedAt: new Date().toISOString(),
      phasesMs: {}, bytes: { image: 0, filesystem: 0, checkpoint: 0 }, totalMs: 0, warnings: [], tags, ...outcomeOf(e),
    };
    await store?.append(failed);
    return failed;
  }
  if (method === 'precopy' && !rec.precopyRounds?.length) rec.warnings.push('pre-copy was asked for but no pre-dump round ran');
  const checkpoint = await checkpointOf(from, c.Id);
  const dir = checkpoint ? `${(await from.engineContext()).dockerRootDir}/containers/${c.Id}/checkpoints/${checkpoint}` : undefined;
  const folderBytes = dir ? await sizeOnDisk(from, dir) : undefined;
  rec.tags = { ...tags, sourceId: c.Id, ...(checkpoint ? { checkpoint } : {}), ...(folderBytes !== undefined ? { folderBytes } : {}) };
  await store?.append(rec);
  return rec;
}

async function checkpointOf(host: DockerHost, id: string): Promise<string | undefined> {
  const names = await host.checkpointNames(id).catch(() => [] as string[]);
  return names.find((n) => n.startsWith('cryo-mig-'));
}

/** Where one end of a raw pipe runs: on this machine, or behind a plain (unmultiplexed) ssh. */
export type PipeEnd = { kind: 'local' } | { kind: 'ssh'; argv: readonly string[] };

/**
 * ssh argv a person would type for this target: the same key, config and known_hosts as
 * Cryo, but a fresh connection of its own (no ControlMaster), so the pipe pays what a manual
 * copy pays and nothing of Cryo's connection sharing.
 */
export function plainSshArgv(target: SshTarget, options: SshOptions): string[] {
  const argv = ['ssh'];
  if (options.sshConfigFile) argv.push('-F', options.sshConfigFile);
  argv.push('-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none');
  if (options.identityFile) argv.push('-i', options.identityFile, '-o', 'IdentitiesOnly=yes');
  if (options.knownHostsFile) argv.push('-o', `UserKnownHostsFile=${options.knownHostsFile}`);
  if (target.user) argv.push('-l', target.user);
  if (target.port) argv.push('-p', String(target.port));
  argv.push('-T', '--', target.host);
  return argv;
}

export function pipeEndOf(host: DockerHost): PipeEnd {
  if (host.runner instanceof SshRunner) return { kind: 'ssh', argv: plainSshArgv(host.runner.connection.target, host.runner.connection.options) };
  return { kind: 'local' };
}

/**
 * The shell line of a raw pipe: the folder as tar (gzip -1 when asked) from one end into
 * the other. The destination folder must exist. Every path is quoted; a remote script is
 * quoted once more for ssh's command string.
 */
export function rawPipeLine(src: PipeEnd, from: string, dst: PipeEnd, to: string, gzip: boolean): string {
  const send = `tar -C ${shellQuote(from)} -cf - .${gzip ? ' | gzip -1' : ''}`;
  const receive = `${gzip ? 'gzip -dc | ' : ''}tar -C ${shellQuote(to)} -xf -`;
  const at = (end: PipeEnd, script: string) => (end.kind === 'local' ? script : `${end.argv.map(shellQuote).join(' ')} ${shellQuote(script)}`);
  return `set -o pipefail; ${at(src, send)} | ${at(dst, receive)}`;
}

async function timePipe(method: PipeMethod, from: DockerHost, to: DockerHost, folder: string, dest: string, local: CommandRunner, tags: Record<string, string | number | boolean>, container: string, signal?: AbortSignal): Promise<MigrationRecord> {
  if (signal?.aborted) throw abortError();
  await to.runner.run(['rm', '-rf', '--', dest], { privileged: true, timeoutMs: 120_000 });
  await to.runner.run(['mkdir', '-p', '--', dest], { privileged: true, timeoutMs: 10_000 });
  // cryo-pipe: the codec a migration between these hosts would use, chosen (and cached) before the clock starts.
  const cryoCodec = method === 'cryo-pipe' ? await resolveCodec(from, to, 'auto', signal) : undefined;
  const codec: TransferCodec | undefined = cryoCodec ?? (method === 'raw-pipe' ? 'gzip' : undefined);
  const started = new Date();
  const t0 = performance.now();
  let wire = 0;
  let error: string | undefined;
  try {
    if (cryoCodec) {
      wire = await pipeCommands({ runner: from.runner, argv: sendArgv(cryoCodec, folder) }, { runner: to.runner, argv: receiveArgv(cryoCodec, dest) }, signal);
    } else {
      const line = rawPipeLine(pipeEndOf(from), folder, pipeEndOf(to), dest, method === 'raw-pipe');
      const r = await local.run(['bash', '-c', line], { ...(signal ? { signal } : {}), timeoutMs: 30 * 60_000 });
      if (r.exitCode !== 0) error = `exit ${r.exitCode}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const ms = performance.now() - t0;
  const copied = error ? undefined : await sizeOnDisk(to, dest);
  await to.runner.run(['rm', '-rf', '--', dest], { privileged: true, timeoutMs: 120_000 });
  const rec: MigrationRecord = {
    kind: 'migration',
    id: newRecordId(started),
    host: from.name,
    source: from.name,
    target: to.name,
    container,
    startedAt: started.toISOString(),
    phasesMs: { transfer: ms },
    bytes: { image: 0, filesystem: 0, checkpoint: wire },
    ...(codec ? { codec } : {}),
    totalMs: ms,
    outcome: error ? 'failed' : 'ok',
    warnings: [`${method}: only the transfer of the checkpoint folder is timed${method === 'cryo-pipe' ? '' : ' (wire bytes not counted)'}`],
    tags: { ...tags, ...(copied !== undefined ? { copiedBytes: copied } : {}) },
    ...(error ? { error } : {}),
  };
  return rec;
}

// ---------------------------------------------------------------- summaries (pure)

/** The runc engine keeps CRIU's log and stats per dump; for a removed bench container they are litter. */
export async function removeWorkDirs(host: DockerHost, id: string): Promise<void> {
  await host.runner.run(['find', `${host.cryoStateDir}/work`, '-mindepth', '1', '-maxdepth', '1', '-name', `${id.slice(0, 12)}-*`, '-exec', 'rm', '-rf', '--', '{}', '+'], { privileged: true, timeoutMs: 60_000 });
}

/** A plain table: printed fixed-width on a terminal, as markdown in docs. */
export interface BenchTable {
  title: string;
  head: string[];
  rows: string[][];
}

/** A goal from an issue, judged on measured figures; `atMost` false means "at least". */
export interface BenchGoal {
  label: string;
  value?: number;
  /** Median of per-repetition ratios, when the runs pair up by repetition. */
  paired?: number;
  goal: number;
  atMost: boolean;
  met?: boolean;
  note?: string;
}

export function judge(label: string, value: number | undefined, goal: number, atMost: boolean, extra: Partial<BenchGoal> = {}): BenchGoal {
  const g: BenchGoal = { label, goal, atMost, ...extra };
  if (value !== undefined && Number.isFinite(value)) {
    g.value = value;
    g.met = atMost ? value <= goal : value >= goal;
  }
  return g;
}

export function goalLine(g: BenchGoal): string {
  const v = g.value === undefined ? 'n/a' : `${g.value.toFixed(2)}x`;
  const paired = g.paired === undefined ? '' : `, per-rep median ${g.paired.toFixed(2)}x`;
  const verdict = g.met === undefined ? '' : g.met ? ' — met' : ' — NOT met';
  return `${g.label}: ${v} (goal ${g.atMost ? '<=' : '>='} ${g.goal}x${paired})${verdict}${g.note ? ` — ${g.note}` : ''}`;
}

/** "1.23 (1.10–1.40)" in seconds from milliseconds; "1.23" for one sample; "–" for none. */
export function secsSummary(s: Summary | undefined, digits = 2): string {
  if (!s) return '–';
  const f = (ms: number) => (ms / 1000).toFixed(digits);
  return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function renderTablesText(tables: readonly BenchTable[], goals: readonly BenchGoal[] = [], notes: readonly string[] = []): string {
  const out: string[] = [];
  for (const t of tables) {
    const all = [t.head, ...t.rows];
    const widths = t.head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    out.push(t.title, line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line), '');
  }
  if (goals.length) out.push(...goals.map(goalLine), '');
  if (notes.length) out.push(...notes, '');
  return out.join('\n').trimEnd();
}

export function renderTablesMarkdown(tables: readonly BenchTable[], goals: readonly BenchGoal[] = [], notes: readonly string[] = []): string {
  const row = (c: readonly string[]) => `| ${c.join(' | ')} |`;
  const out: string[] = [];
  for (const t of tables) out.push(`**${t.title}**`, '', row(t.head), row(t.head.map(() => '---')), ...t.rows.map(row), '');
  if (goals.length) out.push(...goals.map((g) => `- ${goalLine(g)}`), '');
  if (notes.length) out.push(...notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

type Tags = NonNullable<MigrationRecord['tags']>;
const num = (t: Tags | undefined, k: string): number | undefined => {
  const v = t?.[k];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
const str = (t: Tags | undefined, k: string): string | undefined => (t?.[k] === undefined ? undefined : String(t[k]));

/** Groups in first-seen order. */
function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

function summaryOf(xs: readonly (number | undefined)[]): Summary | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length ? summarize(v) : undefined;
}

function medianOf(xs: readonly (number | undefined)[]): number | undefined {
  return summaryOf(xs)?.median;
}

/** What every row of the migration tables is keyed and counted by. */
export interface BenchRowKey {
  route: string;
  sizeMb: number;
  dirtyPct: number;
  method: string;
  /** The codec(s) on the wire, e.g. 'zstd' ('gzip/zstd' if the runs differ); absent for raw-pipe-nogzip. */
  codec?: string;
  n: number;
  failed: number;
}

/** The codecs the records used, sorted and joined ('gzip/zstd'), or undefined if none says. */
export function codecsOf(records: readonly MigrationRecord[]): string | undefined {
  const used = [...new Set(records.flatMap((r) => (r.codec ? [r.codec] : [])))].sort();
  return used.length ? used.join('/') : undefined;
}

/** A method as the tables show it: with its codec, "stopcopy (zstd)". */
export function methodLabel(r: Pick<BenchRowKey, 'method' | 'codec'>): string {
  return r.codec ? `${r.method} (${r.codec})` : r.method;
}

export interface MoveRow extends BenchRowKey {
  downtimeMs?: Summary;
  /** Median of each phase over the successful runs. */
  phasesMs: Partial<Record<MigrationPhase, number>>;
  totalMs?: Summary;
  frozenMs?: number;
  wireBytes?: number;
  folderBytes?: number;
  rounds?: number;
}

/** Routes in the order they first appear (the "there" move of a run comes before its "back"). */
function routeOrder(records: readonly MigrationRecord[]): (route: string) => number {
  const seen: string[] = [];
  for (const r of records) {
    const route = str(r.tags, 'route') ?? routeLabel(r.source, r.target);
    if (!seen.includes(route)) seen.push(route);
  }
  return (route) => seen.indexOf(route);
}

type Cell = { route: string; sizeMb: number; dirtyPct: number };
function byCell(rank: (route: string) => number): (x: Cell, y: Cell) => number {
  return (x, y) => rank(x.route) - rank(y.route) || x.sizeMb - y.sizeMb || x.dirtyPct - y.dirtyPct;
}

function isMove(r: MigrationRecord): boolean {
  const m = str(r.tags, 'method');
  return m === 'precopy' || m === 'stopcopy';
}

/** Migration rows (precopy/stopcopy) by route, size, dirty rate and method. */
export function summarizeMoves(records: readonly MigrationRecord[]): MoveRow[] {
  const moves = records.filter(isMove);
  const groups = groupBy(moves, (r) => [str(r.tags, 'route') ?? routeLabel(r.source, r.target), num(r.tags, 'sizeMb') ?? 0, num(r.tags, 'dirtyPct') ?? 0, str(r.tags, 'method')].join('\u0000'));
  const rows: MoveRow[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const ok = g.filter((r) => r.outcome === 'ok');
    const phases: MoveRow['phasesMs'] = {};
    for (const p of ['preflight', 'image', 'create', 'checkpoint', 'filesystem', 'transfer', 'restore', 'verify'] as const) {
      const m = medianOf(ok.map((r) => r.phasesMs[p]));
      if (m !== undefined) phases[p] = m;
    }
    const row: MoveRow = {
      route: str(first.tags, 'route') ?? routeLabel(first.source, first.target),
      sizeMb: num(first.tags, 'sizeMb') ?? 0,
      dirtyPct: num(first.tags, 'dirtyPct') ?? 0,
      method: str(first.tags, 'method') ?? '?',
      n: ok.length,
      failed: g.length - ok.length,
      phasesMs: phases,
    };
    const codec = codecsOf(ok);
    if (codec) row.codec = codec;
    const down = summaryOf(ok.map((r) => r.downtimeMs));
    if (down) row.downtimeMs = down;
    const total = summaryOf(ok.map((r) => r.totalMs));
    if (total) row.totalMs = total;
    const frozen = medianOf(ok.map((r) => (r.criu ? r.criu.frozenTimeUs / 1000 : undefined)));
    if (frozen !== undefined) row.frozenMs = frozen;
    const wire = medianOf(ok.map((r) => r.bytes.checkpoint));
    if (wire !== undefined) row.wireBytes = wire;
    const folder = medianOf(ok.map((r) => num(r.tags, 'folderBytes')));
    if (folder !== undefined) row.folderBytes = folder;
    const rounds = medianOf(ok.map((r) => r.precopyRounds?.length ?? 0));
    if (rounds !== undefined) row.rounds = rounds;
    rows.push(row);
  }
  const cell = byCell(routeOrder(records));
  return rows.sort((x, y) => cell(x, y) || x.method.localeCompare(y.method));
}

export interface ThroughputRow extends BenchRowKey {
  /** Transfer time: Cryo's 'transfer' phase of a stop-and-copy, or a pipe timed alone. */
  ms?: Summary;
  folderBytes?: number;
  /** folderBytes / median time, in bytes per second. */
  bytesPerSec?: number;
}

/** Methods compared on the same folder, in the order the throughput table shows them. */
export const THROUGHPUT_METHODS = ['stopcopy', 'cryo-pipe', 'raw-pipe', 'raw-pipe-nogzip'] as const;

/** Transfer throughput of the same checkpoint folders: Cryo's stop-and-copy transfer phase and the pipes. */
export function summarizeThroughput(records: readonly MigrationRecord[]): ThroughputRow[] {
  const mine = records.filter((r) => str(r.tags, 'direction') === 'there' && (THROUGHPUT_METHODS as readonly string[]).includes(str(r.tags, 'method') ?? ''));
  const groups = groupBy(mine, (r) => [str(r.tags, 'route'), num(r.tags, 'sizeMb'), num(r.tags, 'dirtyPct'), str(r.tags, 'method')].join('\u0000'));
  // Only routes where some pipe ran: a pre-copy-only or pipe-less run has nothing to compare.
  const piped = new Set(mine.filter((r) => str(r.tags, 'method') !== 'stopcopy').map((r) => str(r.tags, 'route')));
  const rows: ThroughputRow[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    if (!piped.has(str(first.tags, 'route'))) continue;
    const ok = g.filter((r) => r.outcome === 'ok' && r.phasesMs.transfer !== undefined);
    const row: ThroughputRow = { route: str(first.tags, 'route') ?? '?', sizeMb: num(first.tags, 'sizeMb') ?? 0, dirtyPct: num(first.tags, 'dirtyPct') ?? 0, method: str(first.tags, 'method') ?? '?', n: ok.length, failed: g.length - ok.length };
    const codec = codecsOf(ok);
    if (codec) row.codec = codec;
    const ms = summaryOf(ok.map((r) => r.phasesMs.transfer));
    if (ms) row.ms = ms;
    const folder = medianOf(ok.map((r) => num(r.tags, 'folderBytes')));
    if (folder !== undefined) row.folderBytes = folder;
    if (ms && folder !== undefined && ms.median > 0) row.bytesPerSec = folder / (ms.median / 1000);
    rows.push(row);
  }
  const rank = (m: string) => (THROUGHPUT_METHODS as readonly string[]).indexOf(m);
  const cell = byCell(routeOrder(records));
  return rows.sort((x, y) => cell(x, y) || rank(x.method) - rank(y.method));
}

/**
 * Throughput of `method` over `base` on the same folders: base time / method time, as the
 * ratio of medians and as the median of per-repetition ratios (same rep, same folder).
 */
export function throughputRatio(records: readonly MigrationRecord[], route: string, sizeMb: number, dirtyPct: number, method: string, base: string): { value?: number; paired?: number } {
  const at = (m: string) =>
    records.filter((r) => r.outcome === 'ok' && str(r.tags, 'direction') === 'there' && str(r.tags, 'route') === route && num(r.tags, 'sizeMb') === sizeMb && num(r.tags, 'dirtyPct') === dirtyPct && str(r.tags, 'method') === m && r.phasesMs.transfer !== undefined);
  const mine = at(method);
  const theirs = at(base);
  const out: { value?: number; paired?: number } = {};
  const a = medianOf(mine.map((r) => r.phasesMs.transfer));
  const b = medianOf(theirs.map((r) => r.phasesMs.transfer));
  if (a !== undefined && b !== undefined && a > 0) out.value = b / a;
  const pairs = mine.flatMap((r) => {
    const o = theirs.find((x) => num(x.tags, 'rep') === num(r.tags, 'rep'));
    return o && r.phasesMs.transfer! > 0 ? [o.phasesMs.transfer! / r.phasesMs.transfer!] : [];
  });
  if (pairs.length) out.paired = median(pairs);
  return out;
}

/** Downtime of pre-copy over stop-and-copy on one route, size and dirty rate (medians; paired by rep). */
export function downtimeRatio(records: readonly MigrationRecord[], route: string, sizeMb: number, dirtyPct: number): { value?: number; paired?: number } {
  const at = (m: string) => records.filter((r) => r.outcome === 'ok' && str(r.tags, 'route') === route && num(r.tags, 'sizeMb') === sizeMb && num(r.tags, 'dirtyPct') === dirtyPct && str(r.tags, 'method') === m && r.downtimeMs !== undefined);
  const pre = at('precopy');
  const stop = at('stopcopy');
  const out: { value?: number; paired?: number } = {};
  const a = medianOf(pre.map((r) => r.downtimeMs));
  const b = medianOf(stop.map((r) => r.downtimeMs));
  if (a !== undefined && b !== undefined && b > 0) out.value = a / b;
  const pairs = pre.flatMap((r) => {
    const o = stop.find((x) => num(x.tags, 'rep') === num(r.tags, 'rep'));
    return o && o.downtimeMs! > 0 ? [r.downtimeMs! / o.downtimeMs!] : [];
  });
  if (pairs.length) out.paired = median(pairs);
  return out;
}

const mb = (bytes?: number) => (bytes === undefined ? '–' : formatBytes(bytes));
const ms1 = (ms?: number) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

export interface MigrationSummary {
  tables: BenchTable[];
  goals: BenchGoal[];
  notes: string[];
  failed: number;
}

/**
 * Tables and goals of a migration run: downtime and phases per route/size/dirty/method,
 * transfer throughput against the raw pipe (goal >= 0.8x), pre-copy downtime against
 * stop-and-copy (goal <= 0.3x).
 */
export function summarizeMigrationBench(records: readonly MigrationRecord[]): MigrationSummary {
  const moves = summarizeMoves(records);
  const tput = summarizeThroughput(records);
  const tables: BenchTable[] = [
    {
      title: 'Migration: downtime and phases (seconds, median (min–max) over reps; phases are medians)',
      head: ['route', 'size', 'dirty %/s', 'method', 'downtime s', 'checkpoint', 'filesystem', 'transfer', 'restore', 'total s', 'CRIU frozen', 'wire bytes', 'folder', 'rounds', 'n', 'failed'],
      rows: moves.map((r) => [
        r.route,
        `${r.sizeMb} MB`,
        String(r.dirtyPct),
        methodLabel(r),
        secsSummary(r.downtimeMs),
        ms1(r.phasesMs.checkpoint),
        ms1(r.phasesMs.filesystem),
        ms1(r.phasesMs.transfer),
        ms1(r.phasesMs.restore),
        secsSummary(r.totalMs),
        ms1(r.frozenMs),
        mb(r.wireBytes),
        mb(r.folderBytes),
        r.rounds === undefined ? '–' : String(r.rounds),
        String(r.n),
        String(r.failed),
      ]),
    },
  ];
  if (tput.length) {
    tables.push({
      title: 'Transfer of the same checkpoint folder: Cryo (stop-and-copy transfer phase) vs pipes timed alone',
      head: ['route', 'size', 'method', 'transfer s', 'MB/s', 'vs raw-pipe', 'n', 'failed'],
      rows: tput.map((r) => {
        const rel = r.method === 'raw-pipe' ? '1.00x' : fmtRatio(throughputRatio(records, r.route, r.sizeMb, r.dirtyPct, r.method, 'raw-pipe').value);
        return [r.route, `${r.sizeMb} MB`, methodLabel(r), secsSummary(r.ms), r.bytesPerSec === undefined ? '–' : (r.bytesPerSec / 1e6).toFixed(0), rel, String(r.n), String(r.failed)];
      }),
    });
  }
  const goals: BenchGoal[] = [];
  const cells = [...new Map(tput.map((r) => [`${r.route}\u0000${r.sizeMb}\u0000${r.dirtyPct}`, r])).values()];
  for (const c of cells) {
    const r = throughputRatio(records, c.route, c.sizeMb, c.dirtyPct, 'stopcopy', 'raw-pipe');
    const cryo = tput.find((x) => x.route === c.route && x.sizeMb === c.sizeMb && x.dirtyPct === c.dirtyPct && x.method === 'stopcopy')?.codec;
    goals.push(judge(`transfer throughput Cryo${cryo ? ` (${cryo} -1)` : ''} / raw pipe (gzip -1), ${c.route}, ${c.sizeMb} MB`, r.value, 0.8, false, r.paired !== undefined ? { paired: r.paired } : {}));
  }
  const both = [...new Map(moves.filter((r) => r.method === 'precopy').map((r) => [`${r.route}\u0000${r.sizeMb}\u0000${r.dirtyPct}`, r])).values()];
  for (const c of both) {
    const r = downtimeRatio(records, c.route, c.sizeMb, c.dirtyPct);
    goals.push(judge(`downtime pre-copy / stop-and-copy, ${c.route}, ${c.sizeMb} MB at ${c.dirtyPct} %/s`, r.value, 0.3, true, r.paired !== undefined ? { paired: r.paired } : {}));
  }
  // Moves recorded before the codec was (older bench runs) all went with gzip.
  const notes = [
    'downtime: source frozen (final dump starts) -> target restored; checkpoint = the checkpoint phase (pre-copy: pre-dump rounds + final dump).',
    `wire bytes: the compressed stream through the pipe (Cryo's moves: ${codecsOf(records.filter(isMove)) ?? 'gzip'} -1; each method's codec is in brackets after its name; memhog pages are mostly zero, so it is tiny); folder: the checkpoint folder on the source (du -sb); MB/s = folder / transfer time.`,
  ];
  return { tables, goals, notes, failed: records.filter((r) => r.outcome !== 'ok').length };
}

function fmtRatio(v?: number): string {
  return v === undefined ? '–' : `${v.toFixed(2)}x`;
}

function describeMove(r: MigrationRecord): string {
  if (r.outcome !== 'ok') return `${r.outcome}: ${r.error ?? ''}`;
  const p = r.phasesMs;
  return `downtime ${r.downtimeMs === undefined ? '?' : secs(r.downtimeMs)} (checkpoint ${ms1(p.checkpoint)}, transfer ${ms1(p.transfer)}, restore ${ms1(p.restore)}), total ${secs(r.totalMs)}, ${mb(r.bytes.checkpoint)} on the wire${r.precopyRounds ? `, ${r.precopyRounds.length} pre-copy round(s)` : ''}`;
}

function describePipe(r: MigrationRecord): string {
  if (r.outcome !== 'ok') return `${r.outcome}: ${r.error ?? ''}`;
  const folder = num(r.tags, 'folderBytes');
  const ms = r.phasesMs.transfer ?? 0;
  return `${secs(ms)}${folder !== undefined && ms > 0 ? `, ${(folder / 1e6 / (ms / 1000)).toFixed(0)} MB/s` : ''}`;
}

