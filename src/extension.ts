import * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Filled in by the capabilities; see the README's architecture section.
}

export function deactivate(): void {}
