import { cleanFilter, type FilterOptions, type ReportFilter } from '../../src/core/report/filters.js';

type SelectKey = 'host' | 'scenario' | 'engine';

interface ValueElement extends HTMLElement {
  value: string;
}

/** Host, scenario, engine and date-range controls, plus the CSV export button and a status line. */
export class FilterBar {
  private readonly selects = new Map<SelectKey, { el: ValueElement; shown: string | undefined }>();
  private readonly dates = new Map<'from' | 'to', ValueElement>();
  private readonly count = document.createElement('span');
  private readonly status = document.createElement('span');
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private filter: ReportFilter;

  constructor(
    host: HTMLElement,
    initial: ReportFilter,
    private readonly onChange: (f: ReportFilter) => void,
    onExportCsv: () => void,
  ) {
    this.filter = cleanFilter(initial);
    const labels: Record<SelectKey, string> = { host: 'Host', scenario: 'Scenario', engine: 'Engine' };
    for (const key of ['host', 'scenario', 'engine'] as const) {
      const el = document.createElement('vscode-single-select') as ValueElement;
      el.id = `filter-${key}`;
      el.setAttribute('aria-label', labels[key]);
      el.addEventListener('change', () => this.set(key, el.value));
      host.append(field(labels[key], el));
      this.selects.set(key, { el, shown: undefined });
    }
    for (const key of ['from', 'to'] as const) {
      const el = document.createElement('vscode-textfield') as ValueElement;
      el.id = `filter-${key}`;
      el.setAttribute('type', 'date');
      el.setAttribute('aria-label', key === 'from' ? 'From (UTC day)' : 'To (UTC day)');
      el.value = this.filter[key] ?? '';
      el.addEventListener('change', () => this.set(key, el.value));
      host.append(field(key === 'from' ? 'From' : 'To', el));
      this.dates.set(key, el);
    }
    const reset = document.createElement('vscode-button');
    reset.setAttribute('secondary', '');
    reset.textContent = 'Reset';
    reset.addEventListener('click', () => this.reset());
    const csv = document.createElement('vscode-button');
    csv.id = 'export-csv';
    csv.textContent = 'Export CSV';
    csv.title = 'Save the runs shown here as CSV';
    csv.addEventListener('click', onExportCsv);
    const actions = document.createElement('div');
    actions.className = 'actions';
    this.count.className = 'count';
    this.status.className = 'status';
    this.status.setAttribute('role', 'status');
    actions.append(reset, csv, this.count, this.status);
    host.append(actions);
  }

  get value(): ReportFilter {
    return this.filter;
  }

  /** Fills the selects with what the runs contain; a chosen value stays listed even if no run has it now. */
  setOptions(opts: FilterOptions): void {
    const lists: Record<SelectKey, [string, string[]]> = { host: ['All hosts', opts.hosts], scenario: ['All scenarios', opts.scenarios], engine: ['All engines', opts.engines] };
    for (const [key, [allLabel, values]] of Object.entries(lists) as [SelectKey, [string, string[]]][]) {
      const entry = this.selects.get(key)!;
      const current = this.filter[key] ?? '';
      const list = current && !values.includes(current) ? [...values, current] : values;
      const signature = list.join('\u0000');
      if (signature !== entry.shown) {
        entry.shown = signature;
        const options = [['', allLabel], ...list.map((v) => [v, v])].map(([value, label]) => {
          const o = document.createElement('vscode-option');
          o.setAttribute('value', value!);
          o.textContent = label!;
          if (value === current) o.setAttribute('selected', '');
          return o;
        });
        entry.el.replaceChildren(...options);
      }
      if (entry.el.value !== current) entry.el.value = current;
    }
    for (const el of this.dates.values()) {
      if (opts.firstDay) el.setAttribute('min', opts.firstDay);
      if (opts.lastDay) el.setAttribute('max', opts.lastDay);
    }
  }

  setCount(shown: number, total: number): void {
    this.count.textContent = shown === total ? `${total} runs` : `${shown} of ${total} runs`;
  }

  /** A short message next to the buttons (export results), cleared after a while. */
  say(text: string, kind: 'info' | 'error' = 'info'): void {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => (this.status.textContent = ''), 8000);
  }

  private set(key: keyof ReportFilter, value: string): void {
    const next = cleanFilter({ ...this.filter, [key]: value });
    if (JSON.stringify(next) === JSON.stringify(this.filter)) return;
    this.filter = next;
    this.onChange(next);
  }

  private reset(): void {
    this.filter = {};
    for (const { el } of this.selects.values()) el.value = '';
    for (const el of this.dates.values()) el.value = '';
    this.onChange(this.filter);
  }
}

function field(label: string, control: HTMLElement): HTMLElement {
  const wrap = document.createElement('label');
  wrap.className = 'field';
  const text = document.createElement('span');
  text.textContent = label;
  wrap.append(text, control);
  return wrap;
}
