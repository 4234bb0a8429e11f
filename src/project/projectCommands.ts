// "Create cloudxlr.json": names the CloudXLR project of a workspace folder.
import * as vscode from 'vscode';
import { PROJECT_FILE } from '../constants';
import { Notifier } from '../ui/notify';
import { projectFileText, suggestProjectName } from './projectFile';

export async function initProject(
  notify: Notifier,
  args: { folder?: string; project?: string } = {},
): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void notify.error('Open a folder first: cloudxlr.json is created in a workspace folder.');
    return undefined;
  }
  const folder = args.folder
    ? folders.find((f) => f.uri.fsPath === args.folder || f.name === args.folder)
    : folders.length === 1
      ? folders[0]
      : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Create cloudxlr.json in which folder?' });
  if (!folder) return undefined;
  const uri = vscode.Uri.joinPath(folder.uri, PROJECT_FILE);
  try {
    await vscode.workspace.fs.stat(uri);
    await vscode.window.showTextDocument(uri);
    notify.status(`${folder.name} already has a cloudxlr.json.`);
    return uri;
  } catch {
    /* does not exist yet: create it */
  }
  const project =
    args.project ??
    (await vscode.window.showInputBox({
      title: 'CloudXLR project name',
      value: suggestProjectName(folder.name),
      validateInput: (v) =>
        /^[a-z0-9][a-z0-9-]{0,62}$/.test(v)
          ? undefined
          : 'Use lower-case letters, digits and hyphens (for example "demo").',
    }));
  if (!project) return undefined;
  await vscode.workspace.fs.writeFile(uri, Buffer.from(projectFileText({ project }), 'utf8'));
  notify.status(`Created cloudxlr.json for project ${project}.`);
  if (!args.project) await vscode.window.showTextDocument(uri);
  return uri;
}
