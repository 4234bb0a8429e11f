// User-facing messages go through here: shown as notifications, written to the log, and kept
// in a short list the extension's API exposes, so integration tests can assert what a person saw.
import * as vscode from 'vscode';

export type Severity = 'info' | 'warning' | 'error';

export interface ShownMessage {
  severity: Severity;
  message: string;
  time: number;
}

export class Notifier {
  private readonly shown: ShownMessage[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The most recent messages, oldest first (at most 50). */
  get recent(): readonly ShownMessage[] {
    return this.shown;
  }

  info(message: string, ...actions: string[]): Thenable<string | undefined> {
    return this.show('info', message, actions);
  }

  warn(message: string, ...actions: string[]): Thenable<string | undefined> {
    return this.show('warning', message, actions);
  }

  error(message: string, ...actions: string[]): Thenable<string | undefined> {
    return this.show('error', message, actions);
  }

  private show(severity: Severity, message: string, actions: string[]): Thenable<string | undefined> {
    this.shown.push({ severity, message, time: Date.now() });
    if (this.shown.length > 50) this.shown.shift();
    if (severity === 'error') this.log.error(message);
    else if (severity === 'warning') this.log.warn(message);
    else this.log.info(message);
    const show =
      severity === 'error'
        ? vscode.window.showErrorMessage
        : severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    return show(message, ...actions);
  }
}
