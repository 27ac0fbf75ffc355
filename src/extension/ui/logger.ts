import * as vscode from 'vscode';

/** The one log channel; errors shown to the user are short, the details land here. */
export type Logger = vscode.LogOutputChannel;

export function createLogger(): Logger {
  return vscode.window.createOutputChannel('Cryo', { log: true });
}
