import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { discoverHostSpecs, dockerConfigDir, DEFAULT_LOCAL_ENDPOINT, type Discovered } from './sources.js';

/**
 * Reads every Docker context's meta.json (contexts/meta/<hash>/meta.json) under a docker
 * config dir. Synchronous on purpose: a handful of tiny files, read when the host list is
 * built, so the list is complete the first time anyone asks.
 */
export function readContextMetas(configDir: string): { file: string; text: string }[] {
  const metaDir = join(configDir, 'contexts', 'meta');
  let dirs: string[];
  try {
    dirs = readdirSync(metaDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  const out: { file: string; text: string }[] = [];
  for (const d of dirs) {
    const file = join(metaDir, d, 'meta.json');
    const text = readText(file);
    if (text !== undefined) out.push({ file, text });
  }
  return out;
}

/** A socket path with symlinks resolved (/var/run → /run), or as given when it does not exist. */
export function canonicalSocket(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Hosts from this machine's local daemon, Docker contexts, DOCKER_HOST and a `cryo.hosts` value. */
export function discoverHosts(setting: unknown, env: Readonly<Record<string, string | undefined>> = process.env, home: string = homedir()): Discovered {
  const configDir = dockerConfigDir(env, home);
  const dockerConfigJson = readText(join(configDir, 'config.json'));
  return discoverHostSpecs({
    env,
    home,
    setting,
    contextMetas: readContextMetas(configDir),
    ...(dockerConfigJson !== undefined ? { dockerConfigJson } : {}),
    localSocketExists: existsSync(DEFAULT_LOCAL_ENDPOINT.slice('unix://'.length)),
    canonicalSocket,
  });
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
