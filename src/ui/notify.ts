// User-facing messages go through here: shown as notifications (or, for a confirmation that
// asks nothing, in the status bar), written to the log, and kept in a short list the
// extension's API exposes, so integration tests can assert what a person saw.
import * as vscode from 'vscode';

/** 'status': a confirmation in the status bar, which needs no answer and goes away by itself. */
export type Severity = 'status' | 'info' | 'warning' | 'error';

/** How long a confirmation stays in the status bar. */
export const STATUS_MESSAGE_MS = 8_000;

export interface ShownMessage {
  severity: Severity;
  message: string;
  time: number;
  /** Its place among every message shown since activation (0 for the first). */
  seq: number;
}

export class Notifier {
  private readonly shown: ShownMessage[] = [];
  private statusMessage: vscode.Disposable | undefined;
  private count = 0;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The most recent messages, oldest first (at most 50). */
  get recent(): readonly ShownMessage[] {
    return this.shown;
  }

  /** How many messages were shown since activation: the `seq` the next one gets. */
  get shownCount(): number {
    return this.count;
  }

  /** A confirmation that needs no decision: the status bar, not a notification. */
  status(message: string): void {
    this.remember('status', message);
    this.log.info(message);
    this.statusMessage?.dispose();
    this.statusMessage = vscode.window.setStatusBarMessage(`$(check) ${message}`, STATUS_MESSAGE_MS);
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

  private remember(severity: Severity, message: string): void {
    this.shown.push({ severity, message, time: Date.now(), seq: this.count++ });
    if (this.shown.length > 50) this.shown.shift();
  }

  private show(
    severity: Exclude<Severity, 'status'>,
    message: string,
    actions: string[],
  ): Thenable<string | undefined> {
    this.remember(severity, message);
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
