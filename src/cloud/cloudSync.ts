// Cloud vault sync in the editor: the sign-in commands, push with compare-and-set and delete
// from the cloud. Tokens and clients are the session's (./session.ts); where each key stands is
// the cloud state's (./cloudState.ts), which every view reads.
import * as vscode from 'vscode';
import type { IdentityInfo } from '../api';
import { errorMessage } from '../shared/errorMessage';
import type { Notifier } from '../ui/notify';
import type { CloudRename } from '../keys/keyCommands';
import type { KeyStore } from '../keys/keyStore';
import type { CloudProjectStatus, CloudStatusSource, KeyNode, StateView } from '../keys/keysView';
import type { WorkspaceProjects } from '../project/workspaceProjects';
import { TOKEN_PREFIX } from '../api';
import { CloudError, isLoopback } from './client';
import { normaliseCloudUrl, SERVICE_TOKEN_REFUSED, teamCloudAddressProblem, tokenKind } from './roles';
import type { CloudSession } from './session';
import type { CloudState } from './cloudState';
import { conflictMessage, planPush } from './syncPlan';

export interface SignInArgs {
  token?: string;
  project?: string;
  /** A cloud other than the endpoint setting's, already checked: the setting follows the sign-in. */
  endpoint?: string;
}

export class CloudSync implements CloudStatusSource {
  readonly onDidChange: vscode.Event<void>;

  constructor(
    private readonly session: CloudSession,
    /** The one cloud state both views read; sync commands change the cloud, then list it again. */
    readonly state: CloudState,
    private readonly store: KeyStore,
    private readonly projects: WorkspaceProjects,
    private readonly notify: Notifier,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.onDidChange = state.onDidChange;
  }

  private get endpoint(): string {
    return this.session.endpoint;
  }

  status(project: string): CloudProjectStatus {
    return this.state.status(project);
  }

  identity(project: string): IdentityInfo | undefined {
    return this.state.identity(project);
  }

  watch(view: StateView): vscode.Disposable {
    return this.state.watch(view);
  }

  refresh(): Promise<void> {
    return this.state.refresh();
  }

  // ---- Sign in / out ----

  async signIn(args: SignInArgs = {}): Promise<boolean> {
    const project = await this.pickProject(args.project);
    if (!project) return false;
    const endpoint = args.endpoint ?? this.endpoint;
    // A token is asked for only once there is a cloud to check it against.
    if (args.token === undefined && !args.endpoint && !(await this.session.reachable())) {
      void this.session.reportError(
        `The CloudXLR cloud at ${this.endpoint} is not reachable, so there is nothing to sign in to yet. Start it, or point the setting “cloudxlr.cloud.endpoint” at a running one, then sign in.`,
        true,
      );
      return false;
    }
    const token =
      args.token ??
      (await vscode.window.showInputBox({
        title: `Sign in to project ${project} at ${endpoint}`,
        prompt: args.endpoint
          ? `Paste your member token (${TOKEN_PREFIX.member}…), from the owner who added you, or the project's token. It is kept in the editor's secret storage only.`
          : "Paste the project's developer token (or your member token on a team cloud). The local cloud prints it on first start and saves it in its data folder under tokens/.",
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) =>
          !v.trim()
            ? 'The token cannot be empty.'
            : tokenKind(v.trim()) === 'service'
              ? SERVICE_TOKEN_REFUSED
              : undefined,
      }));
    if (!token) return false;
    let identity: IdentityInfo | undefined;
    try {
      identity = await this.session.signIn(project, token.trim(), args.endpoint);
    } catch (e) {
      void this.session.reportError(
        e instanceof CloudError && e.status === 401
          ? `The cloud at ${endpoint} did not accept that token for project ${project}. Check the token and the project name in cloudxlr.json.`
          : errorMessage(e),
        e instanceof CloudError && e.isUnreachable,
      );
      return false;
    }
    const as =
      identity && identity.kind !== 'project-token'
        ? ` as ${identity.name}${identity.role ? ` (${identity.role})` : ''}`
        : '';
    this.log.info(`Signed in to project ${project} at ${endpoint}${as}.`);
    this.notify.status(`Signed in to CloudXLR project ${project}${as}.`);
    await this.refresh();
    return true;
  }

  /**
   * Sign in to a team cloud: its address first, checked with /v1/health and /v1/ready, then a
   * member's token; the address becomes this workspace's endpoint setting, the token is kept
   * in SecretStorage only.
   */
  async signInToTeamCloud(args: { url?: string; token?: string; project?: string } = {}): Promise<boolean> {
    const project = await this.pickProject(args.project);
    if (!project) return false;
    const current = this.endpoint;
    const entered =
      args.url ??
      (await vscode.window.showInputBox({
        title: `Sign in to a team cloud (project ${project})`,
        prompt: "The team cloud's address, from whoever runs it. Your member token is asked for next.",
        placeHolder: 'https://cloud.example.com',
        value: isLoopback(current) ? '' : current,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? teamCloudAddressProblem(normaliseCloudUrl(v)) : 'Enter the address.'),
      }));
    if (!entered) return false;
    const url = normaliseCloudUrl(entered);
    const checked = await this.session.checkCloud(url);
    if (checked) {
      void this.notify.error(checked.problem);
      return false;
    }
    return this.signIn({ project, token: args.token, endpoint: url });
  }
  async signOut(args: { project?: string } = {}): Promise<boolean> {
    const project = await this.pickProject(args.project);
    if (!project) return false;
    await this.session.signOut(project);
    await this.state.signedOut(project);
    this.log.info(`Signed out of project ${project} at ${this.endpoint}.`);
    return true;
  }

  // ---- Push and delete ----

  /** Pushes one key. Returns the new cloud version, or undefined when nothing was pushed. */
  async push(arg?: KeyNode | { project?: string; name?: string; overwrite?: boolean }): Promise<number | undefined> {
    const target = await this.target(arg);
    if (!target) return undefined;
    const { project, name } = target;
    if (!(await this.session.requireClient(project, 'first', 'keys.write'))) return undefined;
    const outcome = await this.pushOne(project, name, !isNode(arg) && arg?.overwrite === true);
    await this.refresh();
    switch (outcome.kind) {
      case 'pushed':
        this.notify.status(`Pushed ${name} to the cloud (version ${outcome.version}).`);
        return outcome.version;
      case 'up-to-date':
        this.notify.status(`${name} is already in step with the cloud (version ${outcome.version}).`);
        return outcome.version;
      case 'conflict':
        this.reportConflict(project, name, outcome.cloudVersion);
        return undefined;
      case 'failed':
        void this.session.reportError(`${name} was not pushed: ${outcome.reason}`, outcome.unreachable === true);
        return undefined;
    }
  }

  /** Pushes every key not in step, with one summary at the end (and progress in the status bar). */
  async pushAll(args: { project?: string } = {}): Promise<{ pushed: string[]; failed: string[] }> {
    const project = await this.pickProject(args.project);
    const pushed: string[] = [];
    const failed: string[] = [];
    if (!project || !(await this.session.requireClient(project, 'first', 'keys.write'))) return { pushed, failed };
    await this.state.refreshProject(project);
    const status = this.status(project);
    const pending = this.store
      .list(project)
      .filter((k) => status.kind !== 'ok' || status.rows.get(k.name)?.state !== 'synced');
    const reasons: string[] = [];
    const conflicts: string[] = [];
    let unreachable: string | undefined;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Pushing keys to ${project}` },
      async (progress) => {
        for (const k of pending) {
          progress.report({ message: k.name });
          const outcome = await this.pushOne(project, k.name, false);
          if (outcome.kind === 'pushed' || outcome.kind === 'up-to-date') {
            pushed.push(k.name);
            continue;
          }
          if (outcome.kind === 'failed' && outcome.unreachable) {
            // The rest would wait for the same timeout, one after the other.
            failed.push(...pending.slice(pending.indexOf(k)).map((p) => p.name));
            unreachable = outcome.reason;
            break;
          }
          failed.push(k.name);
          if (outcome.kind === 'conflict') {
            conflicts.push(k.name);
            reasons.push(`${k.name} (the cloud holds a different value, version ${outcome.cloudVersion})`);
          } else reasons.push(`${k.name} (${outcome.reason})`);
        }
      },
    );
    await this.refresh();
    if (pending.length === 0) {
      this.notify.status(`Every key of ${project} is already in the cloud.`);
      return { pushed, failed };
    }
    const summary = `Pushed ${pushed.length} of ${pending.length} ${pending.length === 1 ? 'key' : 'keys'} to ${project}.`;
    if (failed.length === 0) {
      this.notify.status(summary);
      return { pushed, failed };
    }
    // One notification for everything that needs a decision.
    const PUSH_ANYWAY = conflicts.length === 1 ? 'Push Anyway' : `Push ${conflicts.length} Anyway`;
    const text = [
      summary,
      reasons.length ? `Not pushed: ${reasons.join('; ')}.` : '',
      unreachable ? `Stopped: ${unreachable}` : '',
      conflicts.length
        ? `${PUSH_ANYWAY} makes this machine's ${conflicts.length === 1 ? 'value' : 'values'} the cloud's.`
        : '',
    ]
      .filter(Boolean)
      .join(' ');
    void this.session
      .reportError(text, unreachable !== undefined, ...(conflicts.length ? [PUSH_ANYWAY] : []))
      .then(async (choice) => {
        if (choice !== PUSH_ANYWAY) return;
        for (const name of conflicts) await this.push({ project, name, overwrite: true });
      });
    return { pushed, failed };
  }

  /** One push, compare-and-set against the version this machine last saw; shows nothing. */
  private async pushOne(project: string, name: string, overwrite: boolean): Promise<PushOutcome> {
    const client = await this.session.client(project);
    if (!client) return { kind: 'failed', reason: this.session.notSignedIn(project) };
    const value = await this.store.value(project, name);
    if (value === undefined)
      return {
        kind: 'failed',
        reason:
          'it has no value on this machine to push. The cloud never returns values; set it here with Edit Value first.',
      };
    await this.state.refreshProject(project);
    const status = this.status(project);
    if (status.kind === 'unreachable' || status.kind === 'error')
      return { kind: 'failed', reason: status.message, unreachable: status.kind === 'unreachable' };
    const row = status.kind === 'ok' ? status.rows.get(name) : undefined;
    let plan = planPush(this.store.get(project, name)?.cloudVersion, row);
    if (plan.kind === 'conflict' && overwrite) plan = { kind: 'put', ifVersion: plan.cloudVersion };
    if (plan.kind === 'up-to-date') return { kind: 'up-to-date', version: row?.cloud?.version ?? 0 };
    if (plan.kind === 'conflict') return { kind: 'conflict', cloudVersion: plan.cloudVersion };
    try {
      const result = await client.putKey(name, value, plan.ifVersion);
      await this.store.setCloudVersion(project, name, result.version);
      this.log.info(`Pushed ${name} to project ${project} as version ${result.version}.`);
      return { kind: 'pushed', version: result.version };
    } catch (e) {
      if (e instanceof CloudError && e.code === 'version_conflict')
        return { kind: 'conflict', cloudVersion: Number(e.details.currentVersion) };
      return { kind: 'failed', reason: errorMessage(e), unreachable: e instanceof CloudError && e.isUnreachable };
    }
  }

  /** After Edit Value: a key that was in step with the cloud gets the new version there too. */
  async afterRotate(project: string, name: string): Promise<void> {
    const lastSeen = this.store.get(project, name)?.cloudVersion;
    const client = lastSeen !== undefined ? await this.session.client(project) : undefined;
    if (!client || lastSeen === undefined) return;
    const refused = this.session.refusal(project, 'keys.write');
    if (refused) {
      void this.notify.warn(`${name} was rotated on this machine only: ${refused}`);
      await this.refresh();
      return;
    }
    const value = await this.store.value(project, name);
    if (value === undefined) return;
    try {
      const result = await client.putKey(name, value, lastSeen);
      await this.store.setCloudVersion(project, name, result.version);
      this.notify.status(
        `Rotated ${name} here and in the cloud (version ${result.version}). Functions using it get the new value on their next call.`,
      );
    } catch (e) {
      if (e instanceof CloudError && e.code === 'version_conflict')
        this.reportConflict(project, name, Number(e.details.currentVersion));
      else
        void this.notify.warn(
          `${name} was rotated on this machine only: ${errorMessage(e)} Push it when the cloud is back.`,
        );
    } finally {
      await this.refresh();
    }
  }

  /**
   * Before renaming a key that is also in the cloud: asks, naming the functions that read it,
   * whether the cloud's copy is renamed too. Undefined when the person cancels.
   */
  async planRename(
    project: string,
    name: string,
    newName: string,
    given?: CloudRename,
  ): Promise<CloudRename | 'none' | undefined> {
    const status = this.status(project);
    const cloud = status.kind === 'ok' ? status.rows.get(name)?.cloud : undefined;
    if (!cloud) return 'none';
    if (given) return given;
    const usedBy = cloud.usedBy;
    const fns = quotedList(usedBy);
    const BOTH = 'Rename Here and in the Cloud';
    const HERE = 'Rename Here Only';
    const choice = await vscode.window.showWarningMessage(
      usedBy.length
        ? `${name} is also in the cloud, where ${usedBy.length === 1 ? 'the function' : 'the functions'} ${fns} ${usedBy.length === 1 ? 'reads' : 'read'} it. Rename it in the cloud too?`
        : `${name} is also in the cloud (version ${cloud.version}). Rename it in the cloud too?`,
      {
        modal: true,
        detail: usedBy.length
          ? `${BOTH} stores the value in the cloud as ${newName} and keeps ${name} there until ${fns} ${usedBy.length === 1 ? 'is' : 'are'} deployed reading ${newName}, so nothing deployed breaks. ${HERE} leaves the cloud as it is: ${newName} is on this machine only until you push it.`
          : `${BOTH} stores the value in the cloud as ${newName} and deletes ${name} there. ${HERE} leaves ${name} in the cloud: ${newName} is on this machine only until you push it.`,
      },
      BOTH,
      HERE,
    );
    return choice === BOTH ? 'both' : choice === HERE ? 'here' : undefined;
  }

  /** After a local rename: does what was chosen for the cloud's copy, and says what happened. */
  async afterRename(project: string, name: string, newName: string, plan: CloudRename | 'none'): Promise<void> {
    if (plan === 'none') {
      this.notify.status(`Renamed ${name} to ${newName}.`);
      return;
    }
    if (plan === 'here') {
      this.notify.status(`Renamed ${name} to ${newName} on this machine. The cloud still holds ${name}.`);
      await this.refresh();
      return;
    }
    const pushed = await this.pushOne(project, newName, false);
    if (pushed.kind === 'conflict') {
      await this.refresh();
      this.reportConflict(project, newName, pushed.cloudVersion);
      return;
    }
    if (pushed.kind === 'failed') {
      await this.refresh();
      void this.session.reportError(
        `Renamed ${name} to ${newName} on this machine only: ${pushed.reason} The cloud still holds ${name}.`,
        pushed.unreachable === true,
      );
      return;
    }
    let kept: string[] = [];
    try {
      const client = await this.session.client(project);
      kept = (await client?.getKey(name))?.usedBy ?? [];
      if (kept.length === 0) await client?.deleteKey(name, {});
    } catch (e) {
      if (e instanceof CloudError && e.code === 'key_in_use')
        kept = Array.isArray(e.details.functions) ? (e.details.functions as string[]) : ['deployed functions'];
      else {
        await this.refresh();
        void this.session.reportError(
          `Renamed ${name} to ${newName} here and in the cloud, but ${name} could not be deleted from the cloud: ${errorMessage(e)}`,
          e instanceof CloudError && e.isUnreachable,
        );
        return;
      }
    }
    await this.refresh();
    this.log.info(`Renamed ${name} to ${newName} in project ${project}, here and in the cloud.`);
    this.notify.status(
      kept.length
        ? `Renamed ${name} to ${newName} here and in the cloud. The cloud keeps ${name} until ${quotedList(kept)} ${kept.length === 1 ? 'is' : 'are'} deployed reading ${newName}.`
        : `Renamed ${name} to ${newName} here and in the cloud.`,
    );
  }

  async deleteFromCloud(
    arg?: KeyNode | { project?: string; name?: string; confirmed?: boolean; force?: boolean },
  ): Promise<boolean> {
    const target = await this.target(arg, true);
    if (!target) return false;
    const { project, name } = target;
    const client = await this.session.requireClient(project, 'first', 'keys.write');
    if (!client) return false;
    const given = isNode(arg) ? {} : (arg ?? {});
    let force = given.force;
    if (!given.confirmed) {
      // Ask once, knowing which deployed functions read the key, instead of refusing after the answer.
      let usedBy: string[] = [];
      try {
        usedBy = (await client.getKey(name))?.usedBy ?? [];
      } catch (e) {
        void this.session.reportError(
          `${name} was not deleted from the cloud: ${errorMessage(e)}`,
          e instanceof CloudError && e.isUnreachable,
        );
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
      void this.session.reportError(
        `${name} was not deleted from the cloud: ${errorMessage(e)}`,
        e instanceof CloudError && e.isUnreachable,
      );
      return false;
    }
    await this.store.setCloudVersion(project, name, undefined);
    this.log.info(`Deleted ${name} from the cloud project ${project}.`);
    this.notify.status(`Deleted ${name} from the cloud.`);
    await this.refresh();
    return true;
  }

  /** Shows the conflict; the answer is handled when the person gives it, without holding up the caller. */
  private reportConflict(project: string, name: string, cloudVersion: number): void {
    const OVERWRITE = 'Push Anyway';
    void this.notify
      .warn(conflictMessage(name, cloudVersion, this.store.get(project, name)?.cloudVersion), OVERWRITE)
      .then((choice) => (choice === OVERWRITE ? this.push({ project, name, overwrite: true }) : undefined));
  }

  // ---- Plumbing ----

  /** The named project, the only one, or the one picked. */
  async pickProject(name?: string): Promise<string | undefined> {
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
}

type PushOutcome =
  | { kind: 'pushed'; version: number }
  | { kind: 'up-to-date'; version: number }
  | { kind: 'conflict'; cloudVersion: number }
  | { kind: 'failed'; reason: string; unreachable?: boolean };

function quotedList(names: string[]): string {
  return names.map((f) => `"${f}"`).join(', ');
}

function isNode(arg: unknown): arg is KeyNode {
  return typeof arg === 'object' && arg !== null && (arg as KeyNode).type === 'key';
}
