import { isAbsolute, join, posix } from 'node:path';
import { parseEndpoint } from '../docker/connect.js';
import { isValidName } from '../names.js';
import { sshTargetFromEndpoint, type SshOptions } from '../ssh/target.js';

/**
 * Where Cryo's hosts come from: the local daemon, Docker contexts (~/.docker/contexts),
 * DOCKER_HOST, and the `cryo.hosts` setting. Everything here is pure (data in, data out)
 * except readDockerContexts, which only reads files.
 */
export type HostSource = 'local' | 'env' | 'context' | 'setting';

export interface HostSpec {
  name: string;
  /** unix:///path, tcp://host:port or ssh://user@host[:port]. */
  endpoint: string;
  source: HostSource;
  /** The Docker context docker itself would use now (DOCKER_CONTEXT or config.json currentContext). */
  current?: boolean;
  /** Connection options for ssh:// endpoints. */
  ssh?: Pick<SshOptions, 'identityFile' | 'sshConfigFile' | 'knownHostsFile'>;
  /** Names of other sources that pointed at the same endpoint and were merged into this one. */
  aliases?: string[];
}

/** One entry of the `cryo.hosts` setting, as the user writes it. */
export interface SettingHostEntry {
  name: string;
  endpoint: string;
  identityFile?: string;
  sshConfigFile?: string;
  knownHostsFile?: string;
}

export interface Discovered {
  hosts: HostSpec[];
  /** Entries that were skipped or renamed, each a sentence for the log or a warning. */
  problems: string[];
}

export const DEFAULT_LOCAL_ENDPOINT = 'unix:///var/run/docker.sock';

export function localHostSpec(endpoint = DEFAULT_LOCAL_ENDPOINT): HostSpec {
  return { name: 'local', endpoint, source: 'local' };
}

/** DOCKER_HOST, when set, is a host of its own (merged with local when it is the same socket). */
export function envHostSpec(env: Readonly<Record<string, string | undefined>>): Discovered {
  const value = env['DOCKER_HOST']?.trim();
  if (!value) return { hosts: [], problems: [] };
  const why = endpointProblem(value);
  if (why) return { hosts: [], problems: [`DOCKER_HOST="${value}" is ignored: ${why}`] };
  return { hosts: [{ name: 'DOCKER_HOST', endpoint: value, source: 'env' }], problems: [] };
}

/** Where the docker CLI keeps its config: $DOCKER_CONFIG or ~/.docker. */
export function dockerConfigDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return env['DOCKER_CONFIG'] || join(home, '.docker');
}

/** What one context's meta.json holds, as far as Cryo cares. */
export interface ContextMeta {
  Name?: unknown;
  Endpoints?: { docker?: { Host?: unknown } };
}

/**
 * Docker contexts from their meta.json files (contexts/meta/<hash>/meta.json) and the
 * current one (DOCKER_CONTEXT, else config.json's currentContext). Pure: the caller reads the files.
 */
export function contextHostSpecs(metas: readonly { file: string; text: string }[], configJson: string | undefined, env: Readonly<Record<string, string | undefined>>): Discovered {
  const problems: string[] = [];
  let current = env['DOCKER_CONTEXT'] || undefined;
  if (!current && configJson !== undefined) {
    try {
      const cfg = JSON.parse(configJson) as { currentContext?: unknown };
      if (typeof cfg.currentContext === 'string' && cfg.currentContext) current = cfg.currentContext;
    } catch (e) {
      problems.push(`Docker's config.json is not valid JSON (${(e as Error).message}): the current context is unknown.`);
    }
  }
  const hosts: HostSpec[] = [];
  for (const { file, text } of metas) {
    let meta: ContextMeta;
    try {
      meta = JSON.parse(text) as ContextMeta;
    } catch (e) {
      problems.push(`Docker context file ${file} is not valid JSON (${(e as Error).message}): skipped.`);
      continue;
    }
    const name = typeof meta.Name === 'string' ? meta.Name : undefined;
    const endpoint = meta.Endpoints?.docker?.Host;
    if (!name || typeof endpoint !== 'string' || !endpoint) {
      problems.push(`Docker context file ${file} has no name or no docker endpoint: skipped.`);
      continue;
    }
    const why = endpointProblem(endpoint);
    if (why) {
      problems.push(`Docker context "${name}" (${endpoint}) is skipped: ${why}`);
      continue;
    }
    const spec: HostSpec = { name: sanitizeName(name), endpoint, source: 'context' };
    if (name === current) spec.current = true;
    hosts.push(spec);
  }
  hosts.sort((a, b) => Number(b.current ?? false) - Number(a.current ?? false) || a.name.localeCompare(b.name));
  return { hosts, problems };
}

/** The `cryo.hosts` setting, validated entry by entry; `~/` in paths means home. */
export function settingHostSpecs(value: unknown, home: string): Discovered {
  const problems: string[] = [];
  const hosts: HostSpec[] = [];
  if (value === undefined || value === null) return { hosts, problems };
  if (!Array.isArray(value)) return { hosts, problems: ['The cryo.hosts setting must be an array of { name, endpoint } objects: ignored.'] };
  const seen = new Set<string>();
  value.forEach((raw: unknown, i) => {
    const at = `cryo.hosts[${i}]`;
    const r = checkSettingEntry(raw, home);
    if (typeof r === 'string') {
      problems.push(`${at}: ${r} The entry is skipped.`);
      return;
    }
    if (seen.has(r.name)) {
      problems.push(`${at}: the name "${r.name}" is used twice in cryo.hosts. The entry is skipped.`);
      return;
    }
    seen.add(r.name);
    hosts.push(r);
  });
  return { hosts, problems };
}

/** Checks one setting entry; returns the spec or the reason it is unusable. */
export function checkSettingEntry(raw: unknown, home: string): HostSpec | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not an object with name and endpoint.';
  const e = raw as Record<string, unknown>;
  if (typeof e['name'] !== 'string' || !isValidName(e['name'])) {
    return `the name ${JSON.stringify(e['name'])} is invalid: use at least 2 characters, starting with a letter or digit, then letters, digits, "_", "." or "-".`;
  }
  const name = e['name'];
  if (typeof e['endpoint'] !== 'string') return `host "${name}" has no endpoint (ssh://user@host[:port], unix:///path or tcp://host:port).`;
  const endpoint = e['endpoint'].trim();
  const why = endpointProblem(endpoint);
  if (why) return `host "${name}": ${why}`;
  const spec: HostSpec = { name, endpoint, source: 'setting' };
  const ssh: NonNullable<HostSpec['ssh']> = {};
  for (const key of ['identityFile', 'sshConfigFile', 'knownHostsFile'] as const) {
    const v = e[key];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') return `host "${name}": ${key} must be a path.`;
    if (/[\u0000-\u001f\u007f]/.test(v)) return `host "${name}": ${key} contains control characters.`;
    const path = expandHome(v, home);
    if (!isAbsolute(path)) return `host "${name}": ${key} "${v}" must be an absolute path (or start with ~/).`;
    if (!endpoint.startsWith('ssh://')) return `host "${name}": ${key} only applies to ssh:// endpoints.`;
    ssh[key] = path;
  }
  if (Object.keys(ssh).length) spec.ssh = ssh;
  return spec;
}

/** Why an endpoint cannot be used, or undefined when it can. */
export function endpointProblem(endpoint: string): string | undefined {
  try {
    const ep = parseEndpoint(endpoint);
    if (ep.scheme === 'ssh') sshTargetFromEndpoint(endpoint);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * One key per daemon, for de-duplication: scheme, lower-cased host, default tcp port, a
 * normalized socket path (optionally resolved through symlinks by `canonicalSocket`).
 * An ssh endpoint without a port keeps no port: ~/.ssh/config may give it one.
 */
export function endpointKey(endpoint: string, canonicalSocket: (path: string) => string = (p) => p): string {
  try {
    const ep = parseEndpoint(endpoint);
    if (ep.scheme === 'unix') return `unix://${canonicalSocket(posix.normalize(ep.socketPath!))}`;
    const host = ep.host!.toLowerCase();
    if (ep.scheme === 'tcp') return `tcp://${host}:${ep.port ?? 2375}`;
    return `ssh://${ep.user ?? ''}@${host}:${ep.port ?? ''}`;
  } catch {
    return endpoint.trim();
  }
}

const RANK: Record<HostSource, number> = { local: 0, env: 1, context: 2, setting: 3 };
/** When two sources name the same daemon, the more explicit one wins (its name and ssh options). */
const PRIORITY: HostSource[] = ['setting', 'env', 'context', 'local'];

/**
 * Merges host lists: one host per daemon (by endpointKey; the setting beats DOCKER_HOST
 * beats a context beats the local default: its name and ssh options are kept), then
 * names made unique in display order (local, DOCKER_HOST, contexts with the current one
 * first, settings), so the built-in "local" keeps its name and a later clash gets a suffix.
 */
export function mergeHostSpecs(specs: readonly HostSpec[], canonicalSocket?: (path: string) => string): Discovered {
  const problems: string[] = [];
  const byKey = new Map<string, HostSpec>();
  const position = new Map<HostSpec, number>();
  for (const src of PRIORITY) {
    for (const spec of specs.filter((s) => s.source === src)) {
      const key = endpointKey(spec.endpoint, canonicalSocket);
      const kept = byKey.get(key);
      if (kept) {
        (kept.aliases ??= []).push(spec.name);
        if (spec.current) kept.current = true;
        continue;
      }
      const copy = { ...spec };
      byKey.set(key, copy);
      position.set(copy, specs.indexOf(spec));
    }
  }
  const hosts = [...byKey.values()].sort((a, b) => RANK[a.source] - RANK[b.source] || position.get(a)! - position.get(b)!);
  const names = new Set<string>();
  for (const h of hosts) {
    if (names.has(h.name)) {
      const renamed = uniqueName(`${h.name}-${h.source}`, names);
      problems.push(`Two hosts are named "${h.name}"; the ${describeSource(h.source)} one (${h.endpoint}) is shown as "${renamed}".`);
      h.name = renamed;
    }
    names.add(h.name);
  }
  return { hosts, problems };
}

/**
 * All sources together. `localSocketExists` keeps a missing local daemon out of the list
 * when other hosts exist (with none, it stays, so the tree can say what is wrong).
 */
export function discoverHostSpecs(input: {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  setting: unknown;
  contextMetas: readonly { file: string; text: string }[];
  dockerConfigJson?: string;
  localSocketExists: boolean;
  canonicalSocket?: (path: string) => string;
}): Discovered {
  const parts = [envHostSpec(input.env), contextHostSpecs(input.contextMetas, input.dockerConfigJson, input.env), settingHostSpecs(input.setting, input.home)];
  const others = parts.flatMap((p) => p.hosts);
  const local = input.localSocketExists || others.length === 0 ? [localHostSpec()] : [];
  const merged = mergeHostSpecs([...local, ...others], input.canonicalSocket);
  return { hosts: merged.hosts, problems: [...parts.flatMap((p) => p.problems), ...merged.problems] };
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** Docker context names allow "+", Cryo names do not: keep the rest, replace the odd character. */
function sanitizeName(name: string): string {
  if (isValidName(name)) return name;
  const s = name.replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return isValidName(s) ? s : `context-${s || 'unnamed'}`.slice(0, 128);
}

function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

function describeSource(s: HostSource): string {
  return { local: 'local', env: 'DOCKER_HOST', context: 'Docker context', setting: 'cryo.hosts' }[s];
}
