// "Deploy", and "Invoke…" once deployed, above the exported handler of a function's entry file. The handler is
// found by the core's reference scan of the open document (no bundling, no code run).
import * as vscode from 'vscode';
import { CommandId } from '../../constants';
import { findKeyReferences, keyNames } from '..';
import type { FunctionsModel } from './functionsModel';

export class FunctionCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly model: FunctionsModel) {
    // Stale (a deploy, a delete): the lenses ask again, which loads the functions anew.
    this.subscriptions = [model.onDidLoad(() => this.changed.fire()), model.onDidGoStale(() => this.changed.fire())];
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (document.uri.scheme !== 'file') return [];
    const found = await this.model.functionAt(document.uri);
    if (!found || token.isCancellationRequested) return [];
    const { data, fn } = found;
    let line = 0;
    let keys: string[] = [];
    try {
      const scan = await findKeyReferences(document.getText(), document.uri.fsPath);
      if (scan.handler) line = Math.min(document.lineCount - 1, Math.max(0, scan.handler.line - 1));
      keys = keyNames(scan.references);
    } catch {
      // An unreadable file still gets its lenses, at the top.
    }
    const range = new vscode.Range(line, 0, line, 0);
    const args = { name: fn.name, project: data.project.project };
    const lenses = [
      new vscode.CodeLens(range, {
        title: '$(cloud-upload) Deploy',
        tooltip: `Deploy ${fn.name} to project ${data.project.project}`,
        command: CommandId.deployFunction,
        arguments: [args],
      }),
    ];
    // Invoke only where there is a release to run: an undeployed function is offered Deploy alone.
    if (this.isDeployed(data.project.project, fn.name))
      lenses.push(
        new vscode.CodeLens(range, {
          title: '$(play) Invoke…',
          tooltip: `Invoke the deployed ${fn.name} with a JSON payload`,
          command: CommandId.invokeFunction,
          arguments: [args],
        }),
      );
    if (keys.length)
      lenses.push(
        new vscode.CodeLens(range, {
          title: `reads ${keys.join(', ')}`,
          tooltip: 'Keys this function reads from the vault (names only are deployed)',
          command: '',
        }),
      );
    return lenses;
  }

  /** Whether the function has a release, as last loaded (a load is started when out of date; the lenses follow it). */
  private isDeployed(project: string, name: string): boolean {
    if (this.model.stale) void this.model.snapshot().catch(() => undefined);
    return !!this.model.current.find((p) => p.project.project === project)?.functions.find((f) => f.fn.name === name)
      ?.deployed;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.changed.dispose();
  }
}
