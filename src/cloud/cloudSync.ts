// Cloud vault sync in the editor: the sign-in commands, each project's sync state for the API
// Keys view, push with compare-and-set and delete from the cloud. Tokens and clients are the
// session's (./session.ts).
import * as vscode from 'vscode';
import { ContextKey } from '../constants';
import { errorMessage } from '../shared/errorMessage';
import { digestOf } from '../shared/secretText';
import type { Notifier } from '../ui/notify';
import type { KeyStore } from '../keys/keyStore';
import type { CloudProjectStatus, CloudStatusSource, KeyNode } from '../keys/keysView';
import { computeSyncStates } from '../keys/syncState';
import type { WorkspaceProjects } from '../project/workspaceProjects';
import { CloudError } from './client';
import type { CloudSession } from './session';
import { conflictMessage, planPush } from './syncPlan';

export interface SignInArgs {
  token?: string;
  project?: string;
}

export class CloudSync implements CloudStatusSource, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly statuses = new Map<string, CloudProjectStatus>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  constructor(
    private readonly session: CloudSession,
    private readonly store: KeyStore,
    private readonly projects: WorkspaceProjects,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      session.onDidChange(() => void this.refresh()),
      store.onDidChange(() => void this.refresh()),
      projects.onDidChange(() => void this.refresh()),
    );
  }

  private get endpoint(): string {
    return this.session.endpoint;
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
        prompt:
          "Paste the project's developer token. The local cloud prints it on first start and saves it in its data folder under tokens/.",
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'The token cannot be empty.'),
      }));
    if (!token) return false;
    try {
      await this.session.signIn(project, token.trim());
    } catch (e) {
      void this.notify.error(
        e instanceof CloudError && e.status === 401
          ? `The cloud at ${this.endpoint} did not accept that token for project ${project}. Check the token and the project name in cloudxlr.json.`
          : errorMessage(e),
      );
      return false;
    }
    this.log.info(`Signed in to project ${project} at ${this.endpoint}.`);
    void this.notify.info(`Signed in to CloudXLR project ${project}.`);
    await this.refresh();
    return true;
  }

  async signOut(args: { project?: string } = {}): Promise<boolean> {
    const project = await this.pickProject(args.project);
    if (!project) return false;
    await this.session.signOut(project);
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
    const client = await this.session.client(project);
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
        if (
          row.state === 'synced' &&
          row.cloud &&
          this.store.get(project, row.name)?.cloudVersion !== row.cloud.version
        ) {
          await this.store.setCloudVersion(project, row.name, row.cloud.version);
        }
      }
      this.statuses.set(project, { kind: 'ok', rows });
    } catch (e) {
      const message = errorMessage(e);
      this.statuses.set(
        project,
        e instanceof CloudError && e.isUnreachable ? { kind: 'unreachable', message } : { kind: 'error', message },
      );
      this.log.warn(`Project ${project}: ${message}`);
    }
  }

  // ---- Push and delete ----

  /** Pushes one key. Returns the new cloud version, or undefined when nothing was pushed. */
  async push(arg?: KeyNode | { project?: string; name?: string; overwrite?: boolean }): Promise<number | undefined> {
    const target = await this.target(arg);
    if (!target) return undefined;
    const { project, name } = target;
    const client = await this.session.requireClient(project);
    if (!client) return undefined;
    const value = await this.store.value(project, name);
    if (value === undefined) {
      void this.notify.error(
        `${name} has no value on this machine to push. The cloud never returns values; set it here with Edit Value first.`,
      );
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
      void this.notify.error(`${name} was not pushed: ${errorMessage(e)}`);
      return undefined;
    } finally {
      await this.refresh();
    }
  }

  async pushAll(args: { project?: string } = {}): Promise<{ pushed: string[]; failed: string[] }> {
    const project = await this.pickProject(args.project);
    const pushed: string[] = [];
    const failed: string[] = [];
    if (!project || !(await this.session.requireClient(project))) return { pushed, failed };
    await this.refreshProject(project);
    const status = this.status(project);
    const pending = this.store
      .list(project)
      .filter((k) => status.kind !== 'ok' || status.rows.get(k.name)?.state !== 'synced');
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Pushing keys to ${project}`, cancellable: true },
      async (progress, token) => {
        for (const k of pending) {
          if (token.isCancellationRequested) break;
          progress.report({ message: k.name, increment: 100 / pending.length });
          ((await this.push({ project, name: k.name })) !== undefined ? pushed : failed).push(k.name);
        }
      },
    );
    void this.notify.info(
      pending.length === 0
        ? `Every key of ${project} is already in the cloud.`
        : `Pushed ${pushed.length} of ${pending.length} keys to ${project}.${failed.length ? ` Not pushed: ${failed.join(', ')}.` : ''}`,
    );
    return { pushed, failed };
  }

  /** After Edit Value: a key that was in step with the cloud gets the new version there too. */
  async afterRotate(project: string, name: string): Promise<void> {
    const lastSeen = this.store.get(project, name)?.cloudVersion;
    const client = lastSeen !== undefined ? await this.session.client(project) : undefined;
    if (!client || lastSeen === undefined) return;
    const value = await this.store.value(project, name);
    if (value === undefined) return;
    try {
      const result = await client.putKey(name, value, lastSeen);
      await this.store.setCloudVersion(project, name, result.version);
      void this.notify.info(
        `Rotated ${name} here and in the cloud (version ${result.version}). Functions using it get the new value on their next call.`,
      );
    } catch (e) {
      if (e instanceof CloudError && e.code === 'version_conflict')
        await this.reportConflict(project, name, Number(e.details.currentVersion));
      else
        void this.notify.warn(
          `${name} was rotated on this machine only: ${errorMessage(e)} Push it when the cloud is back.`,
        );
    } finally {
      await this.refresh();
    }
  }

  async deleteFromCloud(
    arg?: KeyNode | { project?: string; name?: string; confirmed?: boolean; force?: boolean },
  ): Promise<boolean> {
    const target = await this.target(arg, true);
    if (!target) return false;
    const { project, name } = target;
    const client = await this.session.requireClient(project);
    if (!client) return false;
    const given = isNode(arg) ? {} : (arg ?? {});
    let force = given.force;
    if (!given.confirmed) {
      // Ask once, knowing which deployed functions read the key, instead of refusing after the answer.
      let usedBy: string[] = [];
      try {
        usedBy = (await client.getKey(name))?.usedBy ?? [];
      } catch (e) {
        void this.notify.error(`${name} was not deleted from the cloud: ${errorMessage(e)}`);
        return false;
      }
      const kept = 'Every version is removed from the cloud vault. The copy on this machine, if any, is kept.';
      const DELETE = usedBy.length ? 'Delete Anyway' : 'Delete from Cloud';
      const choice = await vscode.window.showWarningMessage(
        usedBy.length
          ? `Delete ${name} from the cloud project ${project}? It is used by ${quotedList(usedBy)}.`
          : `Delete ${name} from the cloud project ${project}?`,
        {
          modal: true,
          detail: usedBy.length
            ? `${usedBy.length === 1 ? 'That function fails' : 'Those functions fail'} when ${usedBy.length === 1 ? 'it reads' : 'they read'} ${name} until deployed without it. ${kept}`
            : kept,
        },
        DELETE,
      );
      if (choice !== DELETE) return false;
      if (usedBy.length) force = true;
    }
    try {
      await client.deleteKey(name, { force });
    } catch (e) {
      if (e instanceof CloudError && e.code === 'key_in_use') {
        const fns = Array.isArray(e.details.functions) ? (e.details.functions as string[]) : [];
        const FORCE = 'Delete Anyway';
        const message = `${name} was not deleted: it is used by ${fns.length ? quotedList(fns) : 'deployed functions'}. Deploy those functions without it first, or delete anyway and they will fail when they read it.`;
        if (given.confirmed) {
          void this.notify.error(message);
          return false;
        }
        const choice = await this.notify.error(message, FORCE);
        return choice === FORCE ? this.deleteFromCloud({ project, name, confirmed: true, force: true }) : false;
      }
      void this.notify.error(`${name} was not deleted from the cloud: ${errorMessage(e)}`);
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
      .warn(conflictMessage(name, cloudVersion, this.store.get(project, name)?.cloudVersion), OVERWRITE)
      .then((choice) => (choice === OVERWRITE ? this.push({ project, name, overwrite: true }) : undefined));
    return Promise.resolve();
  }

  // ---- Plumbing ----

  private async updateContext(): Promise<void> {
    const signedIn = [...this.statuses.values()].some((s) => s.kind !== 'signed-out');
    await vscode.commands.executeCommand('setContext', ContextKey.signedIn, signedIn);
  }

  private async pickProject(name?: string): Promise<string | undefined> {
    const all = (await this.projects.all()).map((p) => p.project);
    if (name)
      return all.includes(name)
        ? name
        : (void this.notify.error(`There is no CloudXLR project named ${name} in this workspace.`), undefined);
    if (all.length === 1) return all[0];
    return vscode.window.showQuickPick(all, { title: 'Which CloudXLR project?' });
  }

  private async target(
    arg: KeyNode | { project?: string; name?: string } | undefined,
    allowCloudOnly = false,
  ): Promise<{ project: string; name: string } | undefined> {
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

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function quotedList(names: string[]): string {
  return names.map((f) => `"${f}"`).join(', ');
}

function isNode(arg: unknown): arg is KeyNode {
  return typeof arg === 'object' && arg !== null && (arg as KeyNode).type === 'key';
}
