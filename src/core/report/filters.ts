import { dayOf, engineOf, scenarioOf, type ChartRun } from './runs.js';

/** What the charts view narrows the runs to; an absent field matches everything. */
export interface ReportFilter {
  host?: string;
  scenario?: string;
  engine?: string;
  /** First UTC day included, YYYY-MM-DD. */
  from?: string;
  /** Last UTC day included, YYYY-MM-DD. */
  to?: string;
}

export const FILTER_KEYS = ['host', 'scenario', 'engine', 'from', 'to'] as const;

/** The `ReportFilter` with empty strings dropped, so a cleared select means "all". */
export function cleanFilter(f: ReportFilter): ReportFilter {
  const out: ReportFilter = {};
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}

export function matchesFilter(r: ChartRun, f: ReportFilter): boolean {
  if (f.host && r.host !== f.host) return false;
  if (f.scenario && scenarioOf(r) !== f.scenario) return false;
  // A restore without an engine tag cannot be attributed to an engine, so it is left out.
  if (f.engine && engineOf(r) !== f.engine) return false;
  if (f.from || f.to) {
    const day = dayOf(r);
    if (!day) return false;
    if (f.from && day < f.from) return false;
    if (f.to && day > f.to) return false;
  }
  return true;
}

export function applyFilter(runs: readonly ChartRun[], f: ReportFilter): ChartRun[] {
  const clean = cleanFilter(f);
  return runs.filter((r) => matchesFilter(r, clean));
}

/** The values the filter controls offer, from the runs at hand. */
export interface FilterOptions {
  hosts: string[];
  scenarios: string[];
  engines: string[];
  firstDay?: string;
  lastDay?: string;
}

export function filterOptions(runs: readonly ChartRun[]): FilterOptions {
  const hosts = new Set<string>();
  const scenarios = new Set<string>();
  const engines = new Set<string>();
  let firstDay: string | undefined;
  let lastDay: string | undefined;
  for (const r of runs) {
    hosts.add(r.host);
    const s = scenarioOf(r);
    if (s !== undefined) scenarios.add(s);
    const e = engineOf(r);
    if (e !== undefined) engines.add(e);
    const d = dayOf(r);
    if (d) {
      if (!firstDay || d < firstDay) firstDay = d;
      if (!lastDay || d > lastDay) lastDay = d;
    }
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  const out: FilterOptions = { hosts: sorted(hosts), scenarios: sorted(scenarios), engines: sorted(engines) };
  if (firstDay) out.firstDay = firstDay;
  if (lastDay) out.lastDay = lastDay;
  return out;
}
