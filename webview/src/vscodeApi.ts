import type { ChartsViewState, WebviewToExtension } from '../../src/shared/messages.js';

/** The part of VS Code's webview API the page uses, typed with our messages. */
export interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
  getState(): ChartsViewState | undefined;
  setState(state: ChartsViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** May be called once per page; outside VS Code (a plain browser) there is no API. */
export function vscodeApi(): VsCodeApi | undefined {
  return typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
}
