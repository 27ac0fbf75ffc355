import { parseArgs, type ParseArgsConfig } from 'node:util';
import { bench, CRIU_OPTIONS, criuOptionsFromFlags, isValidContainerRef, isValidName, MIN_PERIOD_MS, parsePeriod, shownValue, type CriuOptions } from '../core/index.js';
import { parseEndpoint } from '../core/docker/connect.js';
import type { BenchEnginesOptions } from './commands/bench.js';
import { hostNamed } from './commands/benchHosts.js';

/** Bad command line: the message says what is wrong, the caller prints usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: cryo <command> [options]

Commands:
  probe [--json]                                 what this Docker host can do, and why not
  checkpoint <container> [--name N] [--leave-running] [--engine runc|docker|auto] [--max-frozen S] [--out F]
             [--tcp-established] [--file-locks] [--ext-unix-sk] [--shell-job]
                                                 CRIU options (runc engine): see "CRIU options" below
  restore <container> <checkpoint> [--out F]     start a stopped container from a checkpoint
  restore <container> [checkpoint] --fallback    that one (default: the newest), else each older one in turn
  ls [container]                                 containers and their checkpoints
  migrate <container> --to HOST [--from HOST] [--name N] [--no-precopy] [--precopy-finish auto|with-rounds|full-dump]
          [--codec auto|zstd|gzip] [--volumes copy|skip] [--remove-source] [--engine runc|docker|auto]
          [--out F] [CRIU options]
                                                 move a running container to another host (hosts by name:
                                                 local (--host), host-b, host-c, vm, vm-b); progress per phase on
                                                 stderr; Ctrl-C cancels (after the freeze: the source is restored).
                                                 Exit 0 moved, 1 failed or cancelled with the source running
                                                 (or restored), 3 failed with the container running nowhere: see the message
  periodic <container> --every 30s|5m|1000ms [--keep 5] [--pre-dump] [--count N] [--max-frozen S] [--out F] [CRIU options]
                                                 a leave-running checkpoint every period (the first at once),
                                                 keeping the newest --keep of its auto-* versions; runs
                                                 until N versions or Ctrl-C, one line per event
  bench engines [--sizes 16,256,1024] [--reps 3] [--warmup 0] [--settle-ms 1500]
                [--methods docker-cli,cryo-docker,cryo-runc,raw-runc] [--out F.jsonl] [--md F.md]
                [--docker-cli /usr/bin/docker] [--runc-root /run/docker/runtime-runc/moby]

Options for every command:
  --host URL     Docker endpoint, unix:///path or tcp://host:port (default: DOCKER_HOST or
                 unix:///var/run/docker.sock)
  -h, --help     this text

--max-frozen S: a dump that keeps the container frozen longer than S seconds is ended, the
container thawed and the partial checkpoint deleted (default: 30 s + 10 s per GiB in use).

CRIU options (the runc engine passes them; the restore reuses them by itself):
${CRIU_OPTIONS.map((o) => `  ${o.cliFlag.padEnd(19)} ${o.when}`).join('\n')}

--out appends one JSON line per run (results store). Exit codes: 0 ok, 1 failed or
cancelled, 2 usage error, 3 a migration failed and left the container running nowhere. Ctrl-C cancels between steps and removes benchmark containers.`;

export type EngineChoice = 'runc' | 'docker' | 'auto';

export type CliCommand =
  | { cmd: 'help' }
  | { cmd: 'probe'; host?: string; json: boolean }
  | { cmd: 'checkpoint'; host?: string; container: string; name?: string; leaveRunning: boolean; engine: EngineChoice; criu?: CriuOptions; maxFrozenMs?: number; out?: string }
  | { cmd: 'restore'; host?: string; container: string; checkpoint?: string; fallback: boolean; out?: string }
  | { cmd: 'ls'; host?: string; container?: string }
  | MigrateCommand
  | { cmd: 'periodic'; host?: string; container: string; everyMs: number; keep: number; preDump: boolean; count?: number; criu?: CriuOptions; maxFrozenMs?: number; out?: string }
  | ({ cmd: 'bench-engines'; host?: string } & BenchEnginesOptions);

/** `cryo migrate`: MigrateOptions from flags; hosts by name (benchHosts.ts), local being --host. */
export interface MigrateCommand {
  cmd: 'migrate';
  host?: string;
  container: string;
  from: string;
  to: string;
  targetName?: string;
  engine: EngineChoice;
  precopy: boolean;
  precopyFinish: 'auto' | 'with-rounds' | 'full-dump';
  codec: 'auto' | 'zstd' | 'gzip';
  volumes: 'copy' | 'skip';
  removeSource: boolean;
  criu?: CriuOptions;
  out?: string;
}

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL: Options = { host: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
/** --tcp-established, --file-locks, --ext-unix-sk, --shell-job. */
const CRIU_FLAGS: Options = Object.fromEntries(CRIU_OPTIONS.map((o) => [o.cliFlag.slice(2), { type: 'boolean' as const }]));

const COMMANDS: Record<string, Options> = {
  probe: { json: { type: 'boolean' } },
  checkpoint: { name: { type: 'string' }, 'leave-running': { type: 'boolean' }, engine: { type: 'string' }, 'max-frozen': { type: 'string' }, out: { type: 'string' }, ...CRIU_FLAGS },
  restore: { out: { type: 'string' }, fallback: { type: 'boolean' } },
  ls: {},
  migrate: {
    to: { type: 'string' },
    from: { type: 'string' },
    name: { type: 'string' },
    engine: { type: 'string' },
    'no-precopy': { type: 'boolean' },
    'precopy-finish': { type: 'string' },
    codec: { type: 'string' },
    volumes: { type: 'string' },
    'remove-source': { type: 'boolean' },
    out: { type: 'string' },
    ...CRIU_FLAGS,
  },
  periodic: { every: { type: 'string' }, keep: { type: 'string' }, 'pre-dump': { type: 'boolean' }, count: { type: 'string' }, 'max-frozen': { type: 'string' }, out: { type: 'string' }, ...CRIU_FLAGS },
  bench: {
    sizes: { type: 'string' },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    'settle-ms': { type: 'string' },
    methods: { type: 'string' },
    out: { type: 'string' },
    md: { type: 'string' },
    'docker-cli': { type: 'string' },
    'runc-root': { type: 'string' },
  },
  help: {},
};

const ALL: Options = Object.assign({}, GLOBAL, ...Object.values(COMMANDS));

/** argv without node and the script: `cryo checkpoint web --leave-running` -> ['checkpoint', 'web', '--leave-running']. */
export function parseCommandLine(argv: readonly string[]): CliCommand {
  // First pass, lenient, only to find the command word wherever global options put it.
  const loose = parseArgs({ args: [...argv], options: ALL, strict: false, allowPositionals: true });
  const word = loose.positionals[0];
  if (word === undefined) {
    if (loose.values['help'] === true) return { cmd: 'help' };
    throw new UsageError('No command given.');
  }
  const spec = COMMANDS[word];
  if (!spec) throw new UsageError(`Unknown command "${word}".`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...GLOBAL, ...spec }, strict: true, allowPositionals: true });
  } catch (e) {
    // node's messages run over several lines; one line reads better after "cryo: ".
    throw new UsageError(`${word}: ${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const pos = parsed.positionals.slice(1);
  if (v['help'] === true || word === 'help') return { cmd: 'help' };
  const host = str(v, 'host');
  if (host !== undefined) checkHost(host);
  const common = host !== undefined ? { host } : {};
  const out = str(v, 'out');
  if (out !== undefined) checkPath('--out', out);
  // Every positional names a container or a checkpoint: checked here, before any daemon sees it.
  if (word !== 'bench' && pos[0] !== undefined) checkContainerRef(pos[0]);
  const maxFrozen = str(v, 'max-frozen');
  const frozen = maxFrozen !== undefined ? { maxFrozenMs: parseCount('--max-frozen', maxFrozen, 1) * 1000 } : {};
  const criu = criuOptionsFromFlags((flag) => v[flag] === true);
  const withCriu = criu ? { criu } : {};

  switch (word) {
    case 'probe':
      arity(word, pos, 0, 0);
      return { cmd: 'probe', ...common, json: v['json'] === true };
    case 'checkpoint': {
      arity(word, pos, 1, 1, '<container>');
      const name = str(v, 'name');
      if (name !== undefined && !isValidName(name)) throw new UsageError(`--name "${shownValue(name)}": use at least 2 characters, starting with a letter or digit, then letters, digits, "_", "." or "-".`);
      const engine = str(v, 'engine') ?? 'auto';
      if (engine !== 'runc' && engine !== 'docker' && engine !== 'auto') throw new UsageError(`--engine "${engine}": use runc, docker or auto.`);
      if (criu && engine === 'docker') throw new UsageError(`--engine docker cannot pass CRIU options (Docker's checkpoint API has none): use --engine runc (or auto).`);
      return { cmd: 'checkpoint', ...common, container: pos[0]!, ...(name ? { name } : {}), leaveRunning: v['leave-running'] === true, engine, ...withCriu, ...frozen, ...(out ? { out } : {}) };
    }
    case 'restore': {
      const fallback = v['fallback'] === true;
      // With --fallback the checkpoint is where to start (the newest when left out).
      arity(word, pos, fallback ? 1 : 2, 2, fallback ? '<container> [checkpoint]' : '<container> <checkpoint> (or --fallback for the newest)');
      if (pos[1] !== undefined && !isValidName(pos[1])) throw new UsageError(`checkpoint "${shownValue(pos[1])}": use at least 2 characters, starting with a letter or digit, then letters, digits, "_", "." or "-".`);
      return { cmd: 'restore', ...common, container: pos[0]!, ...(pos[1] ? { checkpoint: pos[1] } : {}), fallback, ...(out ? { out } : {}) };
    }
    case 'ls':
      arity(word, pos, 0, 1, '[container]');
      return { cmd: 'ls', ...common, ...(pos[0] ? { container: pos[0] } : {}) };
    case 'migrate': {
      arity(word, pos, 1, 1, '<container>');
      const to = str(v, 'to');
      if (to === undefined) throw new UsageError('migrate: --to is required (a host by name, e.g. --to host-b).');
      const from = str(v, 'from') ?? 'local';
      hostNamed(from);
      hostNamed(to);
      if (from === to) throw new UsageError(`migrate: --from and --to are both ${from}; name another host.`);
      const name = str(v, 'name');
      if (name !== undefined && !isValidName(name)) throw new UsageError(`--name "${shownValue(name)}": use at least 2 characters, starting with a letter or digit, then letters, digits, "_", "." or "-".`);
      const engine = oneOf('--engine', str(v, 'engine') ?? 'auto', ['runc', 'docker', 'auto'] as const);
      if (criu && engine === 'docker') throw new UsageError(`--engine docker cannot pass CRIU options (Docker's checkpoint API has none): use --engine runc (or auto).`);
      return {
        cmd: 'migrate',
        ...common,
        container: pos[0]!,
        from,
        to,
        ...(name !== undefined ? { targetName: name } : {}),
        engine,
        precopy: v['no-precopy'] !== true,
        precopyFinish: oneOf('--precopy-finish', str(v, 'precopy-finish') ?? 'auto', ['auto', 'with-rounds', 'full-dump'] as const),
        codec: oneOf('--codec', str(v, 'codec') ?? 'auto', ['auto', 'zstd', 'gzip'] as const),
        volumes: oneOf('--volumes', str(v, 'volumes') ?? 'copy', ['copy', 'skip'] as const),
        removeSource: v['remove-source'] === true,
        ...withCriu,
        ...(out ? { out } : {}),
      };
    }
    case 'periodic': {
      arity(word, pos, 1, 1, '<container>');
      const every = str(v, 'every');
      if (every === undefined) throw new UsageError('periodic: --every is required (e.g. --every 30s).');
      const count = str(v, 'count');
      return {
        cmd: 'periodic',
        ...common,
        container: pos[0]!,
        everyMs: parseDuration('--every', every, MIN_PERIOD_MS),
        keep: parseCount('--keep', str(v, 'keep') ?? '5', 1),
        preDump: v['pre-dump'] === true,
        ...(count !== undefined ? { count: parseCount('--count', count, 1) } : {}),
        ...frozen,
        ...withCriu,
        ...(out ? { out } : {}),
      };
    }
    case 'bench': {
      if (pos[0] !== 'engines') throw new UsageError(pos[0] ? `Unknown benchmark "${pos[0]}" (known: engines).` : 'bench: name a benchmark (known: engines).');
      arity('bench engines', pos.slice(1), 0, 0);
      const md = str(v, 'md');
      if (md !== undefined) checkPath('--md', md);
      const dockerCli = str(v, 'docker-cli');
      const runcRoot = str(v, 'runc-root');
      const methods = str(v, 'methods');
      return {
        cmd: 'bench-engines',
        ...common,
        sizesMb: parseSizes(str(v, 'sizes') ?? '16,256,1024'),
        reps: parseCount('--reps', str(v, 'reps') ?? '3', 1),
        warmup: parseCount('--warmup', str(v, 'warmup') ?? '0', 0),
        settleMs: parseCount('--settle-ms', str(v, 'settle-ms') ?? '1500', 0),
        ...(methods ? { methods: parseMethods(methods) } : {}),
        ...(out ? { out } : {}),
        ...(md ? { md } : {}),
        ...(dockerCli ? { dockerCli } : {}),
        ...(runcRoot ? { runcRoot } : {}),
      };
    }
    default:
      throw new UsageError(`Unknown command "${word}".`);
  }
}

/** The CLI reaches local daemons only (ssh hosts are the extension's); the core's endpoint rules apply. */
function checkHost(host: string): void {
  if (!/^(unix|tcp):\/\//.test(host)) throw new UsageError(`--host "${shownValue(host)}": use unix:///path or tcp://host:port.`);
  try {
    parseEndpoint(host);
  } catch (e) {
    throw new UsageError(`--host: ${(e as Error).message}.`);
  }
}

function checkContainerRef(ref: string): void {
  if (!isValidContainerRef(ref)) {
    throw new UsageError(`container "${shownValue(ref)}": use a container name or id (letters, digits, "_", "." or "-", starting with a letter or digit).`);
  }
}

/** A file the CLI writes: any path the user likes, but one a syscall reads the same way. */
function checkPath(flag: string, path: string): void {
  if (path === '') throw new UsageError(`${flag}: the path is empty.`);
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new UsageError(`${flag} "${shownValue(path)}": the path contains control characters.`);
  if (path.length > 4096) throw new UsageError(`${flag}: the path is too long.`);
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag} "${shownValue(text)}": use ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}.`);
  return text as T;
}

function str(v: Record<string, string | boolean | undefined>, key: string): string | undefined {
  const x = v[key];
  return typeof x === 'string' ? x : undefined;
}

function arity(cmd: string, pos: readonly string[], lo: number, hi: number, shape = ''): void {
  if (pos.length < lo) throw new UsageError(`${cmd}: missing ${shape}.`);
  if (pos.length > hi) throw new UsageError(`${cmd}: unexpected argument "${pos[hi]}"${shape ? ` (expects ${shape})` : ''}.`);
}

/** "16,256,1024" -> [16, 256, 1024]: whole MB, each at least 1, no duplicates. */
export function parseSizes(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const sizes = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (!parts.length || sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new UsageError(`--sizes "${text}": use whole MB separated by commas, e.g. 16,256,1024.`);
  if (new Set(sizes).size !== sizes.length) throw new UsageError(`--sizes "${text}": a size is listed twice.`);
  return sizes;
}

export function parseCount(flag: string, text: string, least: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < least) throw new UsageError(`${flag} "${shownValue(text)}": use a whole number >= ${least}.`);
  return n;
}

/** "30s", "5m", "1.5h", "1000ms" -> ms. A bare number is refused: seconds or milliseconds would be a guess. */
export function parseDuration(flag: string, text: string, leastMs: number): number {
  const ms = parsePeriod(text);
  if (ms === undefined) throw new UsageError(`${flag} "${shownValue(text)}": use a number with a unit, e.g. 1000ms, 30s, 5m or 1h.`);
  if (ms < leastMs) throw new UsageError(`${flag} "${shownValue(text)}": use at least ${leastMs} ms.`);
  return ms;
}

/** "cryo-runc,raw-runc" -> the methods to compare, each known and listed once. */
export function parseMethods(text: string): bench.BenchMethod[] {
  const parts = text.split(',').map((s) => s.trim());
  const known: readonly string[] = bench.METHODS;
  const bad = parts.filter((p) => !known.includes(p));
  if (bad.length) throw new UsageError(`--methods: unknown ${bad.map((b) => `"${b}"`).join(', ')} (known: ${known.join(', ')}).`);
  if (new Set(parts).size !== parts.length) throw new UsageError(`--methods "${text}": a method is listed twice.`);
  return parts as bench.BenchMethod[];
}
