import type { DockerHost } from '../../host/dockerHost.js';
import type { EngineId, RunRecord } from '../../records.js';
import type { ResultsStore } from '../../store/resultsStore.js';
import type { HostFactTags } from '../hostFacts.js';

/**
 * A scenario's command-line flags as raw text (`--sizes 16,64` -> {sizes: '16,64'}). The CLI,
 * the extension's presets and the tests all go through the same parser, so a preset is just
 * a set of flags.
 */
export type FlagValues = Readonly<Record<string, string>>;

export interface FlagSpec {
  /** Without the dashes: `sizes` is `--sizes`. */
  name: string;
  /** Placeholder in the usage text, e.g. `16,64,256`. */
  value: string;
  describe: string;
}

/** What every scenario takes besides its own flags. */
export interface CommonParams {
  /** Measured repetitions of every step. */
  reps: number;
  /** Unrecorded repetitions before the measured ones (page cache, runc/CRIU binaries, cost model). */
  warmup: number;
  /** Pause after `sync` before each measured step (lets the previous image's writeback finish). */
  settleMs: number;
  engine: EngineId;
}

export interface ScenarioProgress {
  message: string;
  /** Measured steps done and planned, for a progress bar. */
  done: number;
  total: number;
}

export interface ScenarioRunOptions {
  signal?: AbortSignal;
  /** Every measured record is appended here (besides being summarised). */
  store?: ResultsStore;
  onProgress?: (p: ScenarioProgress) => void;
  /** Names the run's containers and tags its records (tags.benchRun); generated when absent. */
  runId?: string;
}

/** A plain table: the CLI prints it, docs/benchmarks.md gets it as markdown. */
export interface SummaryTable {
  title: string;
  head: string[];
  rows: string[][];
}

/** A target from an issue, judged on the measured figures. */
export interface GoalCheck {
  label: string;
  /** Measured ratio (undefined when a figure is missing). */
  value?: number;
  goal: number;
  met?: boolean;
}

export interface ScenarioSummary {
  scenario: string;
  title: string;
  runId?: string;
  facts?: HostFactTags;
  tables: SummaryTable[];
  goals: GoalCheck[];
  notes: string[];
  /** Measured records behind the tables, and how many of them failed. */
  records: number;
  failed: number;
}

/** One scenario with its parameters typed: what each scenario file defines. */
export interface ScenarioDef<P> {
  name: string;
  title: string;
  /** Which seed figure or table it reproduces. */
  reproduces: string;
  flags: readonly FlagSpec[];
  /** The extension's "quick" and "full" choices, as flags (common ones included). */
  presets: { quick: FlagValues; full: FlagValues };
  /** Checks the flags; throws ScenarioParamError with a sentence a person can act on. */
  parse(flags: FlagValues, common: CommonParams): P;
  /** How many measured steps the run will take (progress and the extension's confirmation). */
  steps(p: P): number;
  /** One line describing what will run. */
  describe(p: P): string;
  run(host: DockerHost, p: P, opts: ScenarioRunOptions): Promise<ScenarioSummary>;
  /** Pure: the summary of this scenario's records (of one run when runId is given). */
  summarize(records: readonly RunRecord[], runId?: string): ScenarioSummary;
}

/** A scenario whose flags are parsed: ready to run on a host. */
export interface PreparedScenario {
  scenario: string;
  params: unknown;
  steps: number;
  description: string;
  run(host: DockerHost, opts: ScenarioRunOptions): Promise<ScenarioSummary>;
}

/** A registered scenario, its parameter type hidden behind prepare(). */
export interface Scenario {
  name: string;
  title: string;
  reproduces: string;
  /** The scenario's own flags followed by the common ones. */
  flags: readonly FlagSpec[];
  presets: { quick: FlagValues; full: FlagValues };
  prepare(flags: FlagValues): PreparedScenario;
  summarize(records: readonly RunRecord[], runId?: string): ScenarioSummary;
}
