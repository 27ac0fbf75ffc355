import type { CapabilityReport } from '../../core/index.js';

/**
 * The host row's one line: versions, then what does not work here although the checks pass
 * (the tooltip says why and what to do).
 */
export function hostDescription(r: CapabilityReport): string {
  const parts = [`Docker ${r.raw.docker.version ?? '?'}`, `CRIU ${r.raw.criu.version ?? 'missing'}`];
  if (r.raw.restoreTest?.outcome === 'pending') parts.push('testing restore…');
  else if (r.engines.docker.ok && !r.restoreInPlace.ok) parts.push('⚠ no in-place restore');
  if (r.raw.criu.found && !r.sockets.ok) parts.push('⚠ no TCP/UDP sockets');
  return parts.join(' · ');
}
