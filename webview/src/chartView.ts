// The charts grid: one card per chart id, each drawn from the latest series and theme. Config
// building, card DOM, plugins and test hooks live in the chart*.ts modules this one ties together.
import { CHART_IDS, isEmptyChart, type ChartId, type ChartSeries } from '../../src/core/report/series.js';
import { clearCard, createCard, labelCard, newCanvas, type Card } from './chartCard.js';
import { configFor } from './chartConfig.js';
import { isPainted, markUnpainted, measureChart, summarize, type ChartSummary } from './chartHooks.js';
import { bindChart, createBoundChart } from './chartPlugins.js';
import { readTheme, type Theme } from './theme.js';

/** The grid of chart cards: creates, updates and destroys Chart.js instances as the data changes. */
export class ChartsView {
  private readonly cards = new Map<ChartId, Card>();
  private theme: Theme = readTheme();
  private last: ChartSeries[] = [];
  private cachedSummary: Readonly<Record<string, ChartSummary>> | undefined;

  constructor(host: HTMLElement, onExportPng: (id: ChartId, dataUrl: string) => void) {
    for (const id of CHART_IDS) this.cards.set(id, createCard(host, id, onExportPng));
  }

  /** Draws every chart from `series` (one per chart id); charts with nothing to draw show their note. */
  render(series: ChartSeries[]): void {
    this.last = series;
    this.cachedSummary = undefined;
    for (const s of series) {
      const card = this.cards.get(s.id);
      if (!card) continue;
      const t0 = performance.now();
      const empty = isEmptyChart(s);
      labelCard(card, s, empty);
      if (empty) {
        clearCard(card);
        continue;
      }
      const config = configFor(s, this.theme);
      // Same Chart.js type: update the live chart in place (same canvas) instead of building a new one.
      if (card.chart && (card.chart.config as { type?: string }).type === config.type) {
        const chart = card.chart;
        bindChart(chart, s, this.theme);
        markUnpainted(chart.canvas);
        chart.data = config.data;
        chart.options = config.options ?? {};
        chart.update('none');
      } else {
        card.chart?.destroy();
        card.chart = createBoundChart(newCanvas(card, s), config, s, this.theme);
      }
      measureChart(s.id, t0);
    }
  }

  /** Re-reads VS Code's theme variables and redraws. */
  retheme(): void {
    this.theme = readTheme();
    this.render(this.last);
  }

  /** True when every chart with data has been drawn. */
  allPainted(): boolean {
    return [...this.cards.values()].every((c) => !c.chart || isPainted(c.chart));
  }

  /** What each drawn chart shows, for `window.__cryoCharts` (see chartHooks.ts); rebuilt only after a render. */
  summary(): Readonly<Record<string, ChartSummary>> {
    this.cachedSummary ??= summarize(this.last, (s) => this.cards.get(s.id)?.chart !== undefined);
    return this.cachedSummary;
  }
}
