import { engineOf, scenarioOf, timeMsOf, type ChartRun } from '../../src/core/report/runs.js';

const PAGE = 200;
const MIB = 1024 * 1024;

// Runs of every kind share the columns. A migration shows its route as the host, its downtime as
// the time (what the container was unavailable for) and its final dump's CRIU frozen time.
const COLUMNS: [string, (r: ChartRun) => string, ('num' | undefined)?, string?][] = [
  ['Started (UTC)', (r) => r.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')],
  ['Kind', (r) => r.kind],
  ['Host', (r) => (r.kind === 'migration' ? `${r.host} → ${r.target}` : r.host)],
  ['Container', (r) => r.container],
  ['Engine', (r) => engineOf(r) ?? ''],
  ['Scenario', (r) => scenarioOf(r) ?? ''],
  ['Outcome', (r) => r.outcome],
  ['Time (ms)', (r) => timeMsOf(r)?.toFixed(0) ?? '', 'num', 'Wall time of a checkpoint or restore; downtime of a migration'],
  ['Image (MiB)', (r) => (r.kind === 'checkpoint' && r.imageBytes !== undefined ? (r.imageBytes / MIB).toFixed(1) : ''), 'num'],
  ['Frozen (ms)', (r) => (r.kind !== 'restore' && r.criu ? (r.criu.frozenTimeUs / 1000).toFixed(1) : ''), 'num'],
  [
    'Tags',
    (r) =>
      Object.entries(r.tags ?? {})
        .filter(([k]) => k !== 'scenario' && k !== 'engine')
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' '),
  ],
];

/** The shown runs as a plain table, newest first, a page at a time (thousands of rows would slow the view). */
export class RunsTable {
  private runs: ChartRun[] = [];
  private limit = PAGE;
  private readonly table = document.createElement('table');
  private readonly body = document.createElement('tbody');
  private readonly more = document.createElement('vscode-button');
  private readonly info = document.createElement('p');

  constructor(host: HTMLElement) {
    this.table.className = 'runs';
    const head = document.createElement('thead');
    const row = document.createElement('tr');
    for (const [name, , align, hint] of COLUMNS) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = name;
      if (hint) th.title = hint;
      if (align) th.className = align;
      row.append(th);
    }
    head.append(row);
    this.table.append(head, this.body);
    this.info.className = 'note';
    this.more.setAttribute('secondary', '');
    this.more.textContent = `Show ${PAGE} more`;
    this.more.addEventListener('click', () => {
      this.limit += PAGE;
      this.draw();
    });
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    wrap.append(this.table);
    host.append(wrap, this.info, this.more);
  }

  show(runs: readonly ChartRun[]): void {
    this.runs = [...runs].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    this.limit = PAGE;
    this.draw();
  }

  private draw(): void {
    const rows = this.runs.slice(0, this.limit).map((r) => {
      const tr = document.createElement('tr');
      if (r.outcome !== 'ok') tr.className = r.outcome;
      if (r.error) tr.title = r.error;
      for (const [, get, align] of COLUMNS) {
        const td = document.createElement('td');
        // Text only: names, tags and errors come from containers and benchmarks.
        td.textContent = get(r);
        if (align) td.className = align;
        tr.append(td);
      }
      return tr;
    });
    this.body.replaceChildren(...rows);
    const shown = Math.min(this.limit, this.runs.length);
    this.info.textContent = this.runs.length === 0 ? 'No runs yet — run a benchmark.' : `${shown} of ${this.runs.length} runs, newest first. Export CSV for all of them.`;
    this.more.hidden = shown >= this.runs.length;
  }
}
