import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { ResultsStore } from '../../core/store/resultsStore.js';
import { applyFilter, toCsv, toRuns, type ChartRun } from '../../core/report/index.js';
import { isExportCsvMessage, isExportPngMessage, isReadyMessage, PNG_PREFIX } from '../../shared/messageGuards.js';
import type { ChartsViewState, ExportDoneMessage, ExtensionToWebview } from '../../shared/messages.js';
import type { Logger } from '../ui/logger.js';
import { chartsHtml, newNonce } from './html.js';

export interface ChartsDeps {
  extensionUri: vscode.Uri;
  store: ResultsStore;
  log: Logger;
}

const VIEW_TYPE = 'cryo.charts';
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Scripts on, and only the built webview bundle reachable. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

/**
 * Owns the one charts panel: opens or reveals it, and revives it after a reload
 * (registered as the `cryo.charts` serializer). The webview keeps its filters in its own state.
 */
export class ChartsPanels implements vscode.WebviewPanelSerializer<ChartsViewState>, vscode.Disposable {
  static readonly viewType = VIEW_TYPE;
  private current: ChartsPanel | undefined;
  private readonly registration: vscode.Disposable;

  constructor(private readonly deps: ChartsDeps) {
    this.registration = vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, this);
  }

  get panel(): ChartsPanel | undefined {
    return this.current;
  }

  createOrShow(): ChartsPanel {
    if (this.current) {
      this.current.reveal();
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Cryo Charts', vscode.ViewColumn.Active, webviewOptions(this.deps.extensionUri));
    return this.adopt(panel);
  }

  revive(panel: vscode.WebviewPanel): ChartsPanel {
    // A restored panel comes back with default options; set ours again before loading the page.
    panel.webview.options = webviewOptions(this.deps.extensionUri);
    return this.adopt(panel);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    this.revive(panel);
  }

  private adopt(panel: vscode.WebviewPanel): ChartsPanel {
    this.current?.dispose();
    const p = new ChartsPanel(panel, this.deps, () => {
      if (this.current === p) this.current = undefined;
    });
    this.current = p;
    return p;
  }

  dispose(): void {
    this.current?.dispose();
    this.registration.dispose();
  }
}

/** One open charts panel: serves the page, answers its messages, forwards new runs. */
export class ChartsPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: ChartsDeps,
    private readonly onDisposed: () => void,
  ) {
    const webview = panel.webview;
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview', name)).toString();
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'cryo.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
    );
    const off = deps.store.onAppend((r) => this.onAppend(r));
    this.disposables.push({ dispose: off });
    webview.html = chartsHtml({ cspSource: webview.cspSource, nonce: newNonce(), scriptUri: asset('charts.js'), styleUri: asset('charts.css') });
  }

  reveal(): void {
    this.panel.reveal();
  }

  private post(msg: ExtensionToWebview): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(msg);
  }

  private onAppend(record: unknown): void {
    // Until the page says it is ready it gets the whole file on `ready`; host facts and migrations are not charted.
    const [run] = toRuns([record]);
    if (this.ready && run) this.post({ type: 'append', record: run });
  }

  private async runs(): Promise<ChartRun[]> {
    return toRuns(await this.deps.store.readAll());
  }

  private async onMessage(m: unknown): Promise<void> {
    if (isReadyMessage(m)) {
      // Sent on every page load (first open, reveal after being hidden, reload); the page dedupes by id.
      this.ready = true;
      try {
        this.post({ type: 'records', records: await this.runs() });
      } catch (e) {
        this.deps.log.error(`Charts: cannot read ${this.deps.store.path}: ${String(e)}`);
        this.post({ type: 'error', message: `Cannot read the results file: ${e instanceof Error ? e.message : String(e)}` });
      }
    } else if (isExportCsvMessage(m)) {
      await this.export(m.requestId, `cryo-runs-${today()}.csv`, { CSV: ['csv'] }, async () => new TextEncoder().encode(toCsv(applyFilter(await this.runs(), m.filter))));
    } else if (isExportPngMessage(m)) {
      const bytes = Buffer.from(m.dataUrl.slice(PNG_PREFIX.length), 'base64');
      if (!PNG_MAGIC.every((b, i) => bytes[i] === b)) {
        this.post({ type: 'exportDone', requestId: m.requestId, outcome: 'failed', detail: 'not a PNG image' });
        return;
      }
      await this.export(m.requestId, `cryo-${m.chartId}-${today()}.png`, { 'PNG image': ['png'] }, async () => bytes);
    } else {
      this.deps.log.warn(`Charts: ignored an unexpected message from the webview: ${JSON.stringify(m)?.slice(0, 200)}`);
    }
  }

  /** Asks where to save, writes, and tells the page how it went. */
  private async export(requestId: string, fileName: string, filters: Record<string, string[]>, content: () => Promise<Uint8Array>): Promise<void> {
    const reply = (outcome: ExportDoneMessage['outcome'], detail?: string) => this.post({ type: 'exportDone', requestId, outcome, ...(detail === undefined ? {} : { detail }) });
    try {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, fileName), filters, saveLabel: 'Export' });
      if (!target) return reply('cancelled');
      await vscode.workspace.fs.writeFile(target, await content());
      this.deps.log.info(`Charts: exported ${target.fsPath}`);
      reply('saved', target.fsPath);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.log.error(`Charts: export failed: ${message}`);
      reply('failed', message);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDisposed();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}
