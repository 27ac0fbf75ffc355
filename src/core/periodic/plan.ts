import { normalizeCriuOptions, type CriuOptions } from '../criu/options.js';
import { isValidName } from '../names.js';

/** Seed 002's checkpoint ticker for one container: period T and version group VG. */
export interface PeriodicPlan {
  /** The period T: a new version this often, in ms (at least MIN_PERIOD_MS). */
  everyMs: number;
  /** How many of the ticker's own versions to keep, newest first (at least 1). */
  keep: number;
  /** One pre-dump round before each version's dump, where the host supports pre-dump. */
  preDump?: boolean;
  /** Version names start with this (default DEFAULT_PREFIX). */
  prefix?: string;
  /** Stop after this many versions (default: until stopped). */
  count?: number;
  /** CRIU options of every version (runc engine), recorded with each for its restore. */
  criu?: CriuOptions;
}

export interface ValidPlan {
  everyMs: number;
  keep: number;
  preDump: boolean;
  prefix: string;
  count?: number;
  criu?: CriuOptions;
}

/** A dump of even a small container takes a good part of a second; shorter periods only pile up skips. */
export const MIN_PERIOD_MS = 1000;
export const DEFAULT_PREFIX = 'auto';
/** After this many failed versions in a row the ticker stops: retrying forever would only fill the results file. */
export const MAX_CONSECUTIVE_FAILURES = 3;

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "5m", "1.5h", "1000ms" -> ms; undefined for anything else (a bare number would be a guess). */
export function parsePeriod(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2]!]!) : NaN;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** 2000 -> "2 s", 90000 -> "1.5 min", 3600000 -> "1 h": for labels. */
export function formatPeriod(ms: number): string {
  const [n, unit] = ms >= 3_600_000 ? [ms / 3_600_000, 'h'] : ms >= 60_000 ? [ms / 60_000, 'min'] : ms >= 1000 ? [ms / 1000, 's'] : [ms, 'ms'];
  return `${Number.isInteger(n) ? n : Number(n.toFixed(2))} ${unit}`;
}

const wholeAtLeast = (n: number, least: number) => Number.isSafeInteger(n) && n >= least;

/** Refuses a plan that cannot work, with a sentence saying which field and why. */
export function validatePlan(plan: PeriodicPlan): ValidPlan {
  if (!(Number.isFinite(plan.everyMs) && plan.everyMs >= MIN_PERIOD_MS)) throw new PlanError(`Period ${plan.everyMs} ms is too short: use at least ${MIN_PERIOD_MS} ms.`);
  if (!wholeAtLeast(plan.keep, 1)) throw new PlanError(`keep ${plan.keep}: keep at least 1 version (a whole number).`);
  if (plan.count !== undefined && !wholeAtLeast(plan.count, 1)) throw new PlanError(`count ${plan.count}: use a whole number of versions, at least 1.`);
  const prefix = plan.prefix ?? DEFAULT_PREFIX;
  // The longest name the ticker could make must still be a valid checkpoint name.
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(prefix) || !isValidName(versionName(prefix, new Date(0), Number.MAX_SAFE_INTEGER))) {
    throw new PlanError(`Prefix "${prefix}": start with a letter or digit, then letters, digits, "_", "." or "-" (at most ~90 characters).`);
  }
  const criu = normalizeCriuOptions(plan.criu);
  return { everyMs: plan.everyMs, keep: plan.keep, preDump: plan.preDump === true, prefix, ...(plan.count !== undefined ? { count: plan.count } : {}), ...(criu ? { criu } : {}) };
}

/** `auto-20261122-143005-7`: the prefix, the UTC time of the tick and the version number. */
export function versionName(prefix: string, at: Date, seq: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const day = `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}`;
  const time = `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return `${prefix}-${day}-${time}-${seq}`;
}

export interface OwnVersion {
  name: string;
  seq: number;
}

/**
 * The ticker's versions among a container's checkpoints, oldest first. Only names of the
 * exact shape versionName makes count, so a user's `auto-before-upgrade` is never touched;
 * versions an earlier ticker with the same prefix left do count, so a restarted ticker
 * keeps pruning them and numbers on after them.
 */
export function ownVersions(prefix: string, names: readonly string[]): OwnVersion[] {
  const escaped = prefix.replace(/[.]/g, '\\.');
  const shape = new RegExp(`^${escaped}-\\d{8}-\\d{6}-(\\d+)$`);
  const out: OwnVersion[] = [];
  for (const name of names) {
    const m = shape.exec(name);
    if (m) out.push({ name, seq: Number(m[1]) });
  }
  return out.sort((a, b) => a.seq - b.seq || a.name.localeCompare(b.name));
}
