// The editor side of Cloud Functions: the Functions view, its commands and the CodeLens, as
// thin glue over the deploy core (src/deploy). extension.ts calls registerFunctions() once.
import * as vscode from 'vscode';
import { CommandId } from '../../constants';
import type { CloudSession } from '../../cloud/session';
import type { CloudSync } from '../../cloud/cloudSync';
import type { KeyStore } from '../../keys/keyStore';
import type { WorkspaceProjects } from '../../project/workspaceProjects';
import { registerCommands } from '../../ui/commands';
import type { Notifier } from '../../ui/notify';
import { FunctionCodeLensProvider } from './codeLens';
import { DeployCommands, type DeployAllArgs } from './deployCommands';
import { FunctionsModel } from './functionsModel';
import { FunctionsTree } from './functionsTree';
import { NewFunctionCommand, type NewFunctionArgs } from './newFunction';
import { RemoteFunctionCommands } from './remoteCommands';
import { FunctionTargets, isArgs } from './targets';

export { FunctionsTree, type FunctionsNode } from './functionsTree';
export type { DeployArgs } from './deployCommands';
export type { DeployResult } from './deployReport';
export type { NewFunctionArgs } from './newFunction';
export type { InvokeArgs, RollbackArgs, DeleteArgs, LogsArgs } from './remoteCommands';

export interface FunctionsDeps {
  projects: WorkspaceProjects;
  session: CloudSession;
  /** Each key's sync state, shown under the functions that read it. */
  cloud: CloudSync;
  store: KeyStore;
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

export interface Functions {
  model: FunctionsModel;
  tree: FunctionsTree;
}

export function registerFunctions(context: vscode.ExtensionContext, deps: FunctionsDeps): Functions {
  const { projects, session, cloud, store, notify, log } = deps;
  const model = new FunctionsModel(projects, session, cloud, store, log);
  const tree = new FunctionsTree(model, cloud, store);
  const targets = new FunctionTargets(model, session, notify);
  const create = new NewFunctionCommand(context.extensionUri, targets, model, store, notify);
  const deploy = new DeployCommands(targets, model, session, cloud, store, notify, log);
  const remote = new RemoteFunctionCommands(targets, model, session, cloud, store, notify, log, context.workspaceState);
  const codeLens = new FunctionCodeLensProvider(model);
  context.subscriptions.push(
    model,
    tree,
    codeLens,
    vscode.languages.registerCodeLensProvider(
      [
        { scheme: 'file', language: 'typescript' },
        { scheme: 'file', language: 'javascript' },
      ],
      codeLens,
    ),
  );

  registerCommands(context, {
    // The view's title buttons pass the selected row: a title action starts a fresh flow.
    [CommandId.newFunction]: (arg?: unknown) => create.newFunction(isArgs(arg) ? (arg as NewFunctionArgs) : {}),
    [CommandId.deployFunction]: (arg) => deploy.deployFunction(arg),
    [CommandId.deployAll]: (arg?: unknown) => deploy.deployAll(isArgs(arg) ? (arg as DeployAllArgs) : {}),
    [CommandId.invokeFunction]: (arg) => remote.invokeFunction(arg),
    [CommandId.showFunctionLogs]: (arg) => remote.showFunctionLogs(arg),
    [CommandId.rollbackFunction]: (arg) => remote.rollbackFunction(arg),
    [CommandId.deleteFunction]: (arg) => remote.deleteFunction(arg),
    [CommandId.refreshFunctions]: () => model.refresh(),
  });

  // The tree bundles and lists functions when it is first shown; the explorer menu needs
  // only the (cheap) discovery, done now.
  void model.discover();
  return { model, tree };
}
