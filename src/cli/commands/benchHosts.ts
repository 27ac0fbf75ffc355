import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { bench, DockerHost, type SshOptions } from '../../core/index.js';
import { UsageError } from '../args.js';
import type { CliContext } from '../context.js';

/**
 * What the migration, pre-dump and chain benchmarks share: the hosts they run on, known by
 * name (the ones scripts/provision and scripts/vm set up), their flags, and their output.
 */
const HOST_B_SSH = '/var/lib/cryo/host-b/ssh';
const VM_SSH_CONFIG = process.env['CRYO_VM_SSH_CONFIG'] ?? '/var/lib/cryo/vm/ssh/config';
/** The VM's RAM as scripts/vm/start.sh was told (CRYO_VM_MEM, MiB): a container may use a quarter (256 MB of 1 GiB). */
const VM_MEM_MB = Number(process.env['CRYO_VM_MEM'] ?? 1024) || 1024;
const VM_MAX_SIZE_MB = Math.floor(VM_MEM_MB / 4);

interface HostSpec {
  describe: string;
  endpoint?: string;
  options?: SshOptions;
  /** Largest container this host can hold (the VM has 1 GiB of RAM). */
  maxSizeMb?: number;
}

export const BENCH_HOSTS: Record<string, HostSpec> = {
  local: { describe: "this machine's daemon (--host, DOCKER_HOST or the default socket)" },
  'host-b': {
    describe: 'daemon B behind sshd on 127.0.0.1:2222 (scripts/provision/host-b.sh)',
    endpoint: 'ssh://root@127.0.0.1:2222',
    options: { identityFile: `${HOST_B_SSH}/id_ed25519`, knownHostsFile: `${HOST_B_SSH}/known_hosts` },
  },
  'host-c': { describe: 'daemon C, Docker 28 (scripts/provision/host-c.sh): restores recreate the container', endpoint: 'unix:///run/docker-c.sock' },
  vm: { describe: 'the stock-kernel VM (scripts/vm/start.sh), soft-dirty: pre-dump works', endpoint: 'ssh://cryo-vm', options: { sshConfigFile: VM_SSH_CONFIG }, maxSizeMb: VM_MAX_SIZE_MB },
  'vm-b': { describe: "the VM's daemon B (start.sh --with-daemon-b)", endpoint: 'ssh://cryo-vm-b', options: { sshConfigFile: VM_SSH_CONFIG }, maxSizeMb: VM_MAX_SIZE_MB },
};

export function hostNamed(name: string): HostSpec {
  const spec = BENCH_HOSTS[name];
  if (!spec) throw new UsageError(`Unknown host "${name}" (known: ${Object.keys(BENCH_HOSTS).join(', ')}).`);
  return spec;
}

/** Opens a named host; `local` is the CLI's own host. Close with closeHosts. */
export function openHost(ctx: CliContext, name: string): DockerHost {
  const spec = hostNamed(name);
  if (!spec.endpoint) return ctx.host;
  if (spec.endpoint.startsWith('unix://')) return DockerHost.local(name, spec.endpoint);
  return DockerHost.ssh(name, spec.endpoint, spec.options ?? {});
}

export async function closeHosts(ctx: CliContext, hosts: readonly DockerHost[]): Promise<void> {
  await Promise.all(hosts.filter((h) => h !== ctx.host).map((h) => h.dispose()));
}

export function checkSizesFit(hosts: readonly string[], sizesMb: readonly number[]): void {
  for (const h of hosts) {
    const max = hostNamed(h).maxSizeMb;
    const big = sizesMb.filter((s) => max !== undefined && s > max);
    if (big.length) throw new UsageError(`--sizes ${big.join(',')}: host ${h} holds at most ${max} MB per container (a quarter of the VM's ${VM_MEM_MB} MiB; a VM started with more, CRYO_VM_MEM=..., takes the same CRYO_VM_MEM here).`);
  }
}

/**
 * Second Ctrl-C: no time for the orderly clean-up, so remove the run's containers on every
 * host synchronously (ssh hosts through a plain ssh; their sessions have the right DOCKER_HOST).
 */
export function forceRemoveOn(ctx: CliContext, hostName: string, namePrefix: string): void {
  const spec = hostNamed(hostName);
  if (!spec.endpoint || spec.endpoint.startsWith('unix://')) {
    const endpoint = spec.endpoint ?? ctx.host.endpoint;
    const ps = spawnSync(bench.DEFAULT_DOCKER_CLI, ['-H', endpoint, 'ps', '-aq', '--filter', `name=${namePrefix}`], { encoding: 'utf8', timeout: 15_000 });
    const ids = (ps.stdout ?? '').split('\n').filter(Boolean);
    if (ids.length) spawnSync(bench.DEFAULT_DOCKER_CLI, ['-H', endpoint, 'rm', '-f', ...ids], { stdio: 'ignore', timeout: 60_000 });
    return;
  }
  const ssh = bench.plainSshArgv(sshTarget(spec.endpoint), spec.options ?? {});
  spawnSync(ssh[0]!, [...ssh.slice(1), `docker ps -aq --filter name=${namePrefix} | xargs -r docker rm -f`], { stdio: 'ignore', timeout: 60_000 });
}

function sshTarget(endpoint: string): { host: string; user?: string; port?: number } {
  const u = new URL(endpoint);
  return { host: u.hostname, ...(u.username ? { user: u.username } : {}), ...(u.port ? { port: Number(u.port) } : {}) };
}

// ---------------------------------------------------------------- flags

type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS: Options = {
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string' },
  md: { type: 'string' },
  reps: { type: 'string' },
  'settle-ms': { type: 'string' },
};

/**
 * `cryo bench <word> ...` parsed strictly with `options`, or undefined when argv is another
 * command. Returns the flag values (strings and booleans) with the common ones checked.
 */
export function parseBenchFlags(argv: readonly string[], word: string, options: Options): { values: Record<string, string | boolean | undefined>; host?: string } | undefined {
  const all = { ...COMMON_OPTIONS, ...options };
  const loose = parseArgs({ args: [...argv], options: all, strict: false, allowPositionals: true });
  if (loose.positionals[0] !== 'bench' || loose.positionals[1] !== word || loose.values['help'] === true) return undefined;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: all, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`bench ${word}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (parsed.positionals.length > 2) throw new UsageError(`bench ${word}: unexpected argument "${parsed.positionals[2]}".`);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const host = typeof values['host'] === 'string' ? values['host'] : undefined;
  if (host !== undefined && !/^(unix:\/\/\/|tcp:\/\/)./.test(host)) throw new UsageError(`--host "${host}": use unix:///path or tcp://host:port (the local daemon; name other hosts with --hosts).`);
  return { values, ...(host ? { host } : {}) };
}

export function flag(values: Record<string, string | boolean | undefined>, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

/** "0,5,50" or "0.5" -> dirty rates in %/s (0..100, decimals allowed, no duplicates). */
export function parseDirty(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const xs = parts.map((p) => (/^\d+(\.\d+)?$/.test(p) ? Number(p) : NaN));
  if (!parts.length || xs.some((x) => !Number.isFinite(x) || x > 100)) throw new UsageError(`--dirty "${text}": use percentages per second from 0 to 100, separated by commas, e.g. 0,5,50.`);
  if (new Set(xs).size !== xs.length) throw new UsageError(`--dirty "${text}": a rate is listed twice.`);
  return xs;
}

/** "0-16" or "1,2,4,8" -> chain lengths (whole numbers >= 0). */
export function parseLengths(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (hi < lo || hi > 64) throw new UsageError(`--lengths "${text}": use lo-hi with lo <= hi <= 64.`);
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  }
  const parts = text.split(',').map((s) => s.trim());
  const xs = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (xs.some((x) => !Number.isInteger(x) || x > 64)) throw new UsageError(`--lengths "${text}": use a range like 0-16 or whole numbers like 0,1,2,4,8,16.`);
  if (new Set(xs).size !== xs.length) throw new UsageError(`--lengths "${text}": a length is listed twice.`);
  return xs;
}

/** A comma-separated subset of `known`, each listed once. */
export function parseChoice<T extends string>(flagName: string, text: string, known: readonly T[]): T[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !(known as readonly string[]).includes(p));
  if (bad.length) throw new UsageError(`${flagName}: unknown ${bad.map((b) => `"${b}"`).join(', ')} (known: ${known.join(', ')}).`);
  if (new Set(parts).size !== parts.length) throw new UsageError(`${flagName} "${text}": an entry is listed twice.`);
  return parts as T[];
}

export function parseYesNo(flagName: string, text: string | undefined, dflt: boolean): boolean {
  if (text === undefined) return dflt;
  if (text === 'yes') return true;
  if (text === 'no') return false;
  throw new UsageError(`${flagName} "${text}": use yes or no.`);
}

// ---------------------------------------------------------------- output

export interface BenchOutput {
  title: string;
  about: string[];
  tables: bench.BenchTable[];
  goals: bench.BenchGoal[];
  notes: string[];
}

/** Tables and goals on stdout; the same as markdown to --md (a section to paste into docs). */
export async function writeBenchOutput(ctx: CliContext, o: BenchOutput, md?: string): Promise<void> {
  ctx.out(bench.renderTablesText(o.tables, o.goals, [...o.about, ...o.notes]));
  if (!md) return;
  const text = [`## ${o.title}`, '', ...o.about.map((l) => `${l}  `), '', bench.renderTablesMarkdown(o.tables, o.goals, o.notes)].join('\n');
  await mkdir(dirname(md), { recursive: true });
  await writeFile(md, text, 'utf8');
  ctx.err(`Markdown written to ${md}`);
}
