// Move to API Keys: reads the literal at a range of a document (arguments never carry the
// value), stores it under a name, and replaces it with what the file should hold instead.
import * as vscode from 'vscode';
import { CommandId } from '../../constants';
import { freeKeyName, keyNameProblem } from '../../shared/names';
import { Notifier } from '../../ui/notify';
import type { WorkspaceProjects } from '../../project/workspaceProjects';
import { scanText } from '../engine';
import type { FileKind } from '../engine/types';
import { enclosingQuote, functionNameFor, hasCtxBefore, isMarkupFile, replacementFor } from '../fixText';
import type { MoveToApiKeysArgs } from './codeActions';
import type { DocumentLinter } from './documentLinter';
import type { GitHistory } from '../gitHistory';
import { chooseFile, readSettings } from './settings';
import { errorMessage } from '../../shared/errorMessage';

export interface MoveDeps {
  projects: WorkspaceProjects;
  addKey(project: string, name: string, value: string): Promise<boolean>;
  /** The stored key holding exactly this value, if any (a value found by known-value matching). */
  findKey?(value: string): Promise<{ project: string; name: string } | undefined>;
  /** Names of the keys stored in a project: a new key must not take one of them. */
  keyNames?(project: string): string[];
  notify: Notifier;
  log: vscode.LogOutputChannel;
}

export interface MoveResult {
  name: string;
  project: string;
  /** What replaced the literal. */
  replacement: string;
  kind: FileKind;
  /** True when the key already held this value and nothing new was stored. */
  alreadyStored: boolean;
  /** The Cloud Function created for the call (with `scaffold: true`) and its files. */
  functionCreated?: string;
  functionFiles?: string[];
}

const SCAFFOLD = 'Create Cloud Function';

function isArgs(a: unknown): a is MoveToApiKeysArgs {
  if (typeof a !== 'object' || a === null) return false;
  const o = a as Record<string, unknown>;
  return (
    typeof o.uri === 'string' &&
    Array.isArray(o.range) &&
    o.range.length === 4 &&
    o.range.every((n) => Number.isInteger(n) && (n as number) >= 0)
  );
}

export async function moveToApiKeys(
  deps: MoveDeps,
  linter: DocumentLinter,
  git: GitHistory,
  arg: unknown,
): Promise<MoveResult | undefined> {
  if (!isArgs(arg)) {
    void deps.notify.error(
      'Move to API Keys runs from the quick fix of a CloudXLR diagnostic (the light bulb on a highlighted key).',
    );
    return undefined;
  }
  const uri = vscode.Uri.parse(arg.uri);
  const document = await vscode.workspace.openTextDocument(uri);
  const [sl, sc, el, ec] = arg.range;
  const range = document.validateRange(new vscode.Range(sl, sc, el, ec));
  const value = document.getText(range);
  if (value.trim().length === 0 || value !== value.trim()) {
    void deps.notify.error(
      'The key is no longer at that place in the file (it was edited meanwhile). Run the quick fix again from the diagnostic.',
    );
    return undefined;
  }
  const choice = await chooseFile(deps.projects, uri, document.languageId, readSettings(uri));
  const kind: FileKind = linter.kindOf(uri) ?? choice?.kind ?? 'frontend';
  const project = linter.projectOf(uri) ?? choice?.project ?? (await deps.projects.forUri(uri));
  if (!project) {
    void deps.notify.error(
      'This file belongs to no CloudXLR project of the workspace, so there is no API Keys list to move the key to. Open its folder, or create a cloudxlr.json with "CloudXLR: Create cloudxlr.json".',
    );
    return undefined;
  }

  // A value found because it is already stored: refer to that key, store nothing again.
  const existing = arg.ruleId === 'known-value' || !arg.name ? await deps.findKey?.(value) : undefined;
  let name = arg.name ?? (existing?.project === project.project ? existing.name : undefined);
  const alreadyStored = !!existing && existing.project === project.project && existing.name === name;
  if (!name) {
    // Propose a free name and refuse a taken one in the box: storing under a taken name would
    // replace a key that functions may read.
    const taken = new Set(deps.keyNames?.(project.project) ?? []);
    const suggested = freeKeyName(
      arg.suggestedName && !keyNameProblem(arg.suggestedName) ? arg.suggestedName : suggestedFromScan(value),
      taken,
    );
    name = await vscode.window.showInputBox({
      title: `Move to API Keys (${project.project})`,
      prompt: 'Name of the key, as your functions will ask for it with ctx.secrets.get',
      value: suggested,
      ignoreFocusOut: true,
      validateInput: (v) =>
        keyNameProblem(v) ??
        (taken.has(v)
          ? `${v} already holds another value in ${project.project}. Choose a free name; to replace that key's value, use Edit Value on it instead.`
          : undefined),
    });
    if (name === undefined) return undefined;
  }
  const problem = keyNameProblem(name);
  if (problem) {
    void deps.notify.error(problem);
    return undefined;
  }
  if (!alreadyStored && !(await deps.addKey(project.project, name, value))) return undefined;

  // Re-read: the document may have changed while the prompt was open.
  if (document.getText(range) !== value) {
    void deps.notify.warn(
      `${name} is stored in API Keys, but the file changed meanwhile, so the literal was not replaced. Replace it by hand.`,
    );
    return undefined;
  }
  const line = document.lineAt(range.start.line).text;
  const before = range.start.character > 0 ? line[range.start.character - 1] : undefined;
  const after = document.lineAt(range.end.line).text[range.end.character];
  const quoted =
    kind !== 'env'
      ? before !== undefined && before === after && (before === '"' || before === "'" || before === '`')
      : before !== undefined && before === after && (before === '"' || before === "'");
  const target = quoted ? new vscode.Range(range.start.translate(0, -1), range.end.translate(0, 1)) : range;
  const offset = document.offsetAt(target.start);
  const codeBefore = document.getText(
    new vscode.Range(document.positionAt(Math.max(0, offset - 20_000)), target.start),
  );
  const replacement = replacementFor({
    kind,
    name,
    quoted,
    insideQuote: quoted ? undefined : enclosingQuote(line, range.start.character),
    markup: isMarkupFile(document.fileName),
    hasCtx: hasCtxBefore(codeBefore, codeBefore.length),
  });
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, target, replacement);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void deps.notify.error(
      `${name} is stored in API Keys, but the file could not be edited. Replace the literal by hand.`,
    );
    return undefined;
  }
  deps.log.info(
    `Moved a value (${arg.provider ?? 'secret'}) from ${vscode.workspace.asRelativePath(uri)} to API Keys as ${name} in project ${project.project}.`,
  );

  const committed = uri.scheme === 'file' && vscode.workspace.isTrusted ? await git.lookup(uri.fsPath, value) : null;
  const rotate = committed
    ? ` The old value is already committed to git (in ${committed.commit}): rotate the key at the provider and store the new value with Edit Value.`
    : '';
  const file = vscode.workspace.asRelativePath(uri);
  // Say what happened to the file: a .env line keeps its variable with an empty value, code refers to the key.
  const variable = kind === 'env' ? /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=/.exec(line)?.[1] : undefined;
  const inFile = variable
    ? `${file} keeps ${variable} with an empty value`
    : kind === 'server'
      ? `${file} now reads it with ctx.secrets.get("${name}")`
      : `${file} no longer holds the value`;
  const where = alreadyStored
    ? `The value was already stored in API Keys as ${name}; ${inFile}.`
    : `${name} is now in API Keys; ${inFile}.`;
  const result: MoveResult = { name, project: project.project, replacement, kind, alreadyStored };
  if (kind === 'frontend') {
    const fn = functionNameFor(arg.provider ?? '');
    const keyName = name;
    const scaffold = async (): Promise<{ name: string; files?: string[] } | undefined> => {
      try {
        return await vscode.commands.executeCommand<{ name: string; files?: string[] } | undefined>(
          CommandId.newFunction,
          { name: fn, keys: [keyName], project: project.project },
        );
      } catch (e) {
        // The function scaffold's errors name files and functions, never a key's value.
        deps.log.warn(`Move to API Keys: scaffolding ${fn} failed: ${errorMessage(e)}`);
        void deps.notify.warn(
          `A Cloud Function could not be created here. Create one named ${fn} that reads ctx.secrets.get("${keyName}").`,
        );
        return undefined;
      }
    };
    const moved = `${where} Make the call from a Cloud Function that reads it with ctx.secrets.get("${name}").${rotate}`;
    if (arg.scaffold === true) {
      void deps.notify.info(moved);
      const created = await scaffold();
      if (created) {
        result.functionCreated = created.name;
        if (created.files) result.functionFiles = created.files;
      }
    } else if (arg.scaffold === false) {
      void deps.notify.info(moved);
    } else {
      void deps.notify.info(moved, SCAFFOLD).then(async (choice) => {
        if (choice === SCAFFOLD) await scaffold();
      });
    }
  } else {
    void (rotate ? deps.notify.warn(`${where}${rotate}`) : deps.notify.info(where));
  }
  return result;
}

function suggestedFromScan(value: string): string {
  const f = scanText(value)[0];
  return f?.suggestedKeyName ?? 'API_KEY';
}
