import type { Feature, RawProbe } from './capabilities.js';
import { compareVersions } from './versions.js';

/**
 * What is known about Docker/CRIU/kernel combinations that break Cryo although every
 * check passes (verified on these machines, see docs and ../shared/notes/modern-stack.md).
 * Pure: the restore behaviour test's result arrives in RawProbe.restoreTest.
 */

/** The outcome of the restore behaviour test (restoreTest.ts) on one daemon. */
export interface RestoreTest {
  outcome: 'restored' | 'netns-bug' | 'failed';
  /** The daemon's answer when it failed (first line). */
  detail?: string;
  durationMs: number;
  testedAt: string;
  /** The daemon it holds for: Docker version, containerd version, daemon ID. */
  key: string;
  /** The throwaway container it used (removed afterwards), to trace what it left, if anything. */
  containerId?: string;
}
/** The test is running (or about to) in the background; the report is updated when it ends. */
export type RestoreTestState = RestoreTest | { outcome: 'pending'; key: string };

export const MOBY_50750 = 'https://github.com/moby/moby/issues/50750';

/** The daemon a restore test result holds for; undefined when the daemon did not say. */
export function daemonKey(d: RawProbe['docker']): string | undefined {
  if (!d.reachable || !d.version || !d.id) return undefined;
  return `docker ${d.version} | containerd ${d.containerdVersion ?? '?'} | id ${d.id}`;
}

/** Docker releases whose `docker start --checkpoint` is broken whatever the test shows. */
export function knownRestoreRegression(dockerVersion: string): string | undefined {
  if (compareVersions(dockerVersion, '25.0.0') >= 0 && compareVersions(dockerVersion, '25.0.4') < 0) {
    return `Docker ${dockerVersion} has a checkpoint restore regression (25.0.0–25.0.3, fixed in 25.0.4): upgrade Docker to 25.0.4 or later.`;
  }
  return undefined;
}

/** Docker 28 plugs the network in between task create and start; a restore has no pid then. */
export function suspectsNetnsBug(dockerVersion: string): boolean {
  return compareVersions(dockerVersion, '28') >= 0;
}

/**
 * restoreInPlace.ok=false means: Cryo must not rely on `docker start --checkpoint` into the
 * same container on this host (a checkpoint that stops the container would leave it unable to
 * come back that way). The restore then needs another route (d28's recreate route) or must
 * be refused before anything is frozen. ok=true: in-place restore works (tested, or by version
 * while the test is pending on a version not known to be broken).
 */
export function restoreInPlaceFeature(raw: RawProbe, checkpoints: Feature): Feature {
  const v = raw.docker.version;
  if (!raw.docker.reachable || !v) return { ok: false, reason: 'Docker daemon not reachable' };
  const regression = knownRestoreRegression(v);
  if (regression) return { ok: false, reason: regression };
  if (!checkpoints.ok) return { ok: false, reason: `no checkpoints through Docker here: ${checkpoints.reason ?? ''}`.trim() };
  const t = raw.restoreTest;
  const when = (x: RestoreTest) => `tested ${x.testedAt.slice(0, 16).replace('T', ' ')} UTC in ${(x.durationMs / 1000).toFixed(1)} s`;
  if (t?.outcome === 'restored') return { ok: true, reason: `docker start --checkpoint restores into the same container (${when(t)})` };
  if (t?.outcome === 'netns-bug') {
    return {
      ok: false,
      reason:
        `Docker ${v} cannot restore a checkpoint into a container with its own network namespace ` +
        `("bind-mount /proc/0/ns/net … no such file", moby issue 50750; ${when(t)}). ` +
        'Cryo restores by recreating the container in a form that restores, or refuses before freezing it.',
    };
  }
  if (suspectsNetnsBug(v)) {
    const status = t?.outcome === 'failed' ? `the restore test failed: ${t.detail ?? '?'}` : 'a restore test is confirming it';
    return { ok: false, reason: `Docker ${v}: in-place restore is broken on Docker 28+ for containers with their own network namespace (moby issue 50750); ${status}.` };
  }
  // Inconclusive (a step timed out on a slow host, CRIU refused the throwaway container): only a
  // confirmed netns bug or a known version takes in-place restore away. Taking it away on a
  // failed test sent a VM host's restores down the recreation route under load.
  if (t?.outcome === 'failed') return { ok: true, reason: `Docker ${v} is not known to break in-place restore; the restore test could not confirm it: ${t.detail ?? '?'} (${when(t)})` };
  return { ok: true, reason: `Docker ${v} is not known to break in-place restore (a restore test is confirming it)` };
}

/** Kernels from 6.16 refuse SO_PASSCRED/SO_PASSSEC on inet sockets; CRIU < 4.2 asks for them on every socket. */
export const SOCKET_KERNEL = '6.16';
export const SOCKET_CRIU = '4.2';

export function socketsFeature(raw: RawProbe): Feature {
  if (!raw.criu.found) return { ok: false, reason: 'CRIU is not installed' };
  const kernel = raw.docker.kernel;
  const criu = raw.criu.version;
  if (!criu || !kernel) return { ok: true, reason: `not verified (${!criu ? 'CRIU version' : 'kernel version'} unknown)` };
  if (compareVersions(kernel, SOCKET_KERNEL) >= 0 && compareVersions(criu, SOCKET_CRIU) < 0) {
    return {
      ok: false,
      reason:
        `CRIU ${criu} cannot dump any TCP/UDP socket on kernel ${kernel} (>= ${SOCKET_KERNEL}): a container with a listening or connected socket ` +
        `fails with "Can't get 1:16 opt: Operation not supported", although criu check passes. ` +
        `Upgrade CRIU to ${SOCKET_CRIU} or later (scripts/provision/host.sh builds 4.2.1).`,
    };
  }
  return { ok: true, reason: `CRIU ${criu} dumps TCP/UDP sockets on kernel ${kernel}` };
}
