// Tooltip text for every chart kind: what a point is (run, group or scatter run) and its value with
// the unit, plus the spread and sample size behind a median.
import type { TooltipItem } from 'chart.js';
import type { ChartSeries } from '../../src/core/report/series.js';

type Item = TooltipItem<'bar' | 'line' | 'scatter'>;

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The unit a y-axis title names, for tooltips: MiB, ms, or seconds as "(s)" (downtimes and restores run to minutes). */
function unitOf(title: string): string {
  return /MiB/.test(title) ? 'MiB' : /\bms\b/.test(title) ? 'ms' : /\(s\)/.test(title) ? 's' : '';
}

/**
 * Chart.js tooltip callbacks for `s`. Per-run charts put run n at x = n and describe it with
 * `s.tooltips[n - 1]`; the scatter carries one description per point.
 */
export function tooltipCallbacks(s: ChartSeries) {
  const unitY = unitOf(s.yTitle);
  const perRunTips = s.kind === 'scatter' ? undefined : s.tooltips;
  const perRun = perRunTips !== undefined;
  return {
    title: (items: Item[]) => {
      const it = items[0];
      if (!it) return '';
      if (s.kind === 'scatter') return s.datasets[it.datasetIndex]?.tooltips[it.dataIndex] ?? '';
      return perRun ? `Run ${it.parsed.x}` : `${s.xTitle}: ${it.label}`;
    },
    afterTitle: (items: Item[]) => {
      const it = items[0];
      return it && perRunTips ? (perRunTips[(it.parsed.x ?? 0) - 1] ?? '') : '';
    },
    label: (it: Item) => {
      if (s.kind === 'scatter') return `${it.dataset.label}: ${fmt(it.parsed.x ?? 0)} MiB, ${fmt(it.parsed.y ?? 0)} ms`;
      const d = s.datasets[it.datasetIndex];
      if (!d) return '';
      if (perRun) return `${d.label}: ${fmt(it.parsed.y ?? 0)} ${unitY}`;
      const v = d.data[it.dataIndex];
      if (v == null) return '';
      let text = `${d.label}: ${fmt(v)} ${unitY}`;
      const lo = d.min?.[it.dataIndex];
      const hi = d.max?.[it.dataIndex];
      if (lo != null && hi != null) text += ` (median; ${fmt(lo)}–${fmt(hi)}, n=${d.n?.[it.dataIndex] ?? '?'})`;
      else if (d.n && s.kind === 'stackedBar') text += ` (median, n=${d.n[it.dataIndex] ?? '?'})`;
      return text;
    },
  };
}
