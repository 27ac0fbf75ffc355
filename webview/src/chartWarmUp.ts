// A start-up speed-up: a cold page pays ~100 ms for Chart.js's first chart, so pay it while the
// extension is still reading the results file.
import type { ChartSeries } from '../../src/core/report/series.js';
import { configFor } from './chartConfig.js';
import { createBoundChart } from './chartPlugins.js';
import { readTheme } from './theme.js';

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
      createBoundChart(canvas, configFor(s, theme), s, theme).destroy();
    }
  } finally {
    host.remove();
  }
}
