// The commands on a deployed function: Invoke, Show Logs, Roll Back and Delete. What the cloud
// sends back is shown with every value stored on this machine masked again.
import * as vscode from 'vscode';
import type { CloudSession } from '../../cloud/session';
import type { CloudSync } from '../../cloud/cloudSync';
import type { KeyStore } from '../../keys/keyStore';
import { errorMessage } from '../../shared/errorMessage';
import { Redactor, type NamedValue } from '../../shared/valueMatch';
import type { Notifier } from '../../ui/notify';
import type { FunctionDetails, InvokeResponse, RollbackResponse } from '../../api';
import type { FunctionsModel } from './functionsModel';
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
  ) {}

  async invokeFunction(arg?: FunctionTarget & { payload?: unknown }): Promise<InvokeResponse | undefined> {
    const target = await this.targets.resolve(arg, 'deployed', 'Which function to invoke?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.targets.client(data);
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
            return `Not valid JSON: ${errorMessage(e)}`;
          }
        },
      });
      if (text === undefined) return undefined;
      payload = JSON.parse(text);
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
    const ms = Math.round(r.durationMs);
    this.log.info(`[invoke ${name}] ${r.status} in ${ms} ms (request ${r.requestId})`);
    for (const l of r.logs) this.log.info(`[invoke ${name}]   ${l.time} ${l.level}: ${redact(l.message)}`);
    if (r.status === 'ok') this.log.info(`[invoke ${name}] result: ${redact(safeJson(r.result))}`);
    else this.log.error(`[invoke ${name}] error: ${redact(r.error?.message ?? 'unknown error')}`);
    const summary =
      r.status === 'ok'
        ? `${name} answered in ${ms} ms: ${truncate(redact(safeJson(r.result)), 200)}`
        : `${name} failed after ${ms} ms: ${truncate(redact(r.error?.message ?? 'unknown error'), 300)}`;
    void (
      r.status === 'ok' ? this.notify.info(summary, 'Show Output') : this.notify.error(summary, 'Show Output')
    ).then((c) => c && this.log.show(true));
    return r;
  }

  async showFunctionLogs(
    arg?: FunctionTarget & { limit?: number },
  ): Promise<Array<{ time: string; level: string; message: string; requestId: string }> | undefined> {
    const target = await this.targets.resolve(arg, 'deployed', 'Show the logs of which function?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.targets.client(data);
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
    this.log.info(`[logs ${name}] the newest ${logs.length} line(s) from ${this.session.endpoint}:`);
    for (const l of logs) this.log.info(`[logs ${name}]   ${l.time} ${l.level} ${l.requestId}: ${redact(l.message)}`);
    if (logs.length === 0) this.log.info(`[logs ${name}]   (no lines yet: invoke the function first)`);
    this.log.show(true);
    return logs.map((l) => ({ ...l, message: redact(l.message) }));
  }

  async rollbackFunction(arg?: FunctionTarget & { release?: number }): Promise<RollbackResponse | undefined> {
    const target = await this.targets.resolve(arg, 'deployed', 'Roll back which function?');
    if (!target) return undefined;
    const { data, name } = target;
    const client = await this.targets.client(data);
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
      this.log.info(`[rollback ${name}] release ${r.release} runs the code and key references of release ${release}`);
      void this.notify.info(`Rolled back ${name}: release ${r.release} now runs the code of release ${release}.`);
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
    const client = await this.targets.client(data);
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
    this.log.info(`Deleted the function ${name} from project ${data.project.project}.`);
    void this.notify.info(`Deleted the function ${name} from the cloud. Its source files are kept.`);
    this.model.invalidate();
    void this.sync.refresh();
    return true;
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
