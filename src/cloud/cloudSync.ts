// Cloud vault sync in the editor: sign-in tokens in SecretStorage, each project's sync state
// for the API Keys view, push with compare-and-set, delete from the cloud, and the local
// cloud as a managed child process.
import * as vscode from 'vscode';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { CommandId, ContextKey, DEFAULT_CLOUD_ENDPOINT, SettingId, StorageKey } from '../constants';
import { digestOf } from '../shared/secretText';
import { Notifier } from '../ui/notify';
import { KeyStore } from '../keys/keyStore';
import { CloudProjectStatus, CloudStatusSource, KeyNode } from '../keys/keysView';
import { computeSyncStates } from '../keys/syncState';
import { WorkspaceProjects } from '../project/workspaceProjects';
import { CloudClient, CloudError } from './client';
import { planPush } from './syncPlan';
import { LocalCloudProcess } from './localCloudProcess';
import { findCloudNode } from './cloudNode';

export interface SignInArgs {
  token?: string;
  project?: string;
}

export class CloudSync implements CloudStatusSource, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly statuses = new Map<string, CloudProjectStatus>();
  private readonly clients = new Map<string, CloudClient>();
  private readonly localCloud = new LocalCloudProcess();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: KeyStore,
    private readonly projects: WorkspaceProjects,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SettingId.cloudEndpoint)) {
          this.resetClients();
          void this.refresh();
        }
      }),
      store.onDidChange(() => void this.refresh()),
      projects.onDidChange(() => void this.refresh()),
    );
  }

  get endpoint(): string {
    return (vscode.workspace.getConfiguration().get<string>(SettingId.cloudEndpoint) || DEFAULT_CLOUD_ENDPOINT).replace(/\/+$/, '');
  }

  status(project: string): CloudProjectStatus {
    return this.statuses.get(project) ?? { kind: 'signed-out' };
  }

  // ---- Sign in / out ----

  async signIn(args: SignInArgs = {}): Promise<boolean> {
    const project = await this.pickProject(args.project);
    if (!project) return false;
    const token =
      args.token ??
      (await vscode.window.showInputBox({
        title: `Sign in to project ${project} at ${this.endpoint}`,
        prompt: 'Paste the project\'s developer token. The local cloud prints it on first start and saves it in its data folder under tokens/.',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'The token cannot be empty.'),
      }));
    if (!token) return false;
    const client = new CloudClient({ endpoint: this.endpoint, project, token: token.trim(), retries: 0 });
    try {
      await client.listKeys();
    } catch (e) {
      void this.notify.error(e instanceof CloudError && e.status === 401 ? `The cloud at ${this.endpoint} did not accept that token for project ${project}. Check the token and the project name in cloudxlr.json.` : messageOf(e));
      return false;
    } finally {
      client.dispose();
    }
    await this.context.secrets.store(this.tokenKey(project), token.trim());
    this.clients.get(project)?.dispose();
    this.clients.delete(project);
    this.log.info(`Signed in to project ${project} at ${this.endpoint}.`);
    void this.notify.info(`Signed in to CloudXLR project ${project}.`);
    await this.refresh();
    return true;
  }

  async signOut(args: { project?: string } = {}): Promise<boolean> {
    const project = await this.pickProject(args.project);
    if (!project) return false;
    await this.context.secrets.delete(this.tokenKey(project));
    this.clients.get(project)?.dispose();
    this.clients.delete(project);
    this.statuses.set(project, { kind: 'signed-out' });
    this.log.info(`Signed out of project ${project} at ${this.endpoint}.`);
    await this.updateContext();
    this.changed.fire();
    return true;
  }

  // ---- State ----

  /** Lists each signed-in project's cloud keys and compares digests with this machine's values. */
  refresh(): Promise<void> {
    // Coalesce bursts (an import stores many keys) into one listing, plus one more if
    // something changed while the listing was under way.
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          for (const p of await this.projects.all()) await this.refreshProject(p.project);
        } while (this.refreshAgain);
      } finally {
        this.refreshing = undefined;
        await this.updateContext();
        this.changed.fire();
      }
    })();
    return this.refreshing;
  }

  private async refreshProject(project: string): Promise<void> {
    const client = await this.client(project);
    if (!client) {
      this.statuses.set(project, { kind: 'signed-out' });
      return;
    }
    try {
      const cloud = await client.listKeys();
      const local = new Map<string, string | undefined>();
      for (const k of this.store.list(project)) {
        const value = await this.store.value(project, k.name);
        local.set(k.name, value === undefined ? undefined : digestOf(value));
      }
      const rows = computeSyncStates(local, cloud);
      // A key whose digest matches the cloud's is in step at that version.
      for (const row of rows.values()) {
        if (row.state === 'synced' && row.cloud && this.store.get(project, row.name)?.cloudVersion !== row.cloud.version) {
          await this.store.setCloudVersion(project, row.name, row.cloud.version);
        }
      }
      this.statuses.set(project, { kind: 'ok', rows });
    } catch (e) {
      const message = messageOf(e);
      this.statuses.set(project, e instanceof CloudError && e.isUnreachable ? { kind: 'unreachable', message } : { kind: 'error', message });
      this.log.warn(`Project ${project}: ${message}`);
    }
  }

  // ---- Push and delete ----

  /** Pushes one key. Returns the new cloud version, or undefined when nothing was pushed. */
  async push(arg?: KeyNode | { project?: string; name?: string; overwrite?: boolean }): Promise<number | undefined> {
    const target = await this.target(arg);
    if (!target) return undefined;
    const { project, name } = target;
    const client = await this.requireClient(project);
    if (!client) return undefined;
    const value = await this.store.value(project, name);
    if (value === undefined) {
      void this.notify.error(`${name} has no value on this machine to push. The cloud never returns values; set it here with Edit Value first.`);
      return undefined;
    }
    await this.refreshProject(project);
    const status = this.status(project);
    const row = status.kind === 'ok' ? status.rows.get(name) : undefined;
    let plan = planPush(this.store.get(project, name)?.cloudVersion, row);
    const overwrite = !isNode(arg) && arg?.overwrite === true;
    if (plan.kind === 'conflict' && overwrite) plan = { kind: 'put', ifVersion: plan.cloudVersion };
    try {
      if (plan.kind === 'up-to-date') {
        void this.notify.info(`${name} is already in step with the cloud (version ${row?.cloud?.version}).`);
        return row?.cloud?.version;
      }
      if (plan.kind === 'conflict') {
        await this.reportConflict(project, name, plan.cloudVersion);
        return undefined;
      }
      const result = await client.putKey(name, value, plan.ifVersion);
      await this.store.setCloudVersion(project, name, result.version);
      this.log.info(`Pushed ${name} to project ${project} as version ${result.version}.`);
      void this.notify.info(`Pushed ${name} to the cloud (version ${result.version}).`);
      return result.version;
    } catch (e) {
      if (e instanceof CloudError && e.code === 'version_conflict') {
        await this.reportConflict(project, name, Number(e.details.currentVersion));
        return undefined;
      }
      void this.notify.error(`${name} was not pushed: ${messageOf(e)}`);
      return undefined;
    } finally {
      await this.refresh();
    }
  }

  async pushAll(args: { project?: string } = {}): Promise<{ pushed: string[]; failed: string[] }> {
    const project = await this.pickProject(args.project);
    const pushed: string[] = [];
    const failed: string[] = [];
    if (!project || !(await this.requireClient(project))) return { pushed, failed };
    await this.refreshProject(project);
    const status = this.status(project);
    const pending = this.store.list(project).filter((k) => status.kind !== 'ok' || status.rows.get(k.name)?.state !== 'synced');
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pushing keys to ${project}`, cancellable: true }, async (progress, token) => {
      for (const k of pending) {
        if (token.isCancellationRequested) break;
        progress.report({ message: k.name, increment: 100 / pending.length });
        ((await this.push({ project, name: k.name })) !== undefined ? pushed : failed).push(k.name);
      }
    });
    void this.notify.info(pending.length === 0 ? `Every key of ${project} is already in the cloud.` : `Pushed ${pushed.length} of ${pending.length} keys to ${project}.${failed.length ? ` Not pushed: ${failed.join(', ')}.` : ''}`);
    return { pushed, failed };
  }

  /** After Edit Value: a key that was in step with the cloud gets the new version there too. */
  async afterRotate(project: string, name: string): Promise<void> {
    const lastSeen = this.store.get(project, name)?.cloudVersion;
    const client = lastSeen !== undefined ? await this.client(project) : undefined;
    if (!client || lastSeen === undefined) return;
    const value = await this.store.value(project, name);
    if (value === undefined) return;
    try {
      const result = await client.putKey(name, value, lastSeen);
      await this.store.setCloudVersion(project, name, result.version);
      void this.notify.info(`Rotated ${name} here and in the cloud (version ${result.version}). Functions using it get the new value on their next call.`);
    } catch (e) {
      if (e instanceof CloudError && e.code === 'version_conflict') await this.reportConflict(project, name, Number(e.details.currentVersion));
      else void this.notify.warn(`${name} was rotated on this machine only: ${messageOf(e)} Push it when the cloud is back.`);
    } finally {
      await this.refresh();
    }
  }

  async deleteFromCloud(arg?: KeyNode | { project?: string; name?: string; confirmed?: boolean; force?: boolean }): Promise<boolean> {
    const target = await this.target(arg, true);
    if (!target) return false;
    const { project, name } = target;
    const client = await this.requireClient(project);
    if (!client) return false;
    const given = isNode(arg) ? {} : (arg ?? {});
    if (!given.confirmed) {
      const choice = await vscode.window.showWarningMessage(`Delete ${name} from the cloud project ${project}?`, { modal: true, detail: 'Every version is removed from the cloud vault. The copy on this machine, if any, is kept.' }, 'Delete from Cloud');
      if (choice !== 'Delete from Cloud') return false;
    }
    try {
      await client.deleteKey(name, { force: given.force });
    } catch (e) {
      if (e instanceof CloudError && e.code === 'key_in_use') {
        const fns = Array.isArray(e.details.functions) ? (e.details.functions as string[]) : [];
        const FORCE = 'Delete Anyway';
        const message = `${name} was not deleted: it is used by ${fns.length ? fns.map((f) => `"${f}"`).join(', ') : 'deployed functions'}. Deploy those functions without it first, or delete anyway and they will fail when they read it.`;
        if (given.confirmed) {
          void this.notify.error(message);
          return false;
        }
        const choice = await this.notify.error(message, FORCE);
        return choice === FORCE ? this.deleteFromCloud({ project, name, confirmed: true, force: true }) : false;
      }
      void this.notify.error(`${name} was not deleted from the cloud: ${messageOf(e)}`);
      return false;
    }
    await this.store.setCloudVersion(project, name, undefined);
    this.log.info(`Deleted ${name} from the cloud project ${project}.`);
    void this.notify.info(`Deleted ${name} from the cloud.`);
    await this.refresh();
    return true;
  }

  /** Shows the conflict; the answer is handled when the person gives it, without holding up the caller. */
  private reportConflict(project: string, name: string, cloudVersion: number): Promise<void> {
    const OVERWRITE = 'Push Anyway';
    void this.notify
      .warn(`${name} changed in the cloud (now version ${cloudVersion}) since this machine last synced it. Your value is kept on this machine and the cloud was not overwritten.`, OVERWRITE)
      .then((choice) => (choice === OVERWRITE ? this.push({ project, name, overwrite: true }) : undefined));
    return Promise.resolve();
  }

  // ---- Local cloud ----

  async startLocalCloud(): Promise<boolean> {
    if (this.localCloud.running) {
      void this.notify.info(`The local cloud is already running at ${this.endpoint}.`);
      return true;
    }
    const url = new URL(this.endpoint);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      void this.notify.error(`cloudxlr.cloud.endpoint is ${this.endpoint}, not a local address. Set it to ${DEFAULT_CLOUD_ENDPOINT} to use the local cloud.`);
      return false;
    }
    const projects = (await this.projects.all()).map((p) => p.project);
    const tokenKey = `${StorageKey.tokenPrefix}local-cloud`;
    let token = await this.context.secrets.get(tokenKey);
    if (!token) {
      token = randomBytes(24).toString('base64url');
      await this.context.secrets.store(tokenKey, token);
    }
    const config = vscode.workspace.getConfiguration();
    const dataDir = config.get<string>(SettingId.localCloudDataDir) || path.join(this.context.globalStorageUri.fsPath, 'local-cloud');
    const node = await findCloudNode({
      setting: config.get<string>(SettingId.localCloudNodePath) ?? '',
      settingName: SettingId.localCloudNodePath,
      hostExecPath: process.execPath,
      hostNodeVersion: process.versions.node,
    });
    if (!node.ok) {
      const OPEN_SETTING = 'Open Setting';
      this.log.info(node.message);
      void this.notify.error(node.message, OPEN_SETTING).then((c) => c === OPEN_SETTING && vscode.commands.executeCommand('workbench.action.openSettings', SettingId.localCloudNodePath));
      return false;
    }
    const nodePath = node.node;
    this.log.info(`Starting the local cloud with Node.js ${node.version} (${nodePath}).`);
    const cliPath = path.join(this.context.extensionUri.fsPath, 'dist', 'cli.js');
    const run = this.localCloud.start(
      { cliPath, nodePath, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 8787), dataDir, projects, token, log: (line) => this.log.info(`[local cloud] ${line}`) },
      (code) => {
        void vscode.commands.executeCommand('setContext', ContextKey.localCloudRunning, false);
        this.log.info(`The local cloud stopped (exit code ${code}).`);
      },
    );
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Starting the local CloudXLR cloud…' }, () => run);
    } catch (e) {
      void this.notify.error(messageOf(e), 'Show Log').then((c) => c && this.log.show());
      return false;
    }
    await vscode.commands.executeCommand('setContext', ContextKey.localCloudRunning, true);
    for (const p of projects) await this.context.secrets.store(this.tokenKey(p), token);
    this.resetClients();
    void this.notify.info(`The local cloud is running at ${this.endpoint} with data in ${dataDir}. Signed in to ${projects.join(', ')}.`);
    await this.refresh();
    return true;
  }

  async stopLocalCloud(): Promise<void> {
    await this.localCloud.stop();
    await vscode.commands.executeCommand('setContext', ContextKey.localCloudRunning, false);
    await this.refresh();
  }

  // ---- Plumbing ----

  /** A client for the project, or undefined when not signed in. */
  async client(project: string): Promise<CloudClient | undefined> {
    const existing = this.clients.get(project);
    if (existing) return existing;
    const token = await this.context.secrets.get(this.tokenKey(project));
    if (!token) return undefined;
    const client = new CloudClient({ endpoint: this.endpoint, project, token });
    this.clients.set(project, client);
    return client;
  }

  private async requireClient(project: string): Promise<CloudClient | undefined> {
    const client = await this.client(project);
    if (!client) {
      const SIGN_IN = 'Sign In';
      void this.notify.warn(`Not signed in to the CloudXLR project ${project}. Sign in first.`, SIGN_IN).then((c) => c === SIGN_IN && vscode.commands.executeCommand(CommandId.signIn, { project }));
    }
    return client;
  }

  private tokenKey(project: string): string {
    return `${StorageKey.tokenPrefix}${this.endpoint}/${project}`;
  }

  private resetClients(): void {
    for (const c of this.clients.values()) c.dispose();
    this.clients.clear();
  }

  private async updateContext(): Promise<void> {
    const signedIn = [...this.statuses.values()].some((s) => s.kind !== 'signed-out');
    await vscode.commands.executeCommand('setContext', ContextKey.signedIn, signedIn);
  }

  private async pickProject(name?: string): Promise<string | undefined> {
    const all = (await this.projects.all()).map((p) => p.project);
    if (name) return all.includes(name) ? name : (void this.notify.error(`There is no CloudXLR project named ${name} in this workspace.`), undefined);
    if (all.length === 1) return all[0];
    return vscode.window.showQuickPick(all, { title: 'Which CloudXLR project?' });
  }

  private async target(arg: KeyNode | { project?: string; name?: string } | undefined, allowCloudOnly = false): Promise<{ project: string; name: string } | undefined> {
    if (isNode(arg)) return { project: arg.project, name: arg.name };
    const project = await this.pickProject(arg?.project);
    if (!project) return undefined;
    if (arg?.name) return { project, name: arg.name };
    const status = this.status(project);
    const names = new Set(this.store.list(project).map((k) => k.name));
    if (allowCloudOnly && status.kind === 'ok') for (const n of status.rows.keys()) names.add(n);
    const pick = await vscode.window.showQuickPick([...names].sort(), { title: 'Which key?' });
    return pick ? { project, name: pick } : undefined;
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables) d.dispose();
    this.resetClients();
    await this.localCloud.stop();
  }
}

function isNode(arg: unknown): arg is KeyNode {
  return typeof arg === 'object' && arg !== null && (arg as KeyNode).type === 'key';
}

/** A CloudError's message is written for people and never holds a value; anything else gets a generic line. */
function messageOf(e: unknown): string {
  if (e instanceof CloudError) return e.message;
  if (e instanceof Error) return e.message;
  return 'An unknown error occurred.';
}
