// The extension's table of contents: build the services, register the features.
import * as vscode from 'vscode';
import { CommandId, OUTPUT_CHANNEL_NAME, ViewId } from './constants';
import { Notifier } from './ui/notify';
import { WorkspaceProjects } from './project/workspaceProjects';
import { initProject } from './project/projectCommands';
import { KeyStore } from './keys/keyStore';
import { KeysView, type KeysNode } from './keys/keysView';
import { KeyCommands } from './keys/keyCommands';
import { CloudSync } from './cloud/cloudSync';
import { registerFunctions, type FunctionsView } from './deploy/vscode';
import { registerLinter, type Linter } from './lint/vscode';

/** What the extension exports: used by integration tests to see what a person sees. */
export interface CloudxlrApi {
  keysView: KeysView;
  notifier: Notifier;
  cloud: CloudSync;
  functionsView: FunctionsView;
  linter: Linter;
  /** How long activate() took, in milliseconds (it must stay cheap: no I/O waits, no scans). */
  activateMs: number;
}

export function activate(context: vscode.ExtensionContext): CloudxlrApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  const notifier = new Notifier(log);
  const projects = new WorkspaceProjects(log);
  const store = new KeyStore(context.secrets, context.globalState);
  // Values never sync through Settings Sync: the index names keys, which are machine-local.
  context.globalState.setKeysForSync([]);
  const keysView = new KeysView(store, projects, undefined);
  const treeView = vscode.window.createTreeView(ViewId.keys, { treeDataProvider: keysView, showCollapseAll: false, canSelectMany: true });
  keysView.attach(treeView);
  const keys = new KeyCommands(store, projects, keysView, notifier, log);
  const sync = new CloudSync(context, store, projects, notifier, log);
  keysView.setCloudSource(sync);
  keys.hooks.afterRotate = (project, name) => sync.afterRotate(project, name);
  context.subscriptions.push(log, projects, keysView, treeView, keys, sync);

  // Another window changed a value or the index: show it here too.
  context.subscriptions.push(context.secrets.onDidChange(() => store.notifyExternalChange()));

  const register = (id: string, handler: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown));
  register(CommandId.addKey, (args?: Parameters<KeyCommands['addKey']>[0]) => keys.addKey(args));
  register(CommandId.editKey, (arg?: Parameters<KeyCommands['editKey']>[0]) => keys.editKey(arg));
  register(CommandId.renameKey, (arg?: Parameters<KeyCommands['renameKey']>[0]) => keys.renameKey(arg));
  register(CommandId.deleteKey, (arg?: Parameters<KeyCommands['deleteKey']>[0], selection?: KeysNode[]) => keys.deleteKey(arg, selection));
  register(CommandId.copyValue, (arg?: Parameters<KeyCommands['copyValue']>[0]) => keys.copyValue(arg));
  register(CommandId.copyName, (arg?: Parameters<KeyCommands['copyName']>[0]) => keys.copyName(arg));
  register(CommandId.importEnv, (args?: Parameters<KeyCommands['importEnv']>[0]) => keys.importEnv(args));
  register(CommandId.filterKeys, (args?: { text?: string }) => keys.filterKeys(args));
  register(CommandId.clearFilter, () => keys.clearFilter());
  register(CommandId.refreshKeys, async () => {
    await projects.refresh();
    await sync.refresh();
  });
  register(CommandId.initProject, (args?: { folder?: string; project?: string }) => initProject(notifier, args));
  register(CommandId.showLog, () => log.show());

  register(CommandId.signIn, (args?: Parameters<CloudSync['signIn']>[0]) => sync.signIn(args));
  register(CommandId.signOut, (args?: Parameters<CloudSync['signOut']>[0]) => sync.signOut(args));
  register(CommandId.pushKey, async (arg?: Parameters<CloudSync['push']>[0], selection?: KeysNode[]) => {
    const several = keys.severalTargets(arg, selection);
    if (!several) return sync.push(arg);
    for (const target of several) await sync.push(target);
    return several.length > 0;
  });
  register(CommandId.pushAllKeys, (args?: Parameters<CloudSync['pushAll']>[0]) => sync.pushAll(args));
  register(CommandId.deleteKeyFromCloud, (arg?: Parameters<CloudSync['deleteFromCloud']>[0]) => sync.deleteFromCloud(arg));
  register(CommandId.startLocalCloud, () => sync.startLocalCloud());
  register(CommandId.stopLocalCloud, () => sync.stopLocalCloud());
  // Sync state is fetched in the background; the view shows local keys at once.
  void sync.refresh();
  const functions = registerFunctions(context, { projects, cloud: sync, store, notify: notifier, log });

  const keysChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(keysChanged, store.onDidChange(() => keysChanged.fire()));
  const linter = registerLinter(context, {
    projects,
    knownValues: () => store.namedValues(),
    keyNames: (project) => store.list(project).map((k) => k.name),
    onKnownValuesChanged: keysChanged.event,
    addKey: async (project, name, value) => !!(await keys.addKey({ project, name, value })),
    findKey: (value) => store.findByValue(value),
    notify: notifier,
    log,
  });

  const activateMs = performance.now() - started;
  log.info(`Activated in ${activateMs.toFixed(1)} ms.`);
  return { keysView, notifier, cloud: sync, linter, functionsView: functions.view, activateMs };
}

export function deactivate(): void {}
