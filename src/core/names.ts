/**
 * Docker's own rule for container and checkpoint names. Checked before anything runs,
 * so a bad name never reaches a daemon, a path or a command line.
 * Docker refuses one-character names too, which the `+` (not `*`) encodes.
 */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class InvalidNameError extends Error {
  constructor(kind: string, value: string) {
    super(
      `Invalid ${kind} name "${value}": use at least 2 characters, starting with a letter or digit, ` +
        'then letters, digits, "_", "." or "-".',
    );
    this.name = 'InvalidNameError';
  }
}

export function isValidName(value: string): boolean {
  return DOCKER_NAME.test(value) && value.length <= 128;
}

export function assertValidName(kind: 'checkpoint' | 'container' | 'host', value: string): string {
  if (!isValidName(value)) throw new InvalidNameError(kind, value);
  return value;
}

/** A default checkpoint name a person can recognise later: cp-20261122-143005. */
export function defaultCheckpointName(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `cp-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

/** Container IDs are only ever used in paths after this check (64 hex digits from the daemon). */
export function assertContainerId(id: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`Unexpected container id "${id}"`);
  return id;
}
