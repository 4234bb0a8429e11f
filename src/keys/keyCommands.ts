// Handlers of the API Keys commands. Every handler takes either a tree node (from the view's
// menus) or a plain argument object (from keybindings, tasks and tests; see the README), and
// asks only for what it was not given.
import * as vscode from 'vscode';
import * as path from 'path';
import { SettingId } from '../constants';
import { keyNameProblem, keyValueProblem } from '../shared/names';
import { maskTail } from '../shared/secretText';
import { Notifier } from '../ui/notify';
import { WorkspaceProject, WorkspaceProjects } from '../project/workspaceProjects';
import { KeyStore, KeyStoreError } from './keyStore';
import { KeyNode, KeysNode, KeysView } from './keysView';
import { notASecretReason, parseEnv, removeValues, vaultNameForEnv } from './dotenv';
import { addToGitignore, gitIgnoreState, isTrackedByGit } from './gitignore';
import { recogniseProvider, valueShapeWarning } from './providers';
import { errorMessage } from '../shared/errorMessage';

export interface KeyArgs {
  project?: string;
  name?: string;
  /** Act on the rows selected in the API Keys view (what its keybindings pass). */
  selected?: boolean;
}
export interface AddKeyArgs extends KeyArgs {
  value?: string;
  overwrite?: boolean;
}
export interface RenameKeyArgs extends KeyArgs {
  newName?: string;
  /** For a key that is also in the cloud: rename it there too ('both') or not ('here'); asked when omitted. */
  cloud?: CloudRename;
}

/** What a rename does to the key's copy in the cloud. */
export type CloudRename = 'both' | 'here';
export interface DeleteKeyArgs extends KeyArgs {
  /** Skips the confirmation dialog. */
  confirmed?: boolean;
}
export interface ImportEnvArgs {
  project?: string;
  path?: string;
  /** Env variable names to import; all readable ones when omitted and no prompt is possible. */
  names?: string[];
  overwrite?: boolean;
  /** Empty the imported values in the file afterwards (asked when omitted). */
  removeValues?: boolean;
  /** Add the file to .gitignore if git does not ignore it yet (asked when omitted). */
  addToGitignore?: boolean;
}

/** What a key change hook needs: cloud sync pushes rotations of synced keys and follows renames. */
export interface KeyChangeHooks {
  afterRotate?(project: string, name: string): Promise<void>;
  /**
   * Before a rename: for a key that is also in the cloud, what to do with that copy (asked, naming
   * the functions that read it, unless `given`). Undefined cancels; 'none' when it is not in the cloud.
   */
  planRename?(
    project: string,
    name: string,
    newName: string,
    given?: CloudRename,
  ): Promise<CloudRename | 'none' | undefined>;
  /** After the local rename, carries out the plan in the cloud and says what happened. */
  afterRename?(project: string, name: string, newName: string, plan: CloudRename | 'none'): Promise<void>;
}

const MAX_ENV_FILE_BYTES = 1024 * 1024;

export class KeyCommands implements vscode.Disposable {
  private clipboardTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: KeyStore,
    private readonly projects: WorkspaceProjects,
    private readonly view: KeysView,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
    private readonly hooks: KeyChangeHooks = {},
  ) {}

  async addKey(arg?: AddKeyArgs | KeysNode): Promise<{ name: string } | undefined> {
    // The view's title button passes the focused row: a title action starts a fresh flow.
    const args = isNode(arg) ? {} : (arg ?? {});
    const project = await this.pickProject(args.project);
    if (!project) return undefined;
    const existingNames = new Set(this.store.list(project.project).map((k) => k.name));
    const name =
      args.name ??
      (await vscode.window.showInputBox({
        title: `Add API Key to ${project.project}`,
        prompt: 'Name of the key, as your functions will ask for it',
        placeHolder: 'STRIPE_SECRET_KEY',
        ignoreFocusOut: true,
        validateInput: (v) =>
          keyNameProblem(v) ?? (existingNames.has(v) ? `${v} already exists. Use Edit Value to rotate it.` : undefined),
      }));
    if (name === undefined) return undefined;
    const asked = args.value === undefined;
    const value = args.value ?? (await this.askValue(`Value of ${name}`, name));
    if (value === undefined) return undefined;
    return this.run(async () => {
      const { warning, replaced } = await this.store.add(project.project, name, value, { overwrite: args.overwrite });
      this.log.info(`${replaced ? 'Replaced' : 'Added'} key ${name} in project ${project.project}.`);
      // A typed value was warned about in its input box already.
      if (warning && !asked) void this.notify.warn(`${name}: ${warning} It was stored anyway.`);
      return { name };
    });
  }

  async editKey(arg?: KeyNode | AddKeyArgs): Promise<{ name: string } | undefined> {
    const target = await this.pickKey(arg, 'Edit the value of which key?');
    if (!target) return undefined;
    const given = isNode(arg) ? undefined : arg?.value;
    const value = given ?? (await this.askValue(`New value of ${target.name} (rotation)`, target.name));
    if (value === undefined) return undefined;
    return this.run(async () => {
      const { warning } = await this.store.rotate(target.project, target.name, value);
      this.log.info(`Rotated key ${target.name} in project ${target.project}.`);
      if (warning && given !== undefined) void this.notify.warn(`${target.name}: ${warning} It was stored anyway.`);
      await this.hooks.afterRotate?.(target.project, target.name);
      return { name: target.name };
    });
  }

  async renameKey(arg?: KeyNode | RenameKeyArgs): Promise<{ name: string } | undefined> {
    const target = await this.pickKey(arg, 'Rename which key?');
    if (!target) return undefined;
    const taken = new Set(this.store.list(target.project).map((k) => k.name));
    const newName =
      (isNode(arg) ? undefined : arg?.newName) ??
      (await vscode.window.showInputBox({
        title: `Rename ${target.name}`,
        value: target.name,
        prompt: 'New name. Functions that read the old name must be updated and redeployed.',
        ignoreFocusOut: true,
        validateInput: (v) =>
          keyNameProblem(v) ?? (v !== target.name && taken.has(v) ? `${v} already exists.` : undefined),
      }));
    if (newName === undefined || newName === target.name) return undefined;
    const given = isNode(arg) ? undefined : arg?.cloud;
    const plan = this.hooks.planRename
      ? await this.hooks.planRename(target.project, target.name, newName, given)
      : 'none';
    if (plan === undefined) return undefined;
    const renamed = await this.run(async () => {
      await this.store.rename(target.project, target.name, newName);
      this.log.info(`Renamed key ${target.name} to ${newName} in project ${target.project}.`);
      return { name: newName };
    });
    if (renamed) await this.hooks.afterRename?.(target.project, target.name, newName, plan);
    return renamed;
  }

  /**
   * Deletes a key, or every selected one: from the view's menu VS Code passes the clicked row
   * and, with several selected, all of them; the Delete key passes `{ selected: true }`.
   */
  async deleteKey(arg?: KeyNode | DeleteKeyArgs, selection?: readonly KeysNode[]): Promise<boolean> {
    if (isSelectedArg(arg)) await this.view.selectedKeysSoon();
    const several = this.severalTargets(arg, selection);
    const targets = several ?? [await this.pickKey(arg, 'Delete which key?')].filter((t) => t !== undefined);
    if (targets.length === 0) return false;
    const confirmed = !isNode(arg) && arg?.confirmed === true;
    if (!confirmed) {
      const names = targets.map((t) => t.name).sort();
      const choice = await vscode.window.showWarningMessage(
        names.length === 1
          ? `Delete ${names[0]} from this machine?`
          : `Delete ${names.length} keys from this machine: ${names.join(', ')}?`,
        {
          modal: true,
          detail: `${names.length === 1 ? 'The value is' : 'The values are'} removed from VS Code's secret storage and cannot be recovered here. A copy in the cloud, if any, is kept; use "Delete from Cloud" to remove that one.`,
        },
        'Delete',
      );
      if (choice !== 'Delete') return false;
    }
    let all = true;
    for (const target of targets) {
      const done = await this.run(async () => {
        await this.store.delete(target.project, target.name);
        this.log.info(`Deleted key ${target.name} from project ${target.project} on this machine.`);
        return true;
      });
      all &&= done === true;
    }
    return all;
  }

  /** The keys a command acts on when it was given several: the view's multi-selection, or the selected rows. */
  severalTargets(arg: unknown, selection?: readonly KeysNode[]): { project: string; name: string }[] | undefined {
    const nodes =
      Array.isArray(selection) && selection.length > 1
        ? selection
        : isSelectedArg(arg)
          ? this.view.selectedKeys()
          : undefined;
    const keys = nodes
      ?.filter((n): n is KeyNode => n.type === 'key' && !!n.meta)
      .map((n) => ({ project: n.project, name: n.name }));
    return keys && keys.length > 0 ? keys : isSelectedArg(arg) ? [] : undefined;
  }

  async copyValue(arg?: KeyNode | KeyArgs): Promise<boolean> {
    const target = await this.pickKey(arg, 'Copy the value of which key?');
    if (!target) return false;
    const value = await this.store.value(target.project, target.name);
    if (value === undefined) {
      void this.notify.error(`The value of ${target.name} is not stored on this machine. Set it with Edit Value.`);
      return false;
    }
    await vscode.env.clipboard.writeText(value);
    const seconds = vscode.workspace.getConfiguration().get<number>(SettingId.clipboardClearSeconds, 30);
    if (this.clipboardTimer) clearTimeout(this.clipboardTimer);
    if (seconds <= 0) {
      this.notify.status(`Copied the value of ${target.name}.`);
      return true;
    }
    const clearLater = () => {
      this.clipboardTimer = setTimeout(() => void this.clearClipboardIfHolds(value), seconds * 1000);
    };
    const readable = await this.clipboardReadable(value);
    if (readable.now) {
      clearLater();
      this.notify.status(`Copied the value of ${target.name}. The clipboard will be cleared in ${seconds} s.`);
      return true;
    }
    // Without read access the editor cannot tell later whether the clipboard still holds the
    // value, so it does not pretend to clear it: it says so and offers to clear it on demand.
    void readable.later.then((ok) => ok && clearLater());
    const CLEAR = 'Clear Clipboard Now';
    void this.notify
      .warn(
        `Copied the value of ${target.name}. This browser does not let the editor read the clipboard, so it cannot clear it in ${seconds} s: once you have pasted the value, choose ${CLEAR}.`,
        CLEAR,
      )
      .then(async (choice) => {
        if (choice === CLEAR) await vscode.env.clipboard.writeText('');
      });
    return true;
  }

  /**
   * Whether the editor can read the clipboard back, which clearing it later needs. In a browser
   * that takes the site's clipboard-read permission: without it VS Code's read waits on its own
   * error notification, so the answer is awaited only briefly (`later` settles when it does).
   */
  private async clipboardReadable(value: string): Promise<{ now: boolean; later: Promise<boolean> }> {
    if (vscode.env.uiKind !== vscode.UIKind.Web) return { now: true, later: Promise.resolve(true) };
    const later = Promise.resolve(vscode.env.clipboard.readText()).then(
      (text) => text === value,
      () => false,
    );
    const now = await Promise.race([later, new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000))]);
    return { now, later: now ? Promise.resolve(true) : later };
  }

  async copyName(arg?: KeyNode | KeyArgs): Promise<boolean> {
    const target = await this.pickKey(arg, 'Copy the name of which key?');
    if (!target) return false;
    await vscode.env.clipboard.writeText(target.name);
    return true;
  }

  async filterKeys(arg?: { text?: string } | KeysNode): Promise<void> {
    const args = isNode(arg) ? undefined : arg;
    const text =
      args?.text ??
      (await vscode.window.showInputBox({
        title: 'Filter API Keys',
        prompt: 'Show keys whose name or provider contains…',
        value: this.view.filter,
      }));
    if (text !== undefined) this.view.setFilter(text);
  }

  clearFilter(): void {
    this.view.setFilter('');
  }

  async importEnv(arg?: ImportEnvArgs | KeysNode): Promise<{ imported: string[]; skipped: string[] } | undefined> {
    const args = isNode(arg) ? {} : (arg ?? {});
    const project = await this.pickProject(args.project);
    if (!project) return undefined;
    const file = args.path ? vscode.Uri.file(args.path) : await this.pickEnvFile(project);
    if (!file) return undefined;
    const fileName = path.basename(file.fsPath);

    let bytes: Uint8Array;
    try {
      const stat = await vscode.workspace.fs.stat(file);
      if (stat.size > MAX_ENV_FILE_BYTES) {
        void this.notify.error(
          `${fileName} is ${(stat.size / 1048576).toFixed(1)} MiB; a .env file is expected to be small (at most 1 MiB). Nothing was imported.`,
        );
        return undefined;
      }
      bytes = await vscode.workspace.fs.readFile(file);
    } catch {
      void this.notify.error(`${fileName} could not be read. Check the path and permissions. Nothing was imported.`);
      return undefined;
    }
    if (bytes.includes(0)) {
      void this.notify.error(`${fileName} looks like a binary file, not a .env file. Nothing was imported.`);
      return undefined;
    }
    const text = Buffer.from(bytes).toString('utf8');
    const { entries, skippedLines } = parseEnv(text);
    const candidates = entries
      .filter((e) => e.value !== '')
      .map((e) => ({
        envName: e.name,
        name: vaultNameForEnv(e.name),
        value: e.value,
        problem: keyNameProblem(vaultNameForEnv(e.name)),
      }));
    const skipped = candidates.filter((c) => c.problem).map((c) => c.envName);
    const importable = candidates.filter((c) => !c.problem);
    if (importable.length === 0) {
      void this.notify.warn(
        `${fileName} has no variables with values that can be imported.${skipped.length ? ` Skipped (invalid names): ${skipped.join(', ')}.` : ''}`,
      );
      return { imported: [], skipped };
    }

    const existing = new Set(this.store.list(project.project).map((k) => k.name));
    let chosen = importable;
    if (args.names) {
      const wanted = new Set(args.names);
      chosen = importable.filter((c) => wanted.has(c.envName) || wanted.has(c.name));
    } else {
      // Only what may be a secret starts selected: URLs, hosts, flags and short values are configuration.
      const picks = await vscode.window.showQuickPick(
        importable.map((c) => {
          const notSecret = notASecretReason(c.name, c.value);
          return {
            label: c.name,
            description: notSecret
              ? `${notSecret}, not a secret?`
              : `${recogniseProvider(c.name, c.value).label} · ${maskTail(c.value)}`,
            detail: existing.has(c.name) ? 'Already stored: importing replaces the stored value.' : undefined,
            picked: !existing.has(c.name) && !notSecret,
            candidate: c,
          };
        }),
        {
          title: `Import from ${fileName} into ${project.project}`,
          canPickMany: true,
          placeHolder: 'Choose the keys to store in the API Keys vault',
          ignoreFocusOut: true,
        },
      );
      if (!picks) return undefined;
      chosen = picks.map((p) => p.candidate);
    }

    const imported: string[] = [];
    for (const c of chosen) {
      if (existing.has(c.name) && args.overwrite === false) {
        skipped.push(c.envName);
        continue;
      }
      try {
        await this.store.add(project.project, c.name, c.value, { overwrite: true });
        imported.push(c.name);
      } catch (e) {
        skipped.push(c.envName);
        this.log.warn(`${c.envName} was not imported: ${errorMessage(e)}`);
      }
    }
    this.log.info(`Imported ${imported.length} key(s) from ${file.fsPath} into project ${project.project}.`);
    if (skippedLines.length)
      this.log.warn(`${fileName}: lines ${skippedLines.join(', ')} could not be read and were skipped.`);

    const summary = `Imported ${imported.length} key${imported.length === 1 ? '' : 's'} from ${fileName} into ${project.project}.${skipped.length ? ` Skipped: ${skipped.join(', ')}.` : ''}`;
    await this.afterImport(
      file,
      text,
      new Set(chosen.filter((c) => imported.includes(c.name)).map((c) => c.envName)),
      summary,
      args,
    );
    return { imported, skipped };
  }

  /** Offers (or, given arguments, performs) removing the values from the file and git-ignoring it. */
  private async afterImport(
    file: vscode.Uri,
    text: string,
    envNames: Set<string>,
    summary: string,
    args: ImportEnvArgs,
  ): Promise<void> {
    const fileName = path.basename(file.fsPath);
    // git reads the repository's own config (hooks, fsmonitor): only in a trusted workspace.
    const useGit = file.scheme === 'file' && vscode.workspace.isTrusted;
    const ignore = useGit ? await gitIgnoreState(file.fsPath) : 'no-repo';
    const REMOVE = 'Remove Values from File';
    const IGNORE = 'Add to .gitignore';
    let remove = args.removeValues;
    let gitignore = ignore === 'not-ignored' ? args.addToGitignore : false;
    if (remove === undefined || gitignore === undefined) {
      const actions = [
        ...(remove === undefined && envNames.size ? [REMOVE] : []),
        ...(gitignore === undefined ? [IGNORE] : []),
      ];
      const note = ignore === 'not-ignored' ? ` ${fileName} is not ignored by git.` : '';
      const choice = await this.notify.info(summary + note, ...actions);
      remove ??= choice === REMOVE;
      gitignore ??= choice === IGNORE;
    } else {
      this.notify.status(summary);
    }
    if (remove && envNames.size) {
      await vscode.workspace.fs.writeFile(file, Buffer.from(removeValues(text, envNames), 'utf8'));
      this.log.info(`Removed ${envNames.size} value(s) from ${file.fsPath}; the names are kept.`);
      if (useGit && (await isTrackedByGit(file.fsPath))) {
        void this.notify.warn(
          `${fileName} is tracked by git: the values are still in its history. Rotate these keys at the provider, then store the new values with Edit Value.`,
        );
      }
    }
    if (gitignore) {
      const where = await addToGitignore(file.fsPath);
      this.log.info(`Added ${fileName} to ${where}.`);
    }
  }

  private async pickEnvFile(project: WorkspaceProject): Promise<vscode.Uri | undefined> {
    const found = project.folder
      ? await vscode.workspace.findFiles(
          new vscode.RelativePattern(project.folder, '**/.env*'),
          '**/node_modules/**',
          50,
        )
      : [];
    const BROWSE = 'Browse…';
    if (found.length) {
      const pick = await vscode.window.showQuickPick(
        [
          ...found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u as vscode.Uri | undefined })),
          { label: BROWSE, uri: undefined },
        ],
        { title: 'Import keys from which .env file?' },
      );
      if (!pick) return undefined;
      if (pick.uri) return pick.uri;
    }
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Import',
      defaultUri: project.folder?.uri,
      title: 'Import keys from a .env file',
    });
    return uris?.[0];
  }

  async pickProject(name?: string): Promise<WorkspaceProject | undefined> {
    const all = await this.projects.all();
    if (name) {
      const found = all.find((p) => p.project === name);
      if (!found)
        void this.notify.error(
          `There is no CloudXLR project named ${name} in this workspace. Projects: ${all.map((p) => p.project).join(', ')}.`,
        );
      return found;
    }
    if (all.length === 1) return all[0];
    const editorProject = await this.projects.forUri(vscode.window.activeTextEditor?.document.uri);
    if (editorProject && vscode.window.activeTextEditor) return editorProject;
    const pick = await vscode.window.showQuickPick(
      all.map((p) => ({ label: p.project, description: p.folder?.name, project: p })),
      { title: 'Which CloudXLR project?' },
    );
    return pick?.project;
  }

  private async pickKey(
    arg: KeysNode | KeyArgs | undefined,
    title: string,
  ): Promise<{ project: string; name: string } | undefined> {
    if (isNode(arg)) return arg.type === 'key' ? { project: arg.project, name: arg.name } : undefined;
    if (isSelectedArg(arg)) {
      const [first] = await this.view.selectedKeysSoon();
      return first ? { project: first.project, name: first.name } : undefined;
    }
    const project = await this.pickProject(arg?.project);
    if (!project) return undefined;
    const keys = this.store.list(project.project);
    if (arg?.name) {
      if (!keys.some((k) => k.name === arg.name)) {
        void this.notify.error(`There is no key named ${arg.name} in project ${project.project}.`);
        return undefined;
      }
      return { project: project.project, name: arg.name };
    }
    if (keys.length === 0) {
      void this.notify.info(`Project ${project.project} has no API keys yet. Add one with "CloudXLR: Add Key".`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      keys.map((k) => ({ label: k.name, description: recogniseProvider(k.name).label })),
      { title },
    );
    return pick ? { project: project.project, name: pick.label } : undefined;
  }

  private async askValue(title: string, name: string): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title,
      prompt: `Paste the value of ${name}. It is kept in VS Code's secret storage, never in files or settings.`,
      password: true,
      ignoreFocusOut: true,
      // Problems block Enter; a doubtful shape is said here, before anything is stored.
      validateInput: (v) => {
        const problem = keyValueProblem(v);
        if (problem) return problem;
        const warning = valueShapeWarning(name, v);
        return warning ? { message: warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
      },
    });
  }

  /** Runs a store operation; its errors (never holding a value) become an error notification. */
  private async run<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (e) {
      const message = e instanceof KeyStoreError ? e.message : `The key store failed: ${errorMessage(e)}`;
      void this.notify.error(message);
      return undefined;
    }
  }

  private async clearClipboardIfHolds(value: string): Promise<void> {
    if ((await vscode.env.clipboard.readText()) === value) await vscode.env.clipboard.writeText('');
  }

  dispose(): void {
    if (this.clipboardTimer) clearTimeout(this.clipboardTimer);
  }
}

function isSelectedArg(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && !isNode(arg) && (arg as KeyArgs).selected === true;
}

function isNode(arg: unknown): arg is KeysNode {
  return (
    typeof arg === 'object' &&
    arg !== null &&
    'type' in arg &&
    ['key', 'project', 'noMatch'].includes((arg as KeysNode).type)
  );
}
