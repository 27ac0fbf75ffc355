// Pure aggregation of run records into chart series and CSV; shared by the extension and the webview.
export * from './runs.js';
export * from './filters.js';
export * from './stats.js';
export * from './series.js';
export * from './benchCharts.js';
export * from './csv.js';
