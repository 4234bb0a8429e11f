// What the integration tests share: the extension under test, what it told the user, and
// waiting for something the editor does asynchronously.
import * as assert from 'assert';
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import { DIAGNOSTIC_SOURCE, OUTPUT_CHANNEL_NAME } from '../../src/constants';
import type { CloudxlrApi } from '../../src/extension';
import type { ShownMessage } from '../../src/ui/notify';
import { EXTENSION_UNDER_TEST, RUNNER_EXTENSION_ID, requestUi, type RunnerExports } from '../host/hostContract';

/** The extension's API, activating it if needed. */
export async function extensionApi(): Promise<CloudxlrApi> {
  const ext = vscode.extensions.getExtension<CloudxlrApi>(EXTENSION_UNDER_TEST);
  assert.ok(ext, `${EXTENSION_UNDER_TEST} is not installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** The first workspace folder's path. */
export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open');
  return folder.uri.fsPath;
}

/** The last notification the extension showed ('' if none). */
export async function lastMessage(): Promise<string> {
  const { notifier } = await extensionApi();
  return notifier.recent[notifier.recent.length - 1]?.message ?? '';
}

/** How many notifications were shown so far: pass it to messagesSince. */
export async function messageMark(): Promise<number> {
  return (await extensionApi()).notifier.shownCount;
}

/** The messages shown since a mark, oldest first, with their severity ('status' for the status bar). */
export async function noticesSince(mark: number): Promise<ShownMessage[]> {
  // By sequence number: the notifier keeps only the last 50, so a count would drift once it is full.
  return (await extensionApi()).notifier.recent.filter((m) => m.seq >= mark);
}

/** The notifications shown since a mark, oldest first. */
export async function messagesSince(mark: number): Promise<string[]> {
  return (await noticesSince(mark)).map((m) => m.message);
}

/** The notifications shown since a mark, as one text (one line each). */
export async function shownSince(mark: number): Promise<string> {
  return (await messagesSince(mark)).join('\n');
}

/** Polls until `probe` returns something truthy; fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string | (() => string),
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}.`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The linter's diagnostics on a file, as the Problems panel shows them. */
export function lintDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

/** A prompt left open by a failed UI request would hold up the tests after it: close it. */
export async function closingPromptsOnFailure<T>(acting: Promise<T>): Promise<T> {
  try {
    return await acting;
  } catch (e) {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await requestUi('close-dialog', [{ press: 'Escape' }]).catch(() => undefined);
    throw e;
  }
}

/**
 * What the extension's log (Output › CloudXLR) holds so far, read from the file the editor
 * writes it to, in the extension host's log folder next to the runner's own.
 */
export function extensionLogText(): string {
  const runner = vscode.extensions.getExtension<RunnerExports>(RUNNER_EXTENSION_ID);
  assert.ok(runner?.exports?.logUri, 'the runner extension gives no log folder');
  const hostLogs = path.dirname(runner.exports.logUri.fsPath);
  const name = `${OUTPUT_CHANNEL_NAME}.log`;
  const files = (fs.readdirSync(hostLogs, { recursive: true }) as string[]).filter(
    (f) => path.basename(f) === name && f.includes(EXTENSION_UNDER_TEST),
  );
  assert.ok(files.length > 0, `no ${name} under ${hostLogs}`);
  return files.map((f) => fs.readFileSync(path.join(hostLogs, f), 'utf8')).join('\n');
}
