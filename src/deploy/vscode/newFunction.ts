// New Function: writes a function's entry file (and the types of ctx) into the project's
// functions folder, from the deploy core's scaffold.
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import type { KeyStore } from '../../keys/keyStore';
import { functionNameProblem, keyNameProblem } from '../../shared/names';
import type { Notifier } from '../../ui/notify';
import { newFunctionFiles } from '..';
import type { FunctionsModel } from './functionsModel';
import type { FunctionTargets } from './targets';

export interface NewFunctionArgs {
  name?: string;
  project?: string;
  /** Keys the handler reads with ctx.secrets.get. */
  keys?: string[];
  language?: 'ts' | 'js';
  /** Open the new file in an editor (default true). */
  open?: boolean;
}

export class NewFunctionCommand {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly targets: FunctionTargets,
    private readonly model: FunctionsModel,
    private readonly store: KeyStore,
    private readonly notify: Notifier,
  ) {}

  async newFunction(
    args: NewFunctionArgs = {},
  ): Promise<{ name: string; project: string; files: string[] } | undefined> {
    const data = await this.targets.project(args.project);
    if (!data) return undefined;
    if (!data.root) {
      void this.notify.error('Open a folder first: a new function is written to its functions folder.');
      return undefined;
    }
    const root = data.root;
    const existing = new Set(data.functions.map((f) => f.name));
    const problemOf = (v: string): string | undefined =>
      functionNameProblem(v) ??
      (existing.has(v) ? `A function named ${v} already exists in ${data.project.functionsDir}/.` : undefined);
    const name =
      args.name ??
      (await vscode.window.showInputBox({
        title: `New Cloud Function in ${data.project.functionsDir}/`,
        prompt: 'Name of the function: its URL will be /fn/<project>/<name>',
        placeHolder: 'create-checkout',
        ignoreFocusOut: true,
        validateInput: problemOf,
      }));
    if (name === undefined) return undefined;
    const problem = problemOf(name);
    if (problem) {
      void this.notify.error(`The function was not created: ${problem}`);
      return undefined;
    }
    let keys = args.keys;
    if (keys === undefined && args.name === undefined) {
      const known = this.store.list(data.project.project).map((k) => k.name);
      if (known.length > 0) {
        const picked = await vscode.window.showQuickPick(
          known.map((label) => ({ label })),
          { title: `Keys ${name} reads (optional)`, canPickMany: true, ignoreFocusOut: true },
        );
        if (picked === undefined) return undefined;
        keys = picked.map((p) => p.label);
      }
    }
    const badKey = (keys ?? []).map((k) => keyNameProblem(k) && `${k}: ${keyNameProblem(k)}`).find(Boolean);
    if (badKey) {
      void this.notify.error(`The function was not created: ${badKey}`);
      return undefined;
    }
    const typesText = Buffer.from(
      await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, 'types', 'cloudxlr-functions.d.ts')),
    ).toString('utf8');
    const files: string[] = [];
    for (const f of newFunctionFiles(data.project.functionsDir, name, typesText, args.language ?? 'ts', keys ?? [])) {
      const abs = path.join(root, ...f.path.split('/'));
      if (f.onlyIfMissing && fs.existsSync(abs)) continue;
      await fs.promises.mkdir(path.dirname(abs), { recursive: true });
      await fs.promises.writeFile(abs, f.content, { flag: f.onlyIfMissing ? 'wx' : 'w' });
      files.push(abs);
    }
    const entry = files[0]!;
    this.model.invalidate();
    if (args.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(entry));
    // One message, which the log records too: what was written, and what to do next.
    const written = files.map((f) => path.relative(root, f).split(path.sep).join('/')).join(', ');
    void this.notify.info(
      `Created the function ${name} (${written}). Deploy it with CloudXLR: Deploy Function or the CodeLens above its handler.`,
    );
    return { name, project: data.project.project, files };
  }
}
