// One chart's card in the grid: its DOM (title, PNG button, plot area, "no runs" note), which of
// the live chart or the note it shows, and the canvas a new chart draws on. charts.css and the UI
// tests know these elements by their classes and data-* attributes.
import type { Chart } from 'chart.js';
import type { ChartId, ChartSeries } from '../../src/core/report/series.js';
import { markUnpainted } from './chartHooks.js';

export interface Card {
  section: HTMLElement;
  title: HTMLElement;
  plot: HTMLElement;
  note: HTMLElement;
  png: HTMLElement;
  /** The live chart; absent while the card shows its note. */
  chart?: Chart;
}

/** Appends an empty card for chart `id` to `host`; its PNG button hands out the chart drawn at the time of the click. */
export function createCard(host: HTMLElement, id: ChartId, onExportPng: (id: ChartId, dataUrl: string) => void): Card {
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
  header.append(title, png);
  const plot = document.createElement('div');
  plot.className = 'plot';
  const note = document.createElement('p');
  note.className = 'note';
  section.append(header, plot, note);
  host.append(section);
  const card: Card = { section, title, plot, note, png };
  png.addEventListener('click', () => {
    if (card.chart) onExportPng(id, card.chart.toBase64Image('image/png', 1));
  });
  return card;
}

/** Sets the card's title, and its note and `data-state` for whether `s` has anything to draw. */
export function labelCard(card: Card, s: ChartSeries, empty: boolean): void {
  card.title.textContent = s.title;
  card.section.dataset.state = empty ? 'empty' : 'chart';
  card.note.textContent = empty ? s.emptyNote : '';
  card.png.hidden = empty;
}

/** Destroys the card's chart, if any, and empties its plot area. */
export function clearCard(card: Card): void {
  card.chart?.destroy();
  delete card.chart;
  card.plot.replaceChildren();
}

/** A fresh canvas for `s` in the card's plot area, replacing the old chart's (destroy that first). */
export function newCanvas(card: Card, s: ChartSeries): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', s.title);
  canvas.dataset.chartId = s.id;
  markUnpainted(canvas);
  card.plot.replaceChildren(canvas);
  return canvas;
}
