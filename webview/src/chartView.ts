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
  type Plugin,
  type TooltipItem,
} from 'chart.js';
import { CHART_IDS, isEmptyChart, type CategoryChart, type ChartId, type ChartSeries } from '../../src/core/report/series.js';
import { colorFor, readTheme, withAlpha, type Theme } from './theme.js';

Chart.register(BarController, LineController, ScatterController, BarElement, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend, Decimation);

/** What a test reads from `window.__cryoCharts`: the points each chart was given. */
export interface ChartSummary {
  labels: string[];
  datasets: { label: string; data: (number | null)[] | { x: number; y: number }[] }[];
}

/** The series each live chart draws, for tooltips and whiskers (Chart.js datasets stay plain). */
const seriesOf = new WeakMap<Chart, ChartSeries>();
const themeOf = new WeakMap<Chart, Theme>();

/** Median charts: a whisker from each point's group min to max. */
const errorBars: Plugin = {
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
const background: Plugin = {
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

/** Marks the canvas once drawn: tests and the paint benchmark wait for `data-painted="true"`. */
const painted: Plugin = {
  id: 'cryoPainted',
  afterRender(chart) {
    chart.canvas.dataset.painted = 'true';
    performance.mark(`cryo:painted:${chart.canvas.dataset.chartId ?? ''}`);
  },
};

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The unit a y-axis title names, for tooltips: MiB, ms, or seconds as "(s)" (downtimes and restores run to minutes). */
function unitOf(title: string): string {
  return /MiB/.test(title) ? 'MiB' : /\bms\b/.test(title) ? 'ms' : /\(s\)/.test(title) ? 's' : '';
}

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

function configFor(s: ChartSeries, theme: Theme): ChartConfiguration {
  const stacked = s.kind === 'stackedBar';
  const axis = (title: string) => ({
    title: { display: true, text: title, color: theme.muted },
    ticks,
    grid: { color: theme.grid },
    border: { color: theme.grid },
  });
  const yMax = s.kind === 'scatter' ? undefined : spreadMax(s);
  const unitY = unitOf(s.yTitle);
  const perRunTips = s.kind === 'scatter' ? undefined : s.tooltips;
  const perRun = perRunTips !== undefined;
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
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'bar' | 'line' | 'scatter'>[]) => {
              const it = items[0];
              if (!it) return '';
              if (s.kind === 'scatter') return s.datasets[it.datasetIndex]?.tooltips[it.dataIndex] ?? '';
              return perRun ? `Run ${it.parsed.x}` : `${s.xTitle}: ${it.label}`;
            },
            afterTitle: (items: TooltipItem<'bar' | 'line' | 'scatter'>[]) => {
              const it = items[0];
              return it && perRunTips ? (perRunTips[(it.parsed.x ?? 0) - 1] ?? '') : '';
            },
            label: (it: TooltipItem<'bar' | 'line' | 'scatter'>) => {
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
          },
        },
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

/** Ties the chart to its series and theme before its first draw, which happens inside `new Chart`. */
function withBinding(config: ChartConfiguration, s: ChartSeries, theme: Theme): ChartConfiguration {
  const bind: Plugin = {
    id: 'cryoBind',
    beforeInit: (c) => {
      seriesOf.set(c, s);
      themeOf.set(c, theme);
    },
  };
  return { ...config, plugins: [...(config.plugins ?? []), bind] };
}

interface Card {
  section: HTMLElement;
  title: HTMLElement;
  plot: HTMLElement;
  note: HTMLElement;
  png: HTMLElement;
  chart?: Chart;
}

/** The grid of chart cards: creates, updates and destroys Chart.js instances as the data changes. */
export class ChartsView {
  private readonly cards = new Map<ChartId, Card>();
  private theme: Theme = readTheme();
  private last: ChartSeries[] = [];
  private cachedSummary: Readonly<Record<string, ChartSummary>> | undefined;

  constructor(
    host: HTMLElement,
    private readonly onExportPng: (id: ChartId, dataUrl: string) => void,
  ) {
    for (const id of CHART_IDS) {
      const section = document.createElement('section');
      section.className = 'card';
      section.dataset.chartId = id;
      const header = document.createElement('header');
      const title = document.createElement('h2');
      const png = document.createElement('vscode-button');
      png.setAttribute('secondary', '');
      png.className = 'png';
      png.title = 'Save this chart as PNG';
      png.textContent = 'PNG';
      png.addEventListener('click', () => {
        const chart = this.cards.get(id)?.chart;
        if (chart) this.onExportPng(id, chart.toBase64Image('image/png', 1));
      });
      header.append(title, png);
      const plot = document.createElement('div');
      plot.className = 'plot';
      const note = document.createElement('p');
      note.className = 'note';
      section.append(header, plot, note);
      host.append(section);
      this.cards.set(id, { section, title, plot, note, png });
    }
  }

  /** Draws every chart from `series` (one per chart id); charts with nothing to draw show their note. */
  render(series: ChartSeries[]): void {
    this.last = series;
    this.cachedSummary = undefined;
    for (const s of series) {
      const card = this.cards.get(s.id);
      if (!card) continue;
      const t0 = performance.now();
      card.title.textContent = s.title;
      const empty = isEmptyChart(s);
      card.section.dataset.state = empty ? 'empty' : 'chart';
      card.note.textContent = empty ? s.emptyNote : '';
      card.png.hidden = empty;
      if (empty) {
        card.chart?.destroy();
        delete card.chart;
        card.plot.replaceChildren();
        continue;
      }
      const config = configFor(s, this.theme);
      if (card.chart && (card.chart.config as { type?: string }).type === config.type) {
        const chart = card.chart;
        seriesOf.set(chart, s);
        themeOf.set(chart, this.theme);
        chart.canvas.dataset.painted = 'false';
        chart.data = config.data;
        chart.options = config.options ?? {};
        chart.update('none');
      } else {
        card.chart?.destroy();
        const canvas = document.createElement('canvas');
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', s.title);
        canvas.dataset.chartId = s.id;
        canvas.dataset.painted = 'false';
        card.plot.replaceChildren(canvas);
        card.chart = new Chart(canvas, withBinding(config, s, this.theme));
      }
      performance.measure(`cryo:chart:${s.id}`, { start: t0 });
    }
  }

  /** Re-reads VS Code's theme variables and redraws. */
  retheme(): void {
    this.theme = readTheme();
    this.render(this.last);
  }

  /** True when every chart with data has been drawn. */
  allPainted(): boolean {
    return [...this.cards.values()].every((c) => !c.chart || c.chart.canvas.dataset.painted === 'true');
  }

  /**
   * Frozen copy of what each drawn chart shows, keyed by chart id: category charts as labels with
   * one value (or null) per label and dataset, the scatter as {x, y} points. Charts showing their
   * "no runs" note have no labels and no datasets.
   */
  summary(): Readonly<Record<string, ChartSummary>> {
    if (!this.cachedSummary) {
      const out: Record<string, ChartSummary> = {};
      for (const id of CHART_IDS) out[id] = { labels: [], datasets: [] };
      for (const s of this.last) {
        if (!this.cards.get(s.id)?.chart) continue;
        out[s.id] =
          s.kind === 'scatter'
            ? { labels: [], datasets: s.datasets.map((d) => ({ label: d.label, data: d.data.map((p) => ({ x: p.x, y: p.y })) })) }
            : { labels: [...s.labels], datasets: s.datasets.map((d) => ({ label: d.label, data: [...d.data] })) };
      }
      deepFreeze(out);
      this.cachedSummary = Object.freeze(out);
    }
    return this.cachedSummary;
  }
}

/**
 * Draws one tiny throwaway chart of each kind off screen, so Chart.js's code is compiled and its
 * caches filled while the extension is still reading the results file: a cold page otherwise
 * pays that on the first real chart.
 */
export function warmUpCharts(): void {
  const theme = readTheme();
  const host = document.createElement('div');
  host.setAttribute('aria-hidden', 'true');
  host.style.cssText = 'position:absolute;left:-10000px;top:0;width:240px;height:120px;overflow:hidden';
  document.body.append(host);
  const base = { title: '', xTitle: 'x', yTitle: 'ms', emptyNote: '' };
  const d = (colorKey: string, extra: object = {}) => ({ label: colorKey, colorKey, data: [1, null, 3], ...extra });
  const samples: ChartSeries[] = [
    { ...base, id: 'checkpointTime', kind: 'line', labels: ['1', '2', '3'], datasets: [d('docker')], tooltips: ['a', 'b', 'c'] },
    { ...base, id: 'aloneVsConcurrent', kind: 'bar', labels: ['a', 'b', 'c'], datasets: [d('alone', { min: [0, null, 2], max: [2, null, 4], n: [1, 0, 1] })] },
    { ...base, id: 'frozenBreakdown', kind: 'stackedBar', labels: ['a', 'b', 'c'], datasets: [d('memdump - memwrite'), d('memwrite')] },
    { ...base, id: 'nWay', kind: 'line', labels: ['1', '2', '3'], datasets: [d('runc', { min: [0, null, 2], max: [2, null, 4], n: [1, 0, 1] })] },
    { ...base, id: 'timeVsSize', kind: 'scatter', datasets: [{ label: 'docker', colorKey: 'docker', data: [{ x: 1, y: 2 }], tooltips: ['a'] }] },
  ];
  try {
    for (const s of samples) {
      const canvas = document.createElement('canvas');
      host.replaceChildren(canvas);
      const config = configFor(s, theme);
      new Chart(canvas, withBinding(config, s, theme)).destroy();
    }
  } finally {
    host.remove();
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
