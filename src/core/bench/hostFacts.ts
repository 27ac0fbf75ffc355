import type { CapabilityReport } from '../probe/capabilities.js';

/**
 * The facts a benchmark figure means nothing without. They travel as tags on every
 * record a benchmark writes (not as a separate record kind), so any single JSON line
 * can be charted or compared across machines on its own:
 * hostKernel, hostDocker, hostCriu, hostRunc, hostCpus, hostStorageDriver.
 */
export type HostFactTags = Record<'hostKernel' | 'hostDocker' | 'hostCriu' | 'hostRunc' | 'hostStorageDriver', string> & { hostCpus: number };

export function hostFactTags(report: CapabilityReport): HostFactTags {
  const d = report.raw.docker;
  return {
    hostKernel: d.kernel || '?',
    hostDocker: d.version ?? '?',
    hostCriu: report.raw.criu.version ?? '?',
    hostRunc: report.raw.runc.version ?? '?',
    hostCpus: d.cpus ?? 0,
    hostStorageDriver: d.storageDriver || '?',
  };
}

export function describeHostFacts(f: HostFactTags): string {
  return `kernel ${f.hostKernel}, Docker ${f.hostDocker}, CRIU ${f.hostCriu}, runc ${f.hostRunc}, ${f.hostCpus} CPUs, storage ${f.hostStorageDriver}`;
}
