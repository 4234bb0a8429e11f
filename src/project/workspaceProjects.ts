// Which CloudXLR projects the open workspace holds: one per workspace folder, named by its
// cloudxlr.json, or, without one, after the folder so keys have a home from the first minute.
import * as vscode from 'vscode';
import { PROJECT_FILE } from '../constants';
import {
  defaultProjectConfig,
  describeProblem,
  fatalSummary,
  parseProjectFile,
  projectConfigOf,
  suggestProjectName,
  type ProjectConfig,
  type ProjectFileProblem,
} from './projectFile';

export interface WorkspaceProject extends ProjectConfig {
  folder: vscode.WorkspaceFolder | undefined;
  /** False when the folder has no cloudxlr.json and the name was derived from the folder. */
  declared: boolean;
  /** Why cloudxlr.json gives no project, if it does not (the folder's name and defaults apply). */
  problem?: string;
  /** Every problem of its cloudxlr.json, with positions (none without the file). */
  problems: readonly ProjectFileProblem[];
}

export class WorkspaceProjects implements vscode.Disposable {
  private cache: WorkspaceProject[] | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly log: vscode.LogOutputChannel) {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${PROJECT_FILE}`);
    const invalidate = () => {
      this.cache = undefined;
      this.changed.fire();
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(invalidate),
      watcher.onDidChange(invalidate),
      watcher.onDidDelete(invalidate),
      vscode.workspace.onDidChangeWorkspaceFolders(invalidate),
    );
  }

  /** Re-reads every cloudxlr.json. */
  async refresh(): Promise<void> {
    this.cache = undefined;
    await this.all();
    this.changed.fire();
  }

  async all(): Promise<WorkspaceProject[]> {
    if (!this.cache) this.cache = await this.read();
    return this.cache;
  }

  /** The project a file belongs to, or the only project, or undefined when it is ambiguous. */
  async forUri(uri: vscode.Uri | undefined): Promise<WorkspaceProject | undefined> {
    const all = await this.all();
    if (uri) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      const match = all.find((p) => p.folder && folder && p.folder.uri.toString() === folder.uri.toString());
      if (match) return match;
    }
    return all.length === 1 ? all[0] : undefined;
  }

  private async read(): Promise<WorkspaceProject[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      return [{ ...defaultProjectConfig('default'), folder: undefined, declared: false, problems: [] }];
    }
    const projects: WorkspaceProject[] = [];
    for (const folder of folders) {
      const fileUri = vscode.Uri.joinPath(folder.uri, PROJECT_FILE);
      let bytes: Uint8Array | undefined;
      try {
        bytes = await vscode.workspace.fs.readFile(fileUri);
      } catch {
        bytes = undefined;
      }
      const fallback = { ...defaultProjectConfig(suggestProjectName(folder.name)), folder };
      if (!bytes) {
        projects.push({ ...fallback, declared: false, problems: [] });
        continue;
      }
      const file = parseProjectFile(Buffer.from(bytes).toString('utf8'));
      for (const p of file.problems) this.log.warn(`${folder.name}: ${describeProblem(p)}`);
      const config = projectConfigOf(file);
      if (config) projects.push({ ...config, folder, declared: true, problems: file.problems });
      else projects.push({ ...fallback, declared: false, problem: fatalSummary(file), problems: file.problems });
    }
    // Two folders naming the same project share its keys: show the project once.
    return projects.filter((p, i) => projects.findIndex((q) => q.project === p.project) === i);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
