// Turns one of our ChartSeries (src/core/report/series.ts) into a Chart.js configuration: which
// Chart.js type draws it, its datasets, axes and plugins. Pure: no DOM, no live chart.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from 'chart.js';
import type { CategoryChart, ChartSeries } from '../../src/core/report/series.js';
import { painted } from './chartHooks.js';
import { background, errorBars } from './chartPlugins.js';
import { tooltipCallbacks } from './chartTooltips.js';
import { colorFor, withAlpha, type Theme } from './theme.js';

// Only the Chart.js parts these configurations name, so the bundle leaves the rest out.
Chart.register(BarController, LineController, ScatterController, BarElement, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend, Decimation);

type DrawAs = 'line' | 'bar' | 'scatter';

/** Category charts with up to this many labels show all of them. */
const MAX_NAMED_LABELS = 30;

/** Per-run bar charts with this many runs are drawn as a (decimated) line: thousands of sub-pixel bars cost time and show nothing more. */
const MAX_RUN_BARS = 1000;

function drawAsFor(s: ChartSeries): DrawAs {
  if (s.kind === 'scatter') return 'scatter';
  if (s.kind === 'line') return 'line';
  return isPerRun(s) && s.labels.length > MAX_RUN_BARS ? 'line' : 'bar';
}

function datasetsFor(s: ChartSeries, theme: Theme, drawAs: DrawAs): ChartDataset[] {
  if (s.kind === 'scatter') {
    const dense = s.datasets.reduce((n, d) => n + d.data.length, 0) > 1000;
    return s.datasets.map((d) => {
      const c = colorFor(theme, d.colorKey);
      return { type: 'scatter', label: d.label, data: d.data, pointRadius: dense ? 1.5 : 3, pointHoverRadius: 5, borderWidth: 0, backgroundColor: withAlpha(c, 0.8), borderColor: c };
    });
  }
  const perRun = isPerRun(s);
  const many = s.labels.length > 300;
  return s.datasets.map((d): ChartDataset => {
    const c = colorFor(theme, d.colorKey);
    // Per-run series go to a linear run-number axis as {x, y} points without the other engines' gaps:
    // thousands of category labels and null slots are what made big files slow to draw.
    const data = perRun ? d.data.flatMap((v, i) => (v === null ? [] : [{ x: i + 1, y: v }])) : d.data;
    if (drawAs === 'line') {
      const median = d.min !== undefined;
      return {
        type: 'line',
        label: d.label,
        data,
        borderColor: c,
        backgroundColor: c,
        borderWidth: median ? 2 : 1.5,
        pointRadius: median ? 3.5 : many ? 0 : 2.5,
        pointHoverRadius: 5,
        // Points on the first and last run sit on the axis ends; draw them whole.
        clip: 8,
        spanGaps: true,
        // Per-run points of one engine are not a series over time: a line from run 1 to run 3
        // across another engine's run 2 would suggest a trend. Only thousands of runs get a line.
        showLine: !perRun || many,
        tension: 0,
      };
    }
    return {
      type: 'bar',
      label: d.label,
      data,
      backgroundColor: withAlpha(c, s.kind === 'stackedBar' ? 0.85 : 0.7),
      borderColor: c,
      borderWidth: perRun ? 0 : 1,
      // Per-run bars: one engine per run, so the bars share the slot instead of splitting it.
      grouped: !perRun,
      barPercentage: perRun ? 1 : 0.85,
      categoryPercentage: perRun ? (many ? 1 : 0.9) : 0.8,
      ...(s.kind === 'stackedBar' ? { stack: 'phases' } : {}),
    };
  });
}

/** Charts with one point per run (x = run number) rather than one per group. */
function isPerRun(s: ChartSeries): boolean {
  return s.kind !== 'scatter' && s.tooltips !== undefined;
}

/** The highest whisker, so the y axis makes room for it (Chart.js scales to the medians only). */
function spreadMax(s: CategoryChart): number | undefined {
  let max: number | undefined;
  for (const d of s.datasets) for (const v of d.max ?? []) if (v != null && (max === undefined || v > max)) max = v;
  return max;
}

/** The Chart.js configuration that draws `s` in `theme`; its `type` says whether a live chart can be updated in place. */
export function configFor(s: ChartSeries, theme: Theme): ChartConfiguration {
  const stacked = s.kind === 'stackedBar';
  const axis = (title: string) => ({
    title: { display: true, text: title, color: theme.muted },
    ticks,
    grid: { color: theme.grid },
    border: { color: theme.grid },
  });
  const yMax = s.kind === 'scatter' ? undefined : spreadMax(s);
  const perRun = isPerRun(s);
  const runCount = s.kind === 'scatter' ? 0 : s.labels.length;
  const drawAs = drawAsFor(s);
  const linearX = perRun || s.kind === 'scatter';
  const namedLabels = !linearX && runCount <= MAX_NAMED_LABELS;
  // Ticks: measure a sample of labels, not all of them.
  const ticks = { color: theme.foreground, sampleSize: 12 };
  return {
    type: drawAs,
    data: { labels: s.kind === 'scatter' || linearX ? [] : s.labels, datasets: datasetsFor(s, theme, drawAs) },
    options: {
      animation: false,
      // Points are built here already in Chart.js's internal {x, y} form.
      parsing: !linearX,
      responsive: true,
      maintainAspectRatio: false,
      normalized: true,
      interaction: s.kind === 'scatter' ? { mode: 'nearest', intersect: true } : { mode: 'nearest', intersect: false, axis: 'x' },
      font: { family: theme.font },
      color: theme.foreground,
      plugins: {
        decimation: { enabled: perRun && drawAs === 'line', algorithm: 'min-max' },
        legend: { display: s.datasets.length > 1, labels: { color: theme.foreground, boxWidth: 12, boxHeight: 12 } },
        tooltip: { callbacks: tooltipCallbacks(s) },
      },
      scales: {
        x: {
          ...axis(s.xTitle),
          type: linearX ? 'linear' : 'category',
          stacked,
          ...(s.kind === 'scatter' ? { grace: '5%' } : {}),
          // Grouped charts name each bar only on the axis (the pre-dump grid has 12+ "size · rate"
          // labels): show every label, turned as far as needed, unless there are too many to read.
          ticks: { ...ticks, autoSkip: !namedLabels, maxRotation: linearX ? 0 : namedLabels ? 90 : 45, ...(namedLabels ? { sampleSize: Math.max(runCount, 1) } : {}), ...(perRun ? { precision: 0 } : {}) },
          // Runs are numbered from 1; bars need half a slot either side, lines none.
          ...(perRun ? { min: 1, max: Math.max(runCount, 2), offset: drawAs === 'bar' } : {}),
        },
        y: { ...axis(s.yTitle), type: 'linear', stacked, beginAtZero: true, grace: '5%', ...(yMax === undefined ? {} : { suggestedMax: yMax }) },
      },
    },
    plugins: [background, errorBars, painted],
  } as ChartConfiguration;
}
