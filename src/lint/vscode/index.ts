// The secret linter in the editor: diagnostics as you type, quick fixes, a hover, and Scan
// Workspace. Thin glue over the pure engine in ../engine.
import * as vscode from 'vscode';
import { CommandId, DIAGNOSTIC_COLLECTION } from '../../constants';
import { Notifier } from '../../ui/notify';
import type { WorkspaceProjects } from '../../project/workspaceProjects';
import { buildKnownValueIndex, type NamedValue } from '../engine';
import { LintCodeActions, LintHover } from './codeActions';
import { DocumentLinter, type LintEvent } from './documentLinter';
import { GitHistory } from '../gitHistory';
import { moveToApiKeys, type MoveResult } from './moveToApiKeys';
import { scanWorkspace, type ScanSummary } from './scanWorkspace';
import { affectsLint } from './settings';
import { errorMessage } from '../../shared/errorMessage';

export type { MoveToApiKeysArgs } from './codeActions';
export type { MoveResult } from './moveToApiKeys';
export type { ScanSummary } from './scanWorkspace';
export type { LintEvent } from './documentLinter';

export interface LinterDeps {
  projects: WorkspaceProjects;
  /** Every stored value with its key's name (never logged), for exact matching. */
  knownValues(): Promise<NamedValue[]>;
  /** Names of the keys stored in a project, so a proposed name is a free one. */
  keyNames(project: string): string[];
  /** Subscribes to changes of the stored values. */
  onKnownValuesChanged(listener: () => void): vscode.Disposable;
  addKey(project: string, name: string, value: string): Promise<boolean>;
  /** The stored key holding exactly this value, if any. */
  findKey?(value: string): Promise<{ project: string; name: string } | undefined>;
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

export interface Linter {
  scanWorkspace(): Promise<ScanSummary>;
  /** Lints an open document now (no debounce); resolves when its diagnostics are published. */
  lintNow(document: vscode.TextDocument): Promise<void>;
  /** Fires after a document's diagnostics are published. */
  onDidLint: vscode.Event<LintEvent>;
  /** Fires once a closed document's diagnostics are settled: cleared, or read again from disk. */
  onDidSettleClosed: vscode.Event<vscode.Uri>;
  /** Resolves once the stored values are indexed and open documents are being linted. */
  ready: Promise<void>;
}

const SELECTOR: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }];

export function registerLinter(context: vscode.ExtensionContext, deps: LinterDeps): Linter {
  const collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_COLLECTION);
  const git = new GitHistory();
  const linter = new DocumentLinter(collection, deps.projects, git, deps.log);
  context.subscriptions.push(collection, linter);

  let generation = 0;
  const loadKnownValues = (): Promise<void> => {
    const mine = ++generation;
    const load = (async () => {
      try {
        const index = buildKnownValueIndex(await deps.knownValues());
        if (mine === generation) linter.setKnownValues(index);
      } catch (e) {
        deps.log.warn(`Linter: the stored keys could not be read for matching: ${errorMessage(e)}`);
      }
    })();
    linter.waitForKnownValues(load);
    return load;
  };

  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      SELECTOR,
      new LintCodeActions(linter, deps.keyNames),
      LintCodeActions.metadata,
    ),
    vscode.languages.registerHoverProvider(SELECTOR, new LintHover(linter)),
    vscode.commands.registerCommand(CommandId.scanWorkspace, (): Promise<ScanSummary> =>
      scanWorkspace(deps.projects, linter, deps.notify, deps.log),
    ),
    vscode.commands.registerCommand(CommandId.moveToApiKeys, (arg: unknown): Promise<MoveResult | undefined> =>
      moveToApiKeys(deps, linter, git, arg),
    ),
    deps.onKnownValuesChanged(() => void loadKnownValues()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsLint(e)) linter.relintAll();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => linter.relintAll()),
    deps.projects.onDidChange(() => linter.relintAll()),
  );

  // Stored values first, so the first diagnostics already include them.
  const ready = loadKnownValues().then(() => linter.start());
  return {
    scanWorkspace: () => scanWorkspace(deps.projects, linter, deps.notify, deps.log),
    lintNow: (document) => linter.lintNow(document),
    onDidLint: linter.onDidLint,
    onDidSettleClosed: linter.onDidSettleClosed,
    ready,
  };
}
