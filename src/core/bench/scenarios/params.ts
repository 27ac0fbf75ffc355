import type { EngineId } from '../../records.js';
import type { CommonParams, FlagSpec, FlagValues, PreparedScenario, Scenario, ScenarioDef } from './types.js';

/** A bad scenario parameter: the message names the flag and says what is accepted. */
export class ScenarioParamError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioParamError';
  }
}

export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'reps', value: 'N', describe: 'measured repetitions of every step' },
  { name: 'warmup', value: 'N', describe: 'unrecorded repetitions first' },
  { name: 'settle-ms', value: 'MS', describe: 'pause after sync before each measured step' },
  { name: 'engine', value: 'runc|docker', describe: 'checkpoint engine (runc: seconds; docker: Docker API path, ~8x slower here)' },
];

export const COMMON_DEFAULTS = { reps: 3, warmup: 1, settleMs: 1000, engine: 'runc' as EngineId };

/** "16,64,256" -> [16, 64, 256]: whole numbers >= least, no duplicates, at least one. */
export function intList(flag: string, text: string, least = 1, most = Number.MAX_SAFE_INTEGER): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const xs = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (!parts.length || xs.some((n) => !Number.isSafeInteger(n) || n < least || n > most)) {
    throw new ScenarioParamError(`--${flag} "${text}": use whole numbers from ${least}${most < Number.MAX_SAFE_INTEGER ? ` to ${most}` : ''} separated by commas.`);
  }
  if (new Set(xs).size !== xs.length) throw new ScenarioParamError(`--${flag} "${text}": a value is listed twice.`);
  return xs;
}

export function int(flag: string, text: string, least: number, most = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < least || n > most) {
    throw new ScenarioParamError(`--${flag} "${text}": use a whole number from ${least}${most < Number.MAX_SAFE_INTEGER ? ` to ${most}` : ''}.`);
  }
  return n;
}

export function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new ScenarioParamError(`--${flag} "${text}": use ${allowed.join(', ')}.`);
  return text as T;
}

/** `1,5,10..50` style ranges are not needed; `from..to/step` is: "1..50/5" -> 1,5,10,...,50 (the seed's steps). */
export function processCounts(flag: string, text: string): number[] {
  const m = /^(\d+)\.\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return intList(flag, text, 0, 1000);
  const [from, to, step] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (step < 1 || from > to || to > 1000) throw new ScenarioParamError(`--${flag} "${text}": use from..to/step with from <= to <= 1000 and step >= 1.`);
  const out = [from];
  // The seed's series: 1, then the multiples of the step (1, 5, 10, ..., 50).
  for (let x = step * Math.ceil((from + 1) / step); x <= to; x += step) out.push(x);
  return [...new Set(out)];
}

export function parseCommon(flags: FlagValues): CommonParams {
  return {
    reps: flags['reps'] !== undefined ? int('reps', flags['reps'], 1, 1000) : COMMON_DEFAULTS.reps,
    warmup: flags['warmup'] !== undefined ? int('warmup', flags['warmup'], 0, 100) : COMMON_DEFAULTS.warmup,
    settleMs: flags['settle-ms'] !== undefined ? int('settle-ms', flags['settle-ms'], 0, 600_000) : COMMON_DEFAULTS.settleMs,
    engine: flags['engine'] !== undefined ? oneOf<EngineId>('engine', flags['engine'], ['runc', 'docker']) : COMMON_DEFAULTS.engine,
  };
}

/** Flags not declared by the scenario are refused (a typo must not silently run the defaults). */
export function checkKnown(scenario: string, flags: FlagValues, known: readonly FlagSpec[]): void {
  const names = new Set(known.map((f) => f.name));
  const unknown = Object.keys(flags).filter((k) => !names.has(k));
  if (unknown.length) {
    throw new ScenarioParamError(`${scenario}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `--${u}`).join(', ')} (known: ${[...names].map((n) => `--${n}`).join(', ')}).`);
  }
}

/** Hides a scenario's parameter type behind prepare(), so scenarios of every shape fit one registry. */
export function defineScenario<P>(def: ScenarioDef<P>): Scenario {
  const flags = [...def.flags, ...COMMON_FLAGS.filter((c) => !def.flags.some((f) => f.name === c.name))];
  return {
    name: def.name,
    title: def.title,
    reproduces: def.reproduces,
    flags,
    presets: def.presets,
    prepare(values: FlagValues): PreparedScenario {
      checkKnown(def.name, values, flags);
      const params = def.parse(values, parseCommon(values));
      return {
        scenario: def.name,
        params,
        steps: def.steps(params),
        description: def.describe(params),
        run: (host, opts) => def.run(host, params, opts),
      };
    },
    summarize: (records, runId) => def.summarize(records, runId),
  };
}
