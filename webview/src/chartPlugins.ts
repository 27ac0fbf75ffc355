// Chart.js plugins that draw what no Chart.js option can (min–max whiskers, an opaque background),
// and the binding that tells them which of our series and theme a chart shows.
import { Chart, type ChartConfiguration, type Plugin } from 'chart.js';
import type { ChartSeries } from '../../src/core/report/series.js';
import { colorFor, type Theme } from './theme.js';

/**
 * The series and theme each live chart draws, for the plugins below: Chart.js datasets stay plain,
 * so the min/max behind each median live here rather than in Chart.js's own data.
 */
const seriesOf = new WeakMap<Chart, ChartSeries>();
const themeOf = new WeakMap<Chart, Theme>();

/** Points the plugins at what `chart` now shows; call again when its data or theme changes. */
export function bindChart(chart: Chart, s: ChartSeries, theme: Theme): void {
  seriesOf.set(chart, s);
  themeOf.set(chart, theme);
}

/**
 * A chart drawing `config`, bound to its series and theme before its first draw: that draw happens
 * inside `new Chart`, so the binding has to ride along as a plugin.
 */
export function createBoundChart(canvas: HTMLCanvasElement, config: ChartConfiguration, s: ChartSeries, theme: Theme): Chart {
  const bind: Plugin = { id: 'cryoBind', beforeInit: (c) => bindChart(c, s, theme) };
  return new Chart(canvas, { ...config, plugins: [...(config.plugins ?? []), bind] });
}

/** Median charts: a whisker from each point's group min to max. */
export const errorBars: Plugin = {
  id: 'cryoErrorBars',
  afterDatasetsDraw(chart) {
    const s = seriesOf.get(chart);
    const theme = themeOf.get(chart);
    if (!s || !theme || s.kind === 'scatter' || s.kind === 'stackedBar') return;
    const y = chart.scales.y;
    if (!y) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.lineWidth = 1.5;
    s.datasets.forEach((d, i) => {
      if (!d.min || !d.max || !chart.isDatasetVisible(i)) return;
      ctx.strokeStyle = s.kind === 'bar' ? theme.foreground : colorFor(theme, d.colorKey);
      chart.getDatasetMeta(i).data.forEach((el, j) => {
        const lo = d.min![j];
        const hi = d.max![j];
        if (lo == null || hi == null || lo === hi) return;
        const { x, width } = el.getProps(['x', 'width'], true) as { x: number; width?: number };
        const cap = Math.max(3, Math.min(8, (width ?? 16) / 4));
        const [y1, y2] = [y.getPixelForValue(lo), y.getPixelForValue(hi)];
        ctx.beginPath();
        ctx.moveTo(x, y1);
        ctx.lineTo(x, y2);
        ctx.moveTo(x - cap, y1);
        ctx.lineTo(x + cap, y1);
        ctx.moveTo(x - cap, y2);
        ctx.lineTo(x + cap, y2);
        ctx.stroke();
      });
    });
    ctx.restore();
  },
};

/** An opaque background, so `toBase64Image()` gives a PNG that reads outside VS Code too. */
export const background: Plugin = {
  id: 'cryoBackground',
  beforeDraw(chart) {
    const theme = themeOf.get(chart);
    if (!theme) return;
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};
