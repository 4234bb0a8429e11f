// The extension's table of contents: build the services, register the features.
import * as vscode from 'vscode';
import { OUTPUT_CHANNEL_NAME } from './constants';
import { Notifier } from './ui/notify';
import { WorkspaceProjects } from './project/workspaceProjects';
import { KeyStore } from './keys/keyStore';
import { registerKeys } from './keys/register';
import type { KeysView } from './keys/keysView';
import { CloudSession } from './cloud/session';
import { registerCloud } from './cloud/register';
import type { CloudSync } from './cloud/cloudSync';
import { registerFunctions, type FunctionsTree } from './deploy/vscode';
import { registerLinter, type Linter } from './lint/vscode';

/** What the extension exports: used by integration tests to see what a person sees. */
export interface CloudxlrApi {
  keysView: KeysView;
  notifier: Notifier;
  cloud: CloudSync;
  functionsView: FunctionsTree;
  linter: Linter;
  /** How long activate() took, in milliseconds (it must stay cheap: no I/O waits, no scans). */
  activateMs: number;
}

export function activate(context: vscode.ExtensionContext): CloudxlrApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  const notify = new Notifier(log);
  const projects = new WorkspaceProjects(log);
  const store = new KeyStore(context.secrets, context.globalState);
  // Values never sync through Settings Sync: the index names keys, which are machine-local.
  context.globalState.setKeysForSync([]);
  const session = new CloudSession(context.secrets, notify);
  context.subscriptions.push(log, projects, session);

  const cloud = registerCloud(context, { session, store, projects, notify, log });
  const keys = registerKeys(context, { store, projects, cloud, notify, log });
  const functions = registerFunctions(context, { projects, session, cloud, store, notify, log });
  const linter = registerLinter(context, {
    projects,
    knownValues: () => store.namedValues(),
    keyNames: (project) => store.list(project).map((k) => k.name),
    onKnownValuesChanged: (listener) => store.onDidChange(listener),
    addKey: async (project, name, value) => !!(await keys.commands.addKey({ project, name, value })),
    findKey: (value) => store.findByValue(value),
    notify,
    log,
  });

  const activateMs = performance.now() - started;
  log.info(`Activated in ${activateMs.toFixed(1)} ms.`);
  return { keysView: keys.view, notifier: notify, cloud, linter, functionsView: functions.tree, activateMs };
}

export function deactivate(): void {}
