// The editor side of Cloud Functions: the Functions view, its commands and the CodeLens, as
// thin glue over the deploy core (src/deploy). extension.ts calls registerFunctions() once.
import * as vscode from 'vscode';
import { CommandId, ViewId } from '../../constants';
import type { CloudSync } from '../../cloud/cloudSync';
import type { KeyStore } from '../../keys/keyStore';
import type { WorkspaceProjects } from '../../project/workspaceProjects';
import type { Notifier } from '../../ui/notify';
import { FunctionCodeLensProvider } from './codeLens';
import { FunctionCommands } from './functionCommands';
import { FunctionsView, type FunctionsNode } from './functionsView';

export { FunctionsView, type FunctionsNode } from './functionsView';
export type { DeployArgs, DeployResult, InvokeArgs, NewFunctionArgs, RollbackArgs, DeleteArgs, LogsArgs } from './functionCommands';

export interface FunctionsDeps {
  projects: WorkspaceProjects;
  cloud: CloudSync;
  store: KeyStore;
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

export interface Functions {
  view: FunctionsView;
  treeView: vscode.TreeView<FunctionsNode>;
  commands: FunctionCommands;
  codeLens: FunctionCodeLensProvider;
}

export function registerFunctions(context: vscode.ExtensionContext, deps: FunctionsDeps): Functions {
  const view = new FunctionsView(deps.projects, deps.cloud, deps.store, deps.log);
  const treeView = vscode.window.createTreeView(ViewId.functions, { treeDataProvider: view, showCollapseAll: true });
  view.attach(treeView);
  const commands = new FunctionCommands(context.extensionUri, deps.cloud, deps.store, view, deps.notify, deps.log);
  const codeLens = new FunctionCodeLensProvider(view);
  context.subscriptions.push(
    view,
    treeView,
    codeLens,
    vscode.languages.registerCodeLensProvider(
      [
        { scheme: 'file', language: 'typescript' },
        { scheme: 'file', language: 'javascript' },
      ],
      codeLens,
    ),
  );

  const register = <A extends unknown[]>(id: string, handler: (...args: A) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown));
  };
  type Arg<K extends keyof FunctionCommands> = FunctionCommands[K] extends (arg?: infer A) => unknown ? A : never;
  register(CommandId.newFunction, (args?: Arg<'newFunction'>) => commands.newFunction(args));
  register(CommandId.deployFunction, (arg?: Arg<'deployFunction'>) => commands.deployFunction(arg));
  register(CommandId.deployAll, (args?: Arg<'deployAll'>) => commands.deployAll(args));
  register(CommandId.invokeFunction, (arg?: Arg<'invokeFunction'>) => commands.invokeFunction(arg));
  register(CommandId.showFunctionLogs, (arg?: Arg<'showFunctionLogs'>) => commands.showFunctionLogs(arg));
  register(CommandId.rollbackFunction, (arg?: Arg<'rollbackFunction'>) => commands.rollbackFunction(arg));
  register(CommandId.deleteFunction, (arg?: Arg<'deleteFunction'>) => commands.deleteFunction(arg));
  register(CommandId.refreshFunctions, () => view.refresh());

  // The tree bundles and lists functions when it is first shown; the explorer menu needs
  // only the (cheap) discovery, done now.
  void view.discover();
  return { view, treeView, commands, codeLens };
}
