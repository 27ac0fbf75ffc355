import type Docker from 'dockerode';
import type { CommandRunner } from '../exec/runner.js';
import { interpret, parseCriuVersion, parseRuncVersion, type CapabilityReport, type RawProbe } from './capabilities.js';

const PROBE_TIMEOUT_MS = 20_000;

/** Gathers the facts interpret() judges. Each part fails independently into "not found"/"not reachable". */
export async function probeHost(docker: Docker, runner: CommandRunner, signal?: AbortSignal): Promise<CapabilityReport> {
  const opts = { timeoutMs: PROBE_TIMEOUT_MS, ...(signal ? { signal } : {}) };
  const [dockerFacts, privileged] = await Promise.all([probeDocker(docker), probePrivileges(runner, opts)]);
  const canPriv = privileged.isRoot || privileged.sudo;
  const [criu, runc] = await Promise.all([probeCriu(runner, canPriv, opts), probeRunc(runner, opts)]);
  return interpret({ docker: dockerFacts, criu, runc, privileged });
}

async function probeDocker(docker: Docker): Promise<RawProbe['docker']> {
  try {
    const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<Record<string, unknown>>]);
    const containerd = version.Components?.find((c) => c.Name.toLowerCase() === 'containerd')?.Version;
    return {
      reachable: true,
      version: version.Version,
      ...(containerd ? { containerdVersion: containerd } : {}),
      ...(info['ID'] ? { id: String(info['ID']) } : {}),
      ...(version.Arch ? { arch: version.Arch } : {}),
      apiVersion: version.ApiVersion,
      experimental: info['ExperimentalBuild'] === true,
      rootDir: String(info['DockerRootDir'] ?? '/var/lib/docker'),
      kernel: String(info['KernelVersion'] ?? ''),
      cpus: Number(info['NCPU'] ?? 0),
      os: String(info['OperatingSystem'] ?? ''),
      storageDriver: String(info['Driver'] ?? ''),
    };
  } catch (e) {
    return { reachable: false, error: e instanceof Error ? e.message : String(e) };
  }
}

async function probePrivileges(runner: CommandRunner, opts: { timeoutMs: number }): Promise<RawProbe['privileged']> {
  const id = await runner.run(['id', '-u'], opts);
  if (id.exitCode === 0 && id.stdout.trim() === '0') return { isRoot: true, sudo: false };
  const sudo = await runner.run(['sudo', '-n', 'true'], opts);
  return { isRoot: false, sudo: sudo.exitCode === 0 };
}

async function probeCriu(runner: CommandRunner, privileged: boolean, opts: { timeoutMs: number }): Promise<RawProbe['criu']> {
  const v = await runner.run(['criu', '--version'], { ...opts, privileged });
  if (v.exitCode !== 0) return { found: false };
  const out: RawProbe['criu'] = { found: true };
  const version = parseCriuVersion(v.stdout);
  if (version) out.version = version;
  if (!privileged) return out;
  const [check, dirty, uffd] = await Promise.all([
    runner.run(['criu', 'check'], { ...opts, privileged }),
    runner.run(['criu', 'check', '--feature', 'mem_dirty_track'], { ...opts, privileged }),
    runner.run(['criu', 'check', '--feature', 'uffd-noncoop'], { ...opts, privileged }),
  ]);
  out.checkExit = check.exitCode;
  out.checkOutput = `${check.stdout}\n${check.stderr}`.trim();
  out.memDirtyTrackExit = dirty.exitCode;
  out.uffdExit = uffd.exitCode;
  return out;
}

async function probeRunc(runner: CommandRunner, opts: { timeoutMs: number }): Promise<RawProbe['runc']> {
  const v = await runner.run(['runc', '--version'], opts);
  if (v.exitCode !== 0) return { found: false };
  const version = parseRuncVersion(v.stdout);
  return version ? { found: true, version } : { found: true };
}
