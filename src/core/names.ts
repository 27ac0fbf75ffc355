/**
 * Docker's own rule for container and checkpoint names. Checked before anything runs,
 * so a bad name never reaches a daemon, a path or a command line.
 * Docker refuses one-character names too, which the `+` (not `*`) encodes.
 */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class InvalidNameError extends Error {
  constructor(kind: string, value: string, rule = 'at least 2 characters, starting with a letter or digit, then letters, digits, "_", "." or "-"') {
    super(`Invalid ${kind} name "${shownValue(value)}": use ${rule}.`);
    this.name = 'InvalidNameError';
  }
}

/** A value as it can be shown in one line: control characters escaped, at most 80 characters. */
export function shownValue(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(cut).slice(1, -1);
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

/**
 * What a user may pass to name a container: a name (optionally with Docker's leading "/") or
 * an id or id prefix. The reference goes into Docker API paths (/containers/REF/json), so
 * "/", "?", "#", "..", spaces or control characters would change the request itself.
 */
const CONTAINER_REF = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function isValidContainerRef(ref: string): boolean {
  return CONTAINER_REF.test(ref) && ref.length <= 255;
}

export function assertContainerRef(ref: string): string {
  if (!isValidContainerRef(ref)) {
    throw new InvalidNameError('container', ref, 'a container name or id: letters, digits, "_", "." or "-", starting with a letter or digit (at most 255 characters)');
  }
  return ref;
}

/** Container IDs are only ever used in paths after this check (64 hex digits from the daemon). */
export function assertContainerId(id: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`Unexpected container id "${id}"`);
  return id;
}
