import * as vscode from 'vscode';
import type { Logger } from './logger.js';

/**
 * Runs slow work under a cancellable notification. The cancel token becomes an
 * AbortSignal passed down to the core, which decides where stopping is safe.
 */
export function withCancellableProgress<T>(title: string, work: (report: (message: string) => void, signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      return await work((message) => progress.report({ message }), abort.signal);
    } finally {
      sub.dispose();
    }
  });
}

/**
 * Shows a failure as one short line with "Show Log", and the full story in the log.
 * Cancellation is reported quietly: it is what the user asked for.
 */
export async function reportError(log: Logger, what: string, err: unknown): Promise<void> {
  if (err instanceof Error && err.name === 'AbortError') {
    log.info(`${what}: cancelled`);
    void vscode.window.showInformationMessage(`Cryo: ${what} cancelled; nothing was changed.`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  log.error(`${what} failed: ${message}${err instanceof Error && err.stack ? `\n${err.stack}` : ''}`);
  const short = message.split('\n')[0] ?? message;
  const reason = message.includes('CRIU says:') ? ` — ${message.slice(message.indexOf('CRIU says:'))}` : '';
  const choice = await vscode.window.showErrorMessage(`Cryo: ${what} failed: ${short}${reason.split('\n')[0]}`, 'Show Log');
  if (choice === 'Show Log') log.show(true);
}
