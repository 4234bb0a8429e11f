// The cloud in the editor: the session every capability shares, key sync and the local cloud.
import type * as vscode from 'vscode';
import { CommandId } from '../constants';
import type { KeyStore } from '../keys/keyStore';
import type { WorkspaceProjects } from '../project/workspaceProjects';
import { registerCommands } from '../ui/commands';
import type { Notifier } from '../ui/notify';
import { CloudState } from './cloudState';
import { CloudSync } from './cloudSync';
import { LocalCloudCommands } from './localCloudCommands';
import { ServiceTokenCommands } from './serviceTokenCommands';
import type { CloudSession } from './session';

export interface CloudDeps {
  session: CloudSession;
  store: KeyStore;
  projects: WorkspaceProjects;
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

export function registerCloud(context: vscode.ExtensionContext, deps: CloudDeps): CloudSync {
  const state = new CloudState(deps.session, deps.store, deps.projects, deps.log);
  const sync = new CloudSync(deps.session, state, deps.store, deps.projects, deps.notify, deps.log);
  const localCloud = new LocalCloudCommands(context, deps.session, sync, deps.projects, deps.notify, deps.log);
  const serviceTokens = new ServiceTokenCommands(deps.session, (p) => sync.pickProject(p), deps.notify, deps.log);
  context.subscriptions.push(state, localCloud);
  registerCommands(context, {
    [CommandId.signIn]: (args) => sync.signIn(args),
    [CommandId.signOut]: (args) => sync.signOut(args),
    [CommandId.signInToTeamCloud]: (args) => sync.signInToTeamCloud(args),
    [CommandId.createServiceToken]: (args) => serviceTokens.create(args),
    [CommandId.listServiceTokens]: (args) => serviceTokens.list(args),
    [CommandId.pushAllKeys]: (args) => sync.pushAll(args),
    [CommandId.deleteKeyFromCloud]: (arg) => sync.deleteFromCloud(arg),
    [CommandId.startLocalCloud]: () => localCloud.startLocalCloud(),
    [CommandId.stopLocalCloud]: () => localCloud.stopLocalCloud(),
  });
  // Sync state is fetched in the background; the view shows local keys at once.
  void sync.refresh();
  return sync;
}
