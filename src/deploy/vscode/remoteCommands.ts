// The commands on a deployed function: Invoke, Show Logs, Roll Back and Delete. What the cloud
// sends back is shown with every value stored on this machine masked again.
import * as path from 'path';
import * as vscode from 'vscode';
import type { CloudSession } from '../../cloud/session';
import type { CloudSync } from '../../cloud/cloudSync';
import type { KeyStore } from '../../keys/keyStore';
import { errorMessage } from '../../shared/errorMessage';
import { Redactor, valueNamesIn, type NamedValue } from '../../shared/valueMatch';
import { CommandId, StorageKey } from '../../constants';
import type { Notifier } from '../../ui/notify';
import type { FunctionDetails, InvokeResponse, RollbackResponse } from '../../api';
import { bundleFunction, bundleHashesIn, discoverFunctions, mapBundlePositions } from '..';
import type { DiscoveredProject, FunctionsModel } from './functionsModel';
import { openCommand } from './functionsTree';
import { isArgs, type FunctionArgs, type FunctionTarget, type FunctionTargets } from './targets';

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

export class RemoteFunctionCommands {
  constructor(
    private readonly targets: FunctionTargets,
    private readonly model: FunctionsModel,
    private readonly session: CloudSession,
    private readonly sync: CloudSync,
    private readonly store: KeyStore,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
    /** Where the last request body of each function is kept (workspaceState). */
    private readonly memory: vscode.Memento,
  ) {}

  async invokeFunction(arg?: FunctionTarget & { payload?: unknown }): Promise<InvokeResponse | undefined> {
    const target = await this.targets.resolve(arg, 'deployed', 'Which function to invoke?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.targets.client(data, undefined, 'functions.invoke');
    if (!client) return undefined;
    const project = data.project.project;
    // Not deployed: say so before asking for a body, and offer the deploy.
    let deployed: FunctionDetails | undefined;
    try {
      deployed = await client.getFunction(name);
    } catch (e) {
      void this.notify.error(`${name} was not invoked: ${errorMessage(e)}`);
      return undefined;
    }
    if (!deployed) {
      const local = data.functions.some((f) => f.name === name);
      const DEPLOY = 'Deploy';
      void this.notify
        .warn(
          local
            ? `${name} is not deployed to ${project} yet, so there is nothing to invoke. Deploy it first.`
            : `There is no function ${name} in ${project}, here or in the cloud.`,
          ...(local ? [DEPLOY] : []),
        )
        .then((c) => c === DEPLOY && vscode.commands.executeCommand(CommandId.deployFunction, { name, project }));
      return undefined;
    }
    let payload: unknown;
    if (isArgs(arg) && 'payload' in arg) payload = arg.payload;
    else {
      const bodies = this.memory.get<Record<string, string>>(StorageKey.invokeBodies) ?? {};
      const id = `${project}/${name}`;
      const text = await vscode.window.showInputBox({
        title: `Invoke ${name}`,
        prompt: 'The request body, as JSON',
        value: remembered(bodies[id], await this.storedValues(project)),
        ignoreFocusOut: true,
        validateInput: (v) => {
          try {
            JSON.parse(v);
            return undefined;
          } catch (e) {
            return `Not valid JSON: ${errorMessage(e)}`;
          }
        },
      });
      if (text === undefined) return undefined;
      payload = JSON.parse(text);
      // The body is kept for the next Invoke, unless it holds a stored key's value.
      const holds = valueNamesIn(text, await this.storedValues(project));
      if (holds.length > 0)
        this.log.info(
          `[invoke ${name}] the request body holds the value of ${holds.join(', ')}: it is not remembered.`,
        );
      else await this.memory.update(StorageKey.invokeBodies, { ...bodies, [id]: text });
    }
    let r: InvokeResponse;
    try {
      r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Invoking ${name}…` },
        () => client.invoke(name, payload),
      );
    } catch (e) {
      void this.notify.error(`${name} was not invoked: ${errorMessage(e)}`);
      return undefined;
    }
    // The cloud redacts values already; this machine's values are masked here again.
    const redact = await this.redactor(data.project.project);
    const toSource = await this.sourcePositions(data, name, r.logs.map((l) => l.message).join('\n'));
    const logs = r.logs.map((l) => ({ ...l, message: toSource(redact(l.message)) }));
    const ms = Math.round(r.durationMs);
    this.log.info(`[invoke ${name}] ${r.status} in ${ms} ms (request ${r.requestId})`);
    for (const l of logs) this.log.info(`[invoke ${name}]   ${l.time} ${l.level}: ${l.message}`);
    const SHOW = 'Show Output';
    const OPEN = 'Open Location';
    if (r.status === 'ok') {
      const result = redact(safeJson(r.result));
      // The notification (which the log records) holds the result; a long one is logged whole.
      if (result.length > RESULT_SHOWN) this.log.info(`[invoke ${name}] result: ${result}`);
      void this.notify
        .info(`${name} answered in ${ms} ms: ${truncate(result, RESULT_SHOWN)}`, SHOW)
        .then((c) => c && this.log.show(true));
      return { ...r, logs };
    }
    // Where it failed: the first frame in the function's own sources (not a package's).
    const at = data.root
      ? firstSourceFrame(logs.map((l) => l.message).join('\n'), data.project.functionsDir)
      : undefined;
    const message = redact(r.error?.message ?? 'unknown error');
    const where = at ? ` At ${at.file}:${at.line}.` : '';
    void this.notify
      .error(`${name} failed after ${ms} ms: ${truncate(message, 300)}${where}`, ...(at ? [OPEN, SHOW] : [SHOW]))
      .then((c) => {
        if (c === SHOW) this.log.show(true);
        if (c === OPEN && at && data.root) {
          const open = openCommand({ file: path.resolve(data.root, at.file), line: at.line, column: at.column });
          void vscode.commands.executeCommand(open.command, ...(open.arguments ?? []));
        }
      });
    return { ...r, logs };
  }

  async showFunctionLogs(
    arg?: FunctionTarget & { limit?: number },
  ): Promise<Array<{ time: string; level: string; message: string; requestId: string }> | undefined> {
    const target = await this.targets.resolve(arg, 'deployed', 'Show the logs of which function?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.targets.client(data, undefined, 'logs.read');
    if (!client) return undefined;
    const limit = isArgs(arg) && typeof arg.limit === 'number' ? arg.limit : 200;
    let logs;
    try {
      logs = await client.functionLogs(name, limit);
    } catch (e) {
      void this.notify.error(`The logs of ${name} could not be read: ${errorMessage(e)}`);
      return undefined;
    }
    const redact = await this.redactor(data.project.project);
    const toSource = await this.sourcePositions(data, name, logs.map((l) => l.message).join('\n'));
    const shown = logs.map((l) => ({ ...l, message: toSource(redact(l.message)) }));
    this.log.info(`[logs ${name}] the newest ${logs.length} line(s) from ${this.session.endpoint}:`);
    for (const l of shown) this.log.info(`[logs ${name}]   ${l.time} ${l.level} ${l.requestId}: ${l.message}`);
    if (logs.length === 0) this.log.info(`[logs ${name}]   (no lines yet: invoke the function first)`);
    this.log.show(true);
    return shown;
  }

  async rollbackFunction(arg?: FunctionTarget & { release?: number }): Promise<RollbackResponse | undefined> {
    const target = await this.targets.resolve(arg, 'deployed', 'Roll back which function?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.targets.client(data, undefined, 'functions.deploy');
    if (!client) return undefined;
    let details: FunctionDetails | undefined;
    try {
      details = await client.getFunction(name);
    } catch (e) {
      void this.notify.error(`${name} was not rolled back: ${errorMessage(e)}`);
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
      const pick = await vscode.window.showQuickPick(items, {
        title: `Roll back ${name} (now release ${details.release}) to…`,
        matchOnDescription: true,
      });
      if (!pick) return undefined;
      release = pick.release;
    }
    try {
      const r = await client.rollback(name, release);
      void this.notify.info(
        `Rolled back ${name}: release ${r.release} now runs the code and key references of release ${release}.`,
      );
      this.model.invalidate();
      return r;
    } catch (e) {
      void this.notify.error(`${name} was not rolled back to release ${release}: ${errorMessage(e)}`);
      return undefined;
    }
  }

  async deleteFunction(arg?: FunctionTarget & { confirmed?: boolean }): Promise<boolean> {
    const target = await this.targets.resolve(arg, 'deployed', 'Delete which function from the cloud?');
    if (!target) return false;
    const { data, name } = target;
    const client = await this.targets.client(data, undefined, 'functions.deploy');
    if (!client) return false;
    if (!(isArgs(arg) && arg.confirmed)) {
      const DELETE = 'Delete Function';
      const choice = await vscode.window.showWarningMessage(
        `Delete the function ${name} from the cloud project ${data.project.project}?`,
        {
          modal: true,
          detail:
            'Its URL stops answering and every release and log line is removed. The source files in this workspace are kept.',
        },
        DELETE,
      );
      if (choice !== DELETE) return false;
    }
    try {
      await client.deleteFunction(name);
    } catch (e) {
      void this.notify.error(`${name} was not deleted: ${errorMessage(e)}`);
      return false;
    }
    void this.notify.info(
      `Deleted the function ${name} from the cloud project ${data.project.project}. Its source files are kept.`,
    );
    this.model.invalidate();
    void this.sync.refresh();
    return true;
  }

  /**
   * Maps stack frames in the deployed bundle (`function-<hash>.js:45:15`) to the function's
   * source lines, when this workspace's build of the function is the deployed code.
   */
  private async sourcePositions(data: DiscoveredProject, name: string, text: string): Promise<(t: string) => string> {
    const same = (t: string): string => t;
    if (!data.root || !vscode.workspace.isTrusted || bundleHashesIn(text).length === 0) return same;
    const root = data.root;
    try {
      const fn = (await discoverFunctions(root, data.project.functionsDir)).find((f) => f.name === name && !f.problem);
      if (!fn) return same;
      const bundle = await bundleFunction(root, fn.entry);
      if (!bundleHashesIn(text).includes(bundle.sha256.slice(0, 16))) {
        this.log.info(
          `[${name}] stack positions are in the deployed bundle: ${fn.relativePath} changed since that deploy.`,
        );
        return same;
      }
      return (t) => mapBundlePositions(t, bundle, root);
    } catch {
      return same;
    }
  }

  /** Masks every value stored on this machine for the project, in every form (for text shown to a person). */
  private async redactor(project: string): Promise<(text: string) => string> {
    const redactor = new Redactor(await this.storedValues(project));
    return (text) => redactor.redact(text);
  }

  /** The values of the project's keys stored on this machine. */
  private async storedValues(project: string): Promise<NamedValue[]> {
    const values: NamedValue[] = [];
    for (const k of this.store.list(project)) {
      const value = await this.store.value(project, k.name);
      if (value) values.push({ name: k.name, value });
    }
    return values;
  }
}

/** A remembered body as the input box's value: `{}` when none, or when it holds a value stored since. */
function remembered(body: string | undefined, values: readonly NamedValue[]): string {
  return body !== undefined && valueNamesIn(body, values).length === 0 ? body : '{}';
}

/** The first stack position in the functions folder (`functions/x.ts:3:11`), outside node_modules. */
function firstSourceFrame(
  stack: string,
  functionsDir: string,
): { file: string; line: number; column: number } | undefined {
  const dir = functionsDir.replace(/\/+$/, '') + '/';
  for (const m of stack.matchAll(/([^\s()]+\.[cm]?[jt]sx?):(\d+):(\d+)/g)) {
    if (m[1].startsWith(dir) && !m[1].includes('/node_modules/'))
      return { file: m[1], line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** Characters of a result a notification shows. */
const RESULT_SHOWN = 200;

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
