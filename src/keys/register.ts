// The API Keys view and its commands.
import * as vscode from 'vscode';
import { CommandId, ViewId } from '../constants';
import { initProject } from '../project/projectCommands';
import type { WorkspaceProjects } from '../project/workspaceProjects';
import { registerCommands } from '../ui/commands';
import type { Notifier } from '../ui/notify';
import { KeyCommands, type KeyChangeHooks } from './keyCommands';
import type { KeyStore } from './keyStore';
import { KeysView, type CloudStatusSource, type KeyNode, type KeysNode } from './keysView';

/** What the keys need of cloud sync (the cloud builds on the keys, not the other way round). */
export interface KeysCloud extends CloudStatusSource {
  refresh(): Promise<void>;
  /** After Edit Value: pushes the new value of a key that was in step with the cloud. */
  afterRotate(project: string, name: string): Promise<void>;
  /** Rename of a key also in the cloud: what happens to the cloud's copy, then doing it. */
  planRename: NonNullable<KeyChangeHooks['planRename']>;
  afterRename: NonNullable<KeyChangeHooks['afterRename']>;
  /** Push Key to Cloud, for one key (the view's selection can hold several). */
  push(arg?: KeyNode | { project?: string; name?: string; overwrite?: boolean }): Promise<number | undefined>;
}

export interface KeysDeps {
  store: KeyStore;
  projects: WorkspaceProjects;
  /** Each key's sync state, and the push of a rotation to the cloud. */
  cloud: KeysCloud;
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

export interface Keys {
  view: KeysView;
  commands: KeyCommands;
}

export function registerKeys(context: vscode.ExtensionContext, deps: KeysDeps): Keys {
  const { store, projects, cloud, notify, log } = deps;
  const view = new KeysView(store, projects, cloud);
  const treeView = vscode.window.createTreeView(ViewId.keys, {
    treeDataProvider: view,
    showCollapseAll: false,
    canSelectMany: true,
  });
  view.attach(treeView);
  context.subscriptions.push(cloud.watch(treeView));
  const commands = new KeyCommands(store, projects, view, notify, log, {
    afterRotate: (project, name) => cloud.afterRotate(project, name),
    planRename: (project, name, newName, given) => cloud.planRename(project, name, newName, given),
    afterRename: (project, name, newName, plan) => cloud.afterRename(project, name, newName, plan),
  });
  context.subscriptions.push(view, treeView, commands);
  // Another window changed a value or the index: show it here too.
  context.subscriptions.push(context.secrets.onDidChange(() => store.notifyExternalChange()));

  registerCommands(context, {
    [CommandId.addKey]: (args) => commands.addKey(args),
    [CommandId.editKey]: (arg) => commands.editKey(arg),
    [CommandId.renameKey]: (arg) => commands.renameKey(arg),
    [CommandId.deleteKey]: (arg, selection?: KeysNode[]) => commands.deleteKey(arg, selection),
    [CommandId.copyValue]: (arg) => commands.copyValue(arg),
    [CommandId.copyName]: (arg) => commands.copyName(arg),
    [CommandId.importEnv]: (args) => commands.importEnv(args),
    [CommandId.filterKeys]: (args) => commands.filterKeys(args),
    [CommandId.clearFilter]: () => commands.clearFilter(),
    // Registered with the keys because it acts on the view's selection, which may hold several.
    [CommandId.pushKey]: async (arg?: Parameters<KeysCloud['push']>[0], selection?: KeysNode[]) => {
      const several = commands.severalTargets(arg, selection);
      if (!several) return cloud.push(arg);
      for (const target of several) await cloud.push(target);
      return several.length > 0;
    },
    [CommandId.refreshKeys]: async () => {
      await projects.refresh();
      await cloud.refresh();
    },
    // The view's title menu also creates cloudxlr.json and shows the log.
    [CommandId.initProject]: (args) => initProject(notify, args),
    [CommandId.showLog]: () => log.show(),
  });
  return { view, commands };
}
