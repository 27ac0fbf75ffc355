// What the UI tests (test/e2e/tests/charts.test.mjs) and the paint benchmark
// (scripts/bench/webview-paint.mjs) read from the page: each canvas's `data-painted` flag, the
// per-chart `cryo:chart:<id>` timings, and the per-chart summary that main.ts exposes as
// `window.__cryoCharts`; plus a `cryo:painted:<id>` mark for profiling by hand. Their names and
// shapes are a contract with those scripts: change them together.
import type { Chart, Plugin } from 'chart.js';
import { CHART_IDS, type ChartSeries } from '../../src/core/report/series.js';

/** What a test reads from `window.__cryoCharts`: the points each chart was given. */
export interface ChartSummary {
  labels: string[];
  datasets: { label: string; data: (number | null)[] | { x: number; y: number }[] }[];
}

/** Marks the canvas once drawn: tests and the paint benchmark wait for `data-painted="true"`. */
export const painted: Plugin = {
  id: 'cryoPainted',
  afterRender(chart) {
    chart.canvas.dataset.painted = 'true';
    performance.mark(`cryo:painted:${chart.canvas.dataset.chartId ?? ''}`);
  },
};

/** Clears the painted flag before a (re)draw, so waiters see the new draw rather than the last one. */
export function markUnpainted(canvas: HTMLCanvasElement): void {
  canvas.dataset.painted = 'false';
}

export function isPainted(chart: Chart): boolean {
  return chart.canvas.dataset.painted === 'true';
}

/** Times one chart's update or creation, from `start` (a `performance.now()`) until now. */
export function measureChart(id: string, start: number): void {
  performance.measure(`cryo:chart:${id}`, { start });
}

/**
 * Frozen copy of what each drawn chart shows, keyed by chart id: category charts as labels with
 * one value (or null) per label and dataset, the scatter as {x, y} points. Charts showing their
 * "no runs" note (`isDrawn` false) have no labels and no datasets.
 */
export function summarize(series: readonly ChartSeries[], isDrawn: (s: ChartSeries) => boolean): Readonly<Record<string, ChartSummary>> {
  const out: Record<string, ChartSummary> = {};
  for (const id of CHART_IDS) out[id] = { labels: [], datasets: [] };
  for (const s of series) {
    if (!isDrawn(s)) continue;
    out[s.id] =
      s.kind === 'scatter'
        ? { labels: [], datasets: s.datasets.map((d) => ({ label: d.label, data: d.data.map((p) => ({ x: p.x, y: p.y })) })) }
        : { labels: [...s.labels], datasets: s.datasets.map((d) => ({ label: d.label, data: [...d.data] })) };
  }
  deepFreeze(out);
  return Object.freeze(out);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
