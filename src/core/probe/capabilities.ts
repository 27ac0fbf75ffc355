import { restoreInPlaceFeature, socketsFeature, type RestoreTestState } from './stackKnowledge.js';
import { compareVersions } from './versions.js';

export { compareVersions } from './versions.js';
export { daemonKey, type RestoreTest, type RestoreTestState } from './stackKnowledge.js';

/**
 * What a host can do, as data the UI shows. Every feature carries the reason it is
 * unavailable, because "pre-dump is disabled" is useless without "kernel lacks soft-dirty".
 * This file is pure: the probe (probeHost.ts) gathers RawProbe, interpret() judges it.
 */
export interface Feature {
  ok: boolean;
  /** Why it is unavailable (or a note when available). */
  reason?: string;
}

export interface RawProbe {
  docker: {
    reachable: boolean;
    error?: string;
    version?: string;
    apiVersion?: string;
    experimental?: boolean;
    rootDir?: string;
    kernel?: string;
    cpus?: number;
    os?: string;
    storageDriver?: string;
    /** containerd's version as the daemon reports it, and the daemon's ID: with version, the key of a restore test. */
    containerdVersion?: string;
    id?: string;
    /** Docker's name for the host architecture (amd64, arm64, ...). */
    arch?: string;
  };
  criu: { found: boolean; version?: string; checkExit?: number; checkOutput?: string; memDirtyTrackExit?: number; uffdExit?: number };
  runc: { found: boolean; version?: string };
  privileged: { isRoot: boolean; sudo: boolean };
  /** The restore behaviour test (probe/restoreTest.ts) for this daemon; absent when it cannot run. */
  restoreTest?: RestoreTestState;
}

export interface CapabilityReport {
  raw: RawProbe;
  docker: Feature;
  experimental: Feature;
  criu: Feature;
  privileged: Feature;
  engines: { docker: Feature; runc: Feature };
  preDump: Feature;
  uffd: Feature;
  /** ok=false: CRIU cannot dump TCP/UDP sockets here (CRIU < 4.2 on a kernel >= 6.16). */
  sockets: Feature;
  /** ok=false: Cryo must not rely on `docker start --checkpoint` into the same container (see stackKnowledge.ts). */
  restoreInPlace: Feature;
  /** The single most important problem, for a tree item's message; undefined when all is well. */
  blocker?: { message: string; action: 'docs' | 'settings' | 'retry' };
}

export const MIN_CRIU_VERSION = '3.11';

export function interpret(raw: RawProbe): CapabilityReport {
  const docker: Feature = raw.docker.reachable
    ? { ok: true, reason: `Docker ${raw.docker.version ?? '?'} (API ${raw.docker.apiVersion ?? '?'})` }
    : { ok: false, reason: `Docker daemon not reachable: ${raw.docker.error ?? 'no answer'}. Is Docker running?` };
  const experimental: Feature = !raw.docker.reachable
    ? { ok: false, reason: 'Docker daemon not reachable' }
    : raw.docker.experimental
      ? { ok: true }
      : { ok: false, reason: 'Docker runs without experimental mode: checkpoint endpoints answer 501. Set "experimental": true in /etc/docker/daemon.json and restart dockerd.' };
  const privileged: Feature = raw.privileged.isRoot
    ? { ok: true, reason: 'running as root' }
    : raw.privileged.sudo
      ? { ok: true, reason: 'via sudo -n' }
      : { ok: false, reason: 'Cryo is neither root nor allowed passwordless sudo on this host, so it cannot run runc or criu directly.' };
  const criu = criuFeature(raw);
  const engineDocker: Feature = !experimental.ok ? experimental : !criu.ok ? criu : { ok: true, reason: "Docker's checkpoint API (needs only the Docker socket)" };
  const runc: Feature = !raw.runc.found
    ? { ok: false, reason: 'runc not found on the host PATH' }
    : !privileged.ok
      ? { ok: false, reason: privileged.reason ?? 'not privileged' }
      : !criu.ok
        ? criu
        : !raw.docker.reachable
          ? docker
          : { ok: true, reason: `runc ${raw.runc.version ?? ''} straight into Docker's checkpoint folder (keeps CRIU stats)`.trim() };
  const preDump: Feature = !runc.ok
    ? { ok: false, reason: `pre-dump needs the runc engine: ${runc.reason ?? ''}` }
    : raw.criu.memDirtyTrackExit === 0
      ? { ok: true }
      : { ok: false, reason: 'The kernel lacks soft-dirty page tracking (CONFIG_MEM_SOFT_DIRTY), so CRIU cannot pre-dump (criu check --feature mem_dirty_track fails).' };
  const uffd: Feature = raw.criu.uffdExit === 0 ? { ok: true } : { ok: false, reason: 'userfaultfd (uffd-noncoop) not supported: no lazy/post-copy restore' };
  const sockets = socketsFeature(raw);
  const restoreInPlace = restoreInPlaceFeature(raw, engineDocker);
  const report: CapabilityReport = { raw, docker, experimental, criu, privileged, engines: { docker: engineDocker, runc }, preDump, uffd, sockets, restoreInPlace };
  const blocker = firstBlocker(report);
  if (blocker) report.blocker = blocker;
  return report;
}

function criuFeature(raw: RawProbe): Feature {
  if (!raw.criu.found) return { ok: false, reason: 'CRIU is not installed on the host (run scripts/provision/host.sh, or install CRIU >= 3.11 built for this kernel).' };
  if (raw.criu.version && compareVersions(raw.criu.version, MIN_CRIU_VERSION) < 0) {
    return { ok: false, reason: `CRIU ${raw.criu.version} is too old (need >= ${MIN_CRIU_VERSION}).` };
  }
  if (raw.criu.checkExit === undefined) return { ok: false, reason: 'criu check could not run (needs root)' };
  if (raw.criu.checkExit !== 0) {
    const why = lastMeaningfulLine(raw.criu.checkOutput ?? '');
    return { ok: false, reason: `criu check fails on this kernel${why ? `: ${why}` : ''}. A newer CRIU is needed (scripts/provision/host.sh builds 4.2.1).` };
  }
  return { ok: true, reason: `CRIU ${raw.criu.version ?? '?'}: criu check passes` };
}

function firstBlocker(r: CapabilityReport): CapabilityReport['blocker'] {
  if (!r.docker.ok) return { message: 'Failed to connect. Is Docker running?', action: 'retry' };
  if (!r.experimental.ok) return { message: 'Docker experimental mode is off: checkpoints unavailable', action: 'docs' };
  if (!r.criu.ok) return { message: r.raw.criu.found ? 'CRIU does not work on this kernel' : 'CRIU is not installed', action: 'docs' };
  return undefined;
}

export function parseCriuVersion(output: string): string | undefined {
  return output.match(/Version:\s*([\d.]+)/)?.[1];
}

export function parseRuncVersion(output: string): string | undefined {
  return output.match(/runc version\s+([^\s]+)/)?.[1];
}

function lastMeaningfulLine(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter((l) => l && !/^Looks good/.test(l));
  const err = lines.filter((l) => /Error|error|fail/i.test(l));
  return (err[err.length - 1] ?? lines[lines.length - 1] ?? '').replace(/^\(\d+\.\d+\)\s*/, '').slice(0, 200);
}

/** A multi-line, human-readable summary for a tooltip. */
export function describeReport(r: CapabilityReport): string {
  const line = (name: string, f: Feature) => `${f.ok ? '✓' : '✗'} ${name}${f.reason ? ` — ${f.reason}` : ''}`;
  return [
    line('Docker', r.docker),
    line('Experimental mode', r.experimental),
    line('CRIU', r.criu),
    line('Privileged host commands', r.privileged),
    line('Engine: docker', r.engines.docker),
    line('Engine: runc', r.engines.runc),
    line('Pre-dump', r.preDump),
    line('Lazy pages (uffd)', r.uffd),
    line('TCP/UDP sockets', r.sockets),
    line('Restore in place', r.restoreInPlace),
    r.raw.docker.kernel ? `Kernel ${r.raw.docker.kernel}, ${r.raw.docker.cpus ?? '?'} CPUs, storage ${r.raw.docker.storageDriver ?? '?'}` : '',
    r.raw.docker.containerdVersion ? `containerd ${r.raw.docker.containerdVersion}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
