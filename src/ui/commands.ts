// Every command is registered through here, from a table of handlers per capability, so the
// ids come from the one list in constants.ts and each registration is disposed with the extension.
import * as vscode from 'vscode';
import type { CommandId } from '../constants';

export type CommandIdValue = (typeof CommandId)[keyof typeof CommandId];

/**
 * A handler gets what VS Code passes: a tree node, a file URI or a plain argument object from
 * a keybinding, task or test. Each handler checks what it was given.
 */
export type CommandHandlers = Partial<Record<CommandIdValue, (...args: never[]) => unknown>>;

export function registerCommands(context: vscode.ExtensionContext, handlers: CommandHandlers): void {
  for (const [id, handler] of Object.entries(handlers)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown));
  }
}
