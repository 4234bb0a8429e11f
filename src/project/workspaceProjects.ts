// Which CloudXLR projects the open workspace holds: one per workspace folder, named by its
// cloudxlr.json, or, without one, after the folder so keys have a home from the first minute.
import * as vscode from 'vscode';
import { PROJECT_FILE } from '../constants';
import { parseProjectFile, ProjectConfig, ProjectFileError, suggestProjectName, DEFAULT_FRONTEND_GLOBS, DEFAULT_FUNCTIONS_DIR } from './projectFile';

export interface WorkspaceProject extends ProjectConfig {
  folder: vscode.WorkspaceFolder | undefined;
  /** False when the folder has no cloudxlr.json and the name was derived from the folder. */
  declared: boolean;
  /** Why cloudxlr.json could not be read, if it could not. */
  problem?: string;
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
      return [{ project: 'default', functionsDir: DEFAULT_FUNCTIONS_DIR, frontend: DEFAULT_FRONTEND_GLOBS, folder: undefined, declared: false }];
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
      const fallback = { project: suggestProjectName(folder.name), functionsDir: DEFAULT_FUNCTIONS_DIR, frontend: DEFAULT_FRONTEND_GLOBS, folder };
      if (!bytes) {
        projects.push({ ...fallback, declared: false });
        continue;
      }
      try {
        projects.push({ ...parseProjectFile(Buffer.from(bytes).toString('utf8')), folder, declared: true });
      } catch (e) {
        const problem = e instanceof ProjectFileError ? e.message : 'cloudxlr.json could not be read.';
        this.log.warn(`${folder.name}: ${problem}`);
        projects.push({ ...fallback, declared: false, problem });
      }
    }
    // Two folders naming the same project share its keys: show the project once.
    return projects.filter((p, i) => projects.findIndex((q) => q.project === p.project) === i);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
