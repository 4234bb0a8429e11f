// Handlers of the Cloud Functions commands: thin glue between the editor and the deploy core
// (src/deploy) and the cloud client. Each handler takes a tree node (view menus), a file URI
// (explorer menu, CodeLens) or a plain argument object (keybindings, tasks, tests) and asks
// only for what it was not given. Key values are read for the leak guard and for uploading a
// missing key to the vault, and never written to a message, the log or a result.
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import { CommandId, PROJECT_FILE } from '../../constants';
import { CloudClient, CloudError } from '../../cloud/client';
import type { CloudSync } from '../../cloud/cloudSync';
import type { KeyStore } from '../../keys/keyStore';
import { functionNameProblem, keyNameProblem } from '../../shared/names';
import { Redactor, type NamedValue } from '../../shared/valueMatch';
import type { Notifier } from '../../ui/notify';
import {
  deployFunction as deployOne,
  describeOutcome,
  discoverFunctions,
  engineLeakGuard,
  newFunctionFiles,
  readFunctionSettings,
  type DeployDeps,
  type DeployOutcome,
  type DeployStep,
  type DeployTarget,
  type FunctionDetails,
  type InvokeResponse,
  type RollbackResponse,
  type SourceLocation,
} from '..';
import { FunctionsView, openCommand, type DiscoveredProject, type FunctionNode } from './functionsView';

/** Which function: from a view node, a file, or by name. */
export interface FunctionArgs {
  name?: string;
  project?: string;
}
export interface DeployArgs extends FunctionArgs {
  /** Upload referenced keys stored only on this machine to the vault (asked when omitted). */
  uploadMissing?: boolean;
}
export interface InvokeArgs extends FunctionArgs {
  /** The request body; asked as JSON when the property is absent. */
  payload?: unknown;
}
export interface LogsArgs extends FunctionArgs {
  limit?: number;
}
export interface RollbackArgs extends FunctionArgs {
  release?: number;
}
export interface DeleteArgs extends FunctionArgs {
  /** Skips the confirmation dialog. */
  confirmed?: boolean;
}
export interface NewFunctionArgs {
  name?: string;
  project?: string;
  /** Keys the handler reads with ctx.secrets.get. */
  keys?: string[];
  language?: 'ts' | 'js';
  /** Open the new file in an editor (default true). */
  open?: boolean;
}

type FunctionTarget = FunctionNode | vscode.Uri | FunctionArgs | undefined;

/** What Deploy returns: the core's outcome, or why it did not start. */
export type DeployResult = DeployOutcome | { name: string; status: 'not-signed-in' | 'untrusted' | 'error'; message: string; code?: string };

const STEP_ORDER: DeployStep[] = ['discover', 'bundle', 'references', 'vault', 'leak-guard', 'upload'];

export class FunctionCommands {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly cloud: CloudSync,
    private readonly store: KeyStore,
    private readonly view: FunctionsView,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  // ---- New Function ----

  async newFunction(args: NewFunctionArgs = {}): Promise<{ name: string; project: string; files: string[] } | undefined> {
    const data = await this.pickProject(args.project);
    if (!data) return undefined;
    if (!data.root) {
      void this.notify.error('Open a folder first: a new function is written to its functions folder.');
      return undefined;
    }
    const root = data.root;
    const existing = new Set(data.functions.map((f) => f.name));
    const problemOf = (v: string): string | undefined =>
      functionNameProblem(v) ?? (existing.has(v) ? `A function named ${v} already exists in ${data.project.functionsDir}/.` : undefined);
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
    const typesText = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, 'types', 'cloudxlr-functions.d.ts'))).toString('utf8');
    const files: string[] = [];
    for (const f of newFunctionFiles(data.project.functionsDir, name, typesText, args.language ?? 'ts', keys ?? [])) {
      const abs = path.join(root, ...f.path.split('/'));
      if (f.onlyIfMissing && fs.existsSync(abs)) continue;
      await fs.promises.mkdir(path.dirname(abs), { recursive: true });
      await fs.promises.writeFile(abs, f.content, { flag: f.onlyIfMissing ? 'wx' : 'w' });
      files.push(abs);
    }
    const entry = files[0]!;
    this.log.info(`Created the function ${name}: ${files.map((f) => path.relative(root, f)).join(', ')}.`);
    this.view.invalidate();
    if (args.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(entry));
    void this.notify.info(`Created the function ${name} in ${data.project.functionsDir}/. Deploy it with CloudXLR: Deploy Function or the CodeLens above its handler.`);
    return { name, project: data.project.project, files };
  }

  // ---- Deploy ----

  async deployFunction(arg?: FunctionTarget & { uploadMissing?: boolean }): Promise<DeployResult | undefined> {
    const target = await this.resolve(arg, 'local', 'Which function to deploy?');
    if (!target) return undefined;
    const { data, name } = target;
    // Discovered afresh: the file may have been created a moment ago.
    const fn = data.root ? (await discoverFunctions(data.root, data.project.functionsDir)).find((f) => f.name === name) : undefined;
    if (!fn || !data.root) {
      const message = `There is no function ${name} in ${data.project.functionsDir}/ (expected ${data.project.functionsDir}/${name}.ts or ${data.project.functionsDir}/${name}/index.ts).`;
      void this.notify.error(message);
      return { name, status: 'not-found', message };
    }
    const uploadMissing = isArgs(arg) && typeof arg.uploadMissing === 'boolean' ? arg.uploadMissing : undefined;
    const prepared = await this.prepare(data, name);
    if ('status' in prepared) return prepared;
    const { client, target: deployTarget } = prepared;
    await this.saveDirty(data);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Deploying ${name}`, cancellable: false },
      async (progress) => {
        const deps = this.deployDeps(data, client, uploadMissing, progress);
        this.log.info(`Deploying ${name} (${fn.relativePath}) to project ${data.project.project} at ${this.cloud.endpoint}`);
        try {
          return await deployOne(deployTarget, fn, deps);
        } catch (e) {
          return deployError(name, e);
        }
      },
    );
    await this.report(outcome, data);
    return outcome;
  }

  async deployAll(args: { project?: string; uploadMissing?: boolean } = {}): Promise<DeployResult[]> {
    const all = await this.view.discover();
    const selected = args.project ? all.filter((d) => d.project.project === args.project) : all.filter((d) => d.functions.length > 0);
    if (selected.length === 0) {
      void this.notify.info(args.project ? `There is no project named ${args.project} with functions in this workspace.` : 'There are no functions to deploy. Create one with CloudXLR: New Function.');
      return [];
    }
    const results: DeployResult[] = [];
    for (const data of selected) {
      const prepared = await this.prepare(data, '');
      if ('status' in prepared) {
        results.push(prepared);
        continue;
      }
      await this.saveDirty(data);
      const outcomes = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Deploying the functions of ${data.project.project}`, cancellable: true },
        async (progress, token) => {
          const out: DeployResult[] = [];
          const fns = await discoverFunctions(prepared.target.root, prepared.target.functionsDir);
          for (const fn of fns) {
            if (token.isCancellationRequested) break;
            progress.report({ message: fn.name, increment: 100 / Math.max(1, fns.length) });
            const deps = this.deployDeps(data, prepared.client, args.uploadMissing, undefined);
            try {
              out.push(await deployOne(prepared.target, fn, deps));
            } catch (e) {
              out.push(deployError(fn.name, e));
            }
          }
          return out;
        },
      );
      for (const o of outcomes) this.log.info(isOutcome(o) ? describeOutcome(o, data.root) : `${o.name}: ${o.message}`);
      results.push(...outcomes);
      const failed = outcomes.filter((o) => o.status !== 'deployed');
      const summary = `Deployed ${outcomes.length - failed.length} of ${outcomes.length} functions of ${data.project.project}.`;
      if (failed.length) void this.notify.warn(`${summary} Not deployed: ${failed.map((o) => `${o.name} (${shortReason(o)})`).join(', ')}. The log has the details.`, 'Show Log').then((c) => c && this.log.show(true));
      else void this.notify.info(summary);
    }
    this.view.invalidate();
    return results;
  }

  /** Sign-in and trust checks, and the deploy target of a project. */
  private async prepare(data: DiscoveredProject, name: string): Promise<{ client: CloudClient; target: DeployTarget } | Extract<DeployResult, { status: 'not-signed-in' | 'untrusted' | 'error' }>> {
    if (!vscode.workspace.isTrusted) {
      const message = 'Functions are not bundled or deployed in an untrusted workspace. Trust this folder to deploy.';
      void this.notify.warn(message, 'Manage Workspace Trust').then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
      return { name, status: 'untrusted', message };
    }
    const client = await this.cloud.client(data.project.project);
    if (!client) {
      const message = `Not signed in to the CloudXLR project ${data.project.project} at ${this.cloud.endpoint}. Sign in to deploy.`;
      void this.notify.warn(message, 'Sign In').then((c) => c && vscode.commands.executeCommand(CommandId.signIn, { project: data.project.project }));
      return { name, status: 'not-signed-in', message };
    }
    const root = data.root!;
    const target: DeployTarget = { root, functionsDir: data.project.functionsDir };
    try {
      const raw: unknown = JSON.parse(await fs.promises.readFile(path.join(root, PROJECT_FILE), 'utf8'));
      const settings = readFunctionSettings(raw);
      for (const p of settings.problems) this.log.warn(p);
      target.settings = settings;
    } catch {
      // No cloudxlr.json (or an invalid one, reported by the projects service): no per-function settings.
    }
    return { client, target };
  }

  private deployDeps(data: DiscoveredProject, client: CloudClient, uploadMissing: boolean | undefined, progress: vscode.Progress<{ message?: string; increment?: number }> | undefined): DeployDeps {
    const project = data.project.project;
    let lastStep = -1;
    return {
      cloud: client,
      local: {
        names: async () => this.store.list(project).map((k) => k.name),
        value: (name) => this.store.value(project, name),
      },
      ...engineLeakGuard(),
      onProgress: (p) => {
        this.log.info(`${p.function ? `[${p.function}] ` : ''}${p.step}: ${p.message}`);
        const step = STEP_ORDER.indexOf(p.step);
        const increment = step > lastStep ? ((step - Math.max(lastStep, 0)) * 100) / STEP_ORDER.length : undefined;
        lastStep = Math.max(lastStep, step);
        progress?.report({ message: p.message, ...(increment ? { increment } : {}) });
      },
      offerUpload: async (fn, keys) => {
        let go = uploadMissing;
        if (go === undefined) {
          const UPLOAD = keys.length === 1 ? 'Upload Key and Deploy' : 'Upload Keys and Deploy';
          const choice = await vscode.window.showWarningMessage(
            `${fn} reads ${keys.join(', ')}, stored on this machine but not in the cloud vault of ${project}.`,
            { modal: true, detail: 'Upload the value to the vault so the function can read it? Only the name is deployed with the function.' },
            UPLOAD,
          );
          go = choice === UPLOAD;
        }
        if (!go) return false;
        return this.uploadKeys(project, client, keys);
      },
    };
  }

  /** Uploads keys stored only on this machine (compare-and-set: they must not exist yet). */
  private async uploadKeys(project: string, client: CloudClient, keys: readonly string[]): Promise<boolean> {
    for (const name of keys) {
      const value = await this.store.value(project, name);
      if (value === undefined) {
        void this.notify.error(`${name} has no value on this machine to upload. Set it with Edit Value, then deploy again.`);
        return false;
      }
      try {
        const r = await client.putKey(name, value, 0);
        await this.store.setCloudVersion(project, name, r.version);
        this.log.info(`vault: uploaded ${name} to project ${project} as version ${r.version}`);
      } catch (e) {
        if (e instanceof CloudError && e.code === 'version_conflict') {
          this.log.info(`vault: ${name} was created in the cloud meanwhile (version ${String(e.details.currentVersion)}); using it`);
          continue;
        }
        void this.notify.error(`${name} was not uploaded to the vault: ${messageOf(e)}`);
        return false;
      }
    }
    void this.cloud.refresh();
    return true;
  }

  /** The notification for one outcome: the URL and actions, or why and where it stopped. */
  private async report(o: DeployResult, data: DiscoveredProject): Promise<void> {
    this.log.info(isOutcome(o) ? describeOutcome(o, data.root) : `${o.name}: ${o.message}`);
    const rel = (l: SourceLocation): string => `${data.root ? path.relative(data.root, l.file).split(path.sep).join('/') : l.file}:${l.line}`;
    const openAt = (label: string, l: SourceLocation | undefined): Thenable<void> =>
      this.notifyWith('error', label, l ? [['Open Location', () => runCommand(openCommand(l))]] : []);
    const signIn: [string, () => unknown] = ['Sign In', () => vscode.commands.executeCommand(CommandId.signIn, { project: data.project.project })];
    switch (o.status) {
      case 'deployed': {
        const INVOKE = 'Invoke…';
        const COPY = 'Copy URL';
        void this.notify.info(`Deployed ${o.name} (release ${o.release}): ${o.url}`, INVOKE, COPY).then(async (c) => {
          if (c === INVOKE) await vscode.commands.executeCommand(CommandId.invokeFunction, { name: o.name, project: data.project.project });
          if (c === COPY) await vscode.env.clipboard.writeText(o.url);
        });
        this.view.invalidate();
        return;
      }
      case 'leak': {
        const first = o.findings[0]!;
        const more = o.findings.length > 1 ? ` (and ${o.findings.length - 1} more in the log)` : '';
        void openAt(`${o.name} was not deployed: ${first.message} At ${rel(first.location)}${first.inBundle ? ' (in the bundle)' : ''}${more}. Nothing was uploaded.`, first.location);
        return;
      }
      case 'invalid-references': {
        const first = o.problems[0]!;
        void openAt(`${o.name} was not deployed: ${first.message} At ${rel(first)}. Key names must be string literals so the deploy knows every key up front.`, first);
        return;
      }
      case 'bundle-failed': {
        const first = o.errors[0];
        void openAt(`${o.name} was not deployed: bundling failed: ${first?.message ?? 'unknown error'}${first?.location ? ` At ${rel(first.location)}.` : ''}`, first?.location);
        return;
      }
      case 'missing-keys':
        void this.notifyWith('error', `${o.name} was not deployed: ${o.missing.join(', ')} ${o.missing.length === 1 ? 'exists' : 'exist'} neither in the cloud vault nor on this machine. Add ${o.missing.length === 1 ? 'it' : 'them'}, then deploy again.`, [
          ['Add Key', () => vscode.commands.executeCommand(CommandId.addKey, { project: data.project.project, name: o.missing[0] })],
        ]);
        return;
      case 'offer-upload':
        void this.notify.warn(`${o.name} was not deployed: ${o.keys.join(', ')} ${o.keys.length === 1 ? 'is' : 'are'} stored on this machine but not in the cloud vault. Push ${o.keys.length === 1 ? 'it' : 'them'} (or deploy again and accept the upload).`);
        return;
      case 'cloud-refused':
        if (o.code === 'unauthorized') void this.notifyWith('error', `${o.name} was not deployed: ${o.message}`, [signIn]);
        else void this.notify.error(`${o.name} was not deployed: the cloud refused it (${o.code}): ${o.message}`);
        return;
      case 'error':
      case 'not-found':
      case 'invalid':
        // A token the cloud no longer accepts: offer to sign in again.
        void this.notifyWith('error', `${o.name} was not deployed: ${o.message}`, o.status === 'error' && o.code === 'unauthorized' ? [signIn] : []);
        return;
      case 'not-signed-in':
      case 'untrusted':
        return;
    }
  }

  // ---- Invoke, logs, rollback, delete ----

  async invokeFunction(arg?: FunctionTarget & { payload?: unknown }): Promise<InvokeResponse | undefined> {
    const target = await this.resolve(arg, 'deployed', 'Which function to invoke?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.requireClient(data);
    if (!client) return undefined;
    let payload: unknown;
    if (isArgs(arg) && 'payload' in arg) payload = arg.payload;
    else {
      const text = await vscode.window.showInputBox({
        title: `Invoke ${name}`,
        prompt: 'The request body, as JSON',
        value: '{}',
        ignoreFocusOut: true,
        validateInput: (v) => {
          try {
            JSON.parse(v);
            return undefined;
          } catch (e) {
            return `Not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
          }
        },
      });
      if (text === undefined) return undefined;
      payload = JSON.parse(text);
    }
    let r: InvokeResponse;
    try {
      r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Invoking ${name}…` }, () => client.invoke(name, payload));
    } catch (e) {
      void this.notify.error(`${name} was not invoked: ${messageOf(e)}`);
      return undefined;
    }
    // The cloud redacts values already; this machine's values are masked here again.
    const redact = await this.redactor(data.project.project);
    const ms = Math.round(r.durationMs);
    this.log.info(`[invoke ${name}] ${r.status} in ${ms} ms (request ${r.requestId})`);
    for (const l of r.logs) this.log.info(`[invoke ${name}]   ${l.time} ${l.level}: ${redact(l.message)}`);
    if (r.status === 'ok') this.log.info(`[invoke ${name}] result: ${redact(safeJson(r.result))}`);
    else this.log.error(`[invoke ${name}] error: ${redact(r.error?.message ?? 'unknown error')}`);
    const summary =
      r.status === 'ok'
        ? `${name} answered in ${ms} ms: ${truncate(redact(safeJson(r.result)), 200)}`
        : `${name} failed after ${ms} ms: ${truncate(redact(r.error?.message ?? 'unknown error'), 300)}`;
    void (r.status === 'ok' ? this.notify.info(summary, 'Show Output') : this.notify.error(summary, 'Show Output')).then((c) => c && this.log.show(true));
    return r;
  }

  async showFunctionLogs(arg?: FunctionTarget & { limit?: number }): Promise<Array<{ time: string; level: string; message: string; requestId: string }> | undefined> {
    const target = await this.resolve(arg, 'deployed', 'Show the logs of which function?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.requireClient(data);
    if (!client) return undefined;
    const limit = isArgs(arg) && typeof arg.limit === 'number' ? arg.limit : 200;
    let logs;
    try {
      logs = await client.functionLogs(name, limit);
    } catch (e) {
      void this.notify.error(`The logs of ${name} could not be read: ${messageOf(e)}`);
      return undefined;
    }
    const redact = await this.redactor(data.project.project);
    this.log.info(`[logs ${name}] the newest ${logs.length} line(s) from ${this.cloud.endpoint}:`);
    for (const l of logs) this.log.info(`[logs ${name}]   ${l.time} ${l.level} ${l.requestId}: ${redact(l.message)}`);
    if (logs.length === 0) this.log.info(`[logs ${name}]   (no lines yet: invoke the function first)`);
    this.log.show(true);
    return logs.map((l) => ({ ...l, message: redact(l.message) }));
  }

  async rollbackFunction(arg?: FunctionTarget & { release?: number }): Promise<RollbackResponse | undefined> {
    const target = await this.resolve(arg, 'deployed', 'Roll back which function?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.requireClient(data);
    if (!client) return undefined;
    let details: FunctionDetails | undefined;
    try {
      details = await client.getFunction(name);
    } catch (e) {
      void this.notify.error(`${name} was not rolled back: ${messageOf(e)}`);
      return undefined;
    }
    if (!details) {
      void this.notify.error(`${name} is not deployed in project ${data.project.project}.`);
      return undefined;
    }
    let release = isArgs(arg) && typeof arg.release === 'number' ? arg.release : undefined;
    if (release === undefined) {
      const items = [...details.releases]
        .reverse()
        .filter((r) => r.release !== details!.release)
        .map((r) => ({
          label: `Release ${r.release}`,
          description: new Date(r.createdAt).toLocaleString(),
          detail: `${r.secrets.length ? `reads ${r.secrets.map((s) => s.name).join(', ')}` : 'reads no keys'} · sha256 ${r.sha256.replace(/^sha256:/, '').slice(0, 12)}`,
          release: r.release,
        }));
      if (items.length === 0) {
        void this.notify.info(`${name} has only one release: there is nothing to roll back to.`);
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(items, { title: `Roll back ${name} (now release ${details.release}) to…`, matchOnDescription: true });
      if (!pick) return undefined;
      release = pick.release;
    }
    try {
      const r = await client.rollback(name, release);
      this.log.info(`[rollback ${name}] release ${r.release} runs the code and key references of release ${release}`);
      void this.notify.info(`Rolled back ${name}: release ${r.release} now runs the code of release ${release}.`);
      this.view.invalidate();
      return r;
    } catch (e) {
      void this.notify.error(`${name} was not rolled back to release ${release}: ${messageOf(e)}`);
      return undefined;
    }
  }

  async deleteFunction(arg?: FunctionTarget & { confirmed?: boolean }): Promise<boolean> {
    const target = await this.resolve(arg, 'deployed', 'Delete which function from the cloud?');
    if (!target) return false;
    const { data, name } = target;
    const client = await this.requireClient(data);
    if (!client) return false;
    if (!(isArgs(arg) && arg.confirmed)) {
      const DELETE = 'Delete Function';
      const choice = await vscode.window.showWarningMessage(
        `Delete the function ${name} from the cloud project ${data.project.project}?`,
        { modal: true, detail: 'Its URL stops answering and every release and log line is removed. The source files in this workspace are kept.' },
        DELETE,
      );
      if (choice !== DELETE) return false;
    }
    try {
      await client.deleteFunction(name);
    } catch (e) {
      void this.notify.error(`${name} was not deleted: ${messageOf(e)}`);
      return false;
    }
    this.log.info(`Deleted the function ${name} from project ${data.project.project}.`);
    void this.notify.info(`Deleted the function ${name} from the cloud. Its source files are kept.`);
    this.view.invalidate();
    void this.cloud.refresh();
    return true;
  }

  // ---- Plumbing ----

  /** The project and function a command is about; asks for what is missing. */
  private async resolve(arg: FunctionTarget, kind: 'local' | 'deployed', title: string): Promise<{ data: DiscoveredProject; name: string } | undefined> {
    if (arg instanceof vscode.Uri) {
      let found = await this.view.functionAt(arg);
      if (!found) {
        this.view.invalidate();
        found = await this.view.functionAt(arg);
      }
      if (!found) {
        void this.notify.error(`${path.basename(arg.fsPath)} is not a function: functions are <functionsDir>/<name>.ts|js or <functionsDir>/<name>/index.ts|js.`);
        return undefined;
      }
      return { data: found.data, name: found.fn.name };
    }
    if (isNode(arg)) {
      const data = (await this.view.discover()).find((d) => d.project.project === arg.project);
      return data ? { data, name: arg.name } : undefined;
    }
    const data = await this.pickProject(arg?.project);
    if (!data) return undefined;
    if (arg?.name) return { data, name: arg.name };
    const names = new Set<string>();
    if (kind === 'local') for (const f of data.functions) names.add(f.name);
    else {
      const client = await this.requireClient(data);
      if (!client) return undefined;
      try {
        for (const f of await client.listFunctions()) names.add(f.name);
      } catch (e) {
        void this.notify.error(`The functions of ${data.project.project} could not be listed: ${messageOf(e)}`);
        return undefined;
      }
    }
    if (names.size === 0) {
      void this.notify.info(kind === 'local' ? `There are no functions in ${data.project.functionsDir}/. Create one with CloudXLR: New Function.` : `No function of ${data.project.project} is deployed yet.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick([...names].sort(), { title });
    return pick ? { data, name: pick } : undefined;
  }

  private async pickProject(name?: string): Promise<DiscoveredProject | undefined> {
    const all = await this.view.discover();
    if (name) {
      const found = all.find((d) => d.project.project === name);
      if (!found) void this.notify.error(`There is no CloudXLR project named ${name} in this workspace.`);
      return found;
    }
    if (all.length === 1) return all[0];
    const pick = await vscode.window.showQuickPick(all.map((d) => d.project.project), { title: 'Which CloudXLR project?' });
    return all.find((d) => d.project.project === pick);
  }

  private async requireClient(data: DiscoveredProject): Promise<CloudClient | undefined> {
    const client = await this.cloud.client(data.project.project);
    if (!client) {
      void this.notify
        .warn(`Not signed in to the CloudXLR project ${data.project.project} at ${this.cloud.endpoint}. Sign in first.`, 'Sign In')
        .then((c) => c && vscode.commands.executeCommand(CommandId.signIn, { project: data.project.project }));
    }
    return client;
  }

  /** Saves unsaved editors of the project's functions folder: the deploy reads the files. */
  private async saveDirty(data: DiscoveredProject): Promise<void> {
    if (!data.root) return;
    const dir = path.resolve(data.root, data.project.functionsDir) + path.sep;
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty && doc.uri.scheme === 'file' && path.resolve(doc.uri.fsPath).startsWith(dir)) await doc.save();
    }
  }

  /** Masks every value stored on this machine for the project, in every form (for text shown to a person). */
  private async redactor(project: string): Promise<(text: string) => string> {
    const values: NamedValue[] = [];
    for (const k of this.store.list(project)) {
      const value = await this.store.value(project, k.name);
      if (value) values.push({ name: k.name, value });
    }
    const redactor = new Redactor(values);
    return (text) => redactor.redact(text);
  }

  private notifyWith(severity: 'info' | 'warning' | 'error', message: string, actions: Array<[string, () => unknown]>): Thenable<void> {
    const labels = actions.map(([l]) => l);
    const shown = severity === 'error' ? this.notify.error(message, ...labels) : severity === 'warning' ? this.notify.warn(message, ...labels) : this.notify.info(message, ...labels);
    return shown.then(async (choice) => {
      const action = actions.find(([l]) => l === choice);
      if (action) await action[1]();
    });
  }
}

function isNode(arg: unknown): arg is FunctionNode {
  return typeof arg === 'object' && arg !== null && (arg as FunctionNode).type === 'function';
}

function isArgs(arg: unknown): arg is FunctionArgs & Record<string, unknown> {
  return typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) && !isNode(arg);
}

function isOutcome(o: DeployResult): o is DeployOutcome {
  return o.status !== 'not-signed-in' && o.status !== 'untrusted' && o.status !== 'error';
}

function shortReason(o: DeployResult): string {
  switch (o.status) {
    case 'leak':
      return 'a key value in the code';
    case 'missing-keys':
      return `missing ${o.missing.join(', ')}`;
    case 'offer-upload':
      return `${o.keys.join(', ')} not in the cloud`;
    case 'invalid-references':
      return 'non-literal key names';
    case 'bundle-failed':
      return 'bundling failed';
    case 'cloud-refused':
      return o.code;
    default:
      return o.status;
  }
}

function runCommand(c: vscode.Command): Thenable<unknown> {
  return vscode.commands.executeCommand(c.command, ...(c.arguments ?? []));
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return String(v);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** A CloudError's message is written for people and never holds a value. */
function messageOf(e: unknown): string {
  if (e instanceof CloudError) return e.message;
  if (e instanceof Error) return e.message;
  return 'An unknown error occurred.';
}

/** A deploy that threw: its message, and the cloud's error code when the cloud answered. */
function deployError(name: string, e: unknown): DeployResult {
  return { name, status: 'error', message: messageOf(e), ...(e instanceof CloudError ? { code: e.code } : {}) };
}
