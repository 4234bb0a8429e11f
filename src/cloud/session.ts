// The editor's connection to the cloud: the endpoint setting, the sign-in tokens (in
// SecretStorage, one per endpoint and project) and one client per signed-in project. Key sync,
// deploys, the Functions view and the local cloud all go through it, so a sign-in, a sign-out
// or a new endpoint reaches every one of them.
import * as vscode from 'vscode';
import { PERMISSIONS, type IdentityInfo, type Permission } from '../api';
import { CommandId, ContextKey, DEFAULT_CLOUD_ENDPOINT, SettingId, StorageKey } from '../constants';
import { errorMessage } from '../shared/errorMessage';
import type { Notifier } from '../ui/notify';
import { CloudClient, CloudError, isLoopback } from './client';
import { deniedEverywhere, refusal, SERVICE_TOKEN_REFUSED, teamCloudAddressProblem, tokenKind } from './roles';

const START_LOCAL_CLOUD = 'Start Local Cloud';
const OPEN_SETTING = 'Change Endpoint';

export class CloudSession implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the endpoint changes or a project is signed in or out. */
  readonly onDidChange = this.changed.event;
  private readonly identityChanged = new vscode.EventEmitter<string>();
  /** Fires (with the project) when who the token stands for, or its role, is learnt or changes. */
  readonly onDidChangeIdentity = this.identityChanged.event;
  private readonly clients = new Map<string, CloudClient>();
  /** Each signed-in project's identity from `/me` once read; undefined for a cloud without identities. */
  private readonly identities = new Map<string, IdentityInfo | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.changed, this.identityChanged];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly notify: Notifier,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SettingId.cloudEndpoint)) {
          this.resetClients();
          this.forgetIdentities();
          this.changed.fire();
        }
      }),
    );
  }

  get endpoint(): string {
    return (vscode.workspace.getConfiguration().get<string>(SettingId.cloudEndpoint) || DEFAULT_CLOUD_ENDPOINT).replace(
      /\/+$/,
      '',
    );
  }

  /** A client for the project, or undefined when not signed in. */
  async client(project: string): Promise<CloudClient | undefined> {
    const existing = this.clients.get(project);
    if (existing) return existing;
    const token = await this.secrets.get(this.tokenKey(project));
    if (!token) return undefined;
    const client = new CloudClient({
      endpoint: this.endpoint,
      project,
      token,
      // A 403 means the role changed since it was read (or never allowed it): read it again, so
      // the views and menus follow.
      onForbidden: () => void this.refreshIdentity(project),
    });
    this.clients.set(project, client);
    return client;
  }

  /** Who the project's token stands for, once read; undefined when not known (or not signed in). */
  identity(project: string): IdentityInfo | undefined {
    return this.identities.get(project);
  }

  /** The sentence refusing `needed` to the project's identity, or undefined when it may. */
  refusal(project: string, needed: Permission): string | undefined {
    return refusal(project, this.identities.get(project), needed);
  }

  /** Reads the identity again from `/me` (at each listing of the cloud, and after a 403). */
  async refreshIdentity(project: string): Promise<IdentityInfo | undefined> {
    const client = await this.client(project);
    if (!client) {
      if (this.identities.delete(project)) this.identityUpdated(project);
      return undefined;
    }
    let next: IdentityInfo | undefined;
    try {
      next = (await client.me()).identity;
    } catch (e) {
      // An older cloud has no /me: it has one token per project, which may do everything.
      if (e instanceof CloudError && e.status === 404) next = undefined;
      // Unreachable or failing: keep what was known; the listing reports the problem.
      else return this.identities.get(project);
    }
    if ((await this.client(project)) !== client) return this.identities.get(project);
    const known = this.identities.has(project);
    const before = this.identities.get(project);
    this.identities.set(project, next);
    if (!known || JSON.stringify(before) !== JSON.stringify(next)) this.identityUpdated(project);
    return next;
  }

  /**
   * A client for the project; when not signed in, offers Sign In and returns undefined.
   * `purpose` ends the sentence: "Sign in first." or "Sign in to deploy."
   */
  async requireClient(project: string, purpose = 'first', needed?: Permission): Promise<CloudClient | undefined> {
    const client = await this.client(project);
    if (!client) {
      void this.notify
        .warn(this.notSignedIn(project, purpose), 'Sign In')
        .then((c) => c && vscode.commands.executeCommand(CommandId.signIn, { project }));
      return undefined;
    }
    const refused = needed && this.refusal(project, needed);
    if (refused) {
      void this.notify.warn(refused);
      return undefined;
    }
    return client;
  }

  /**
   * Shows an error about the cloud. When the cloud could not be reached at all, the notification
   * offers to start the local cloud (at a local endpoint) or to change the endpoint. Resolves
   * with the action chosen among `actions`.
   */
  async reportError(message: string, unreachable: boolean, ...actions: string[]): Promise<string | undefined> {
    if (!unreachable) return this.notify.error(message, ...actions);
    const fix = isLoopback(this.endpoint) ? START_LOCAL_CLOUD : OPEN_SETTING;
    const choice = await this.notify.error(message, ...actions, fix);
    if (choice === START_LOCAL_CLOUD) await vscode.commands.executeCommand(CommandId.startLocalCloud);
    else if (choice === OPEN_SETTING)
      await vscode.commands.executeCommand('workbench.action.openSettings', SettingId.cloudEndpoint);
    return choice === fix ? undefined : choice;
  }

  /**
   * What stops signing in to a cloud at `url`, checked before a token is asked for: not a
   * usable address, not reachable, not a CloudXLR cloud, or not ready (its database away).
   * Undefined when it answers both /v1/health and /v1/ready.
   */
  async checkCloud(url: string): Promise<{ problem: string; unreachable: boolean } | undefined> {
    const addressProblem = teamCloudAddressProblem(url);
    if (addressProblem) return { problem: addressProblem, unreachable: false };
    const probe = new CloudClient({ endpoint: url, project: '', token: '', retries: 0, timeoutMs: 5000 });
    try {
      await probe.health();
      await probe.ready();
      return undefined;
    } catch (e) {
      const unreachable = e instanceof CloudError && e.isUnreachable;
      const why =
        e instanceof CloudError && e.code === 'unavailable'
          ? `The CloudXLR cloud at ${url} answers but is not ready: its database is not reachable. Try again in a moment, or ask whoever runs it.`
          : e instanceof CloudError && e.code === 'bad_response'
            ? `The server at ${url} is not a CloudXLR cloud (it does not answer /v1/health and /v1/ready as one does). Check the address.`
            : errorMessage(e);
      return { problem: why, unreachable };
    } finally {
      probe.dispose();
    }
  }

  /** Whether the cloud answers at the endpoint; a short wait, no retries. */
  async reachable(): Promise<boolean> {
    const probe = new CloudClient({ endpoint: this.endpoint, project: '', token: '', retries: 0, timeoutMs: 3000 });
    try {
      await probe.health();
      return true;
    } catch (e) {
      return !(e instanceof CloudError && e.isUnreachable);
    } finally {
      probe.dispose();
    }
  }

  /** The sentence shown when a project has no token here. */
  notSignedIn(project: string, purpose = 'first'): string {
    return `Not signed in to the CloudXLR project ${project} at ${this.endpoint}. Sign in ${purpose}.`;
  }

  /**
   * Checks the token against the cloud (throws the client's CloudError), then keeps it in
   * SecretStorage. With `endpoint`, the token is checked there, and the endpoint becomes this
   * workspace's setting before the token is kept. Resolves with who the token stands for
   * (undefined on a cloud without identities).
   */
  async signIn(project: string, token: string, endpoint?: string): Promise<IdentityInfo | undefined> {
    // A CI token in the editor would be kept on a developer's machine: it belongs in CI.
    if (tokenKind(token) === 'service') throw new CloudError('invalid_request', 0, SERVICE_TOKEN_REFUSED);
    const at = (endpoint ?? this.endpoint).replace(/\/+$/, '');
    const probe = new CloudClient({ endpoint: at, project, token, retries: 0 });
    let identity: IdentityInfo | undefined;
    try {
      identity = (await probe.me()).identity;
    } catch (e) {
      if (!(e instanceof CloudError && e.status === 404 && e.code === 'not_found')) throw e;
      // An older cloud without /me: the token is checked by listing the keys.
      await probe.listKeys();
    } finally {
      probe.dispose();
    }
    if (endpoint !== undefined) {
      // This workspace's setting (the user's, without a folder open), so the next window of this
      // workspace talks to the same cloud whatever other workspaces use.
      const config = vscode.workspace.getConfiguration();
      const inWorkspace = !!vscode.workspace.workspaceFolders?.length;
      const kept = config.inspect<string>(SettingId.cloudEndpoint);
      if ((inWorkspace ? kept?.workspaceValue : kept?.globalValue) !== at)
        await config.update(
          SettingId.cloudEndpoint,
          at,
          inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global,
        );
    }
    await this.secrets.store(this.tokenKey(project), token);
    this.dropClient(project);
    this.identities.set(project, identity);
    this.identityUpdated(project);
    this.changed.fire();
    return identity;
  }

  async signOut(project: string): Promise<void> {
    await this.secrets.delete(this.tokenKey(project));
    this.dropClient(project);
    if (this.identities.delete(project)) this.identityUpdated(project);
    this.changed.fire();
  }

  /** Keeps one token for several projects (the local cloud's, which it was started with). */
  async storeToken(projects: readonly string[], token: string): Promise<void> {
    for (const p of projects) await this.secrets.store(this.tokenKey(p), token);
    this.resetClients();
    this.changed.fire();
  }

  private forgetIdentities(): void {
    const projects = [...this.identities.keys()];
    this.identities.clear();
    for (const p of projects) this.identityUpdated(p);
  }

  /** Announces an identity change and sets the context keys the menus' `when` clauses read. */
  private identityUpdated(project: string): void {
    const denied = new Set(deniedEverywhere([...this.identities.values()]));
    for (const p of PERMISSIONS)
      void vscode.commands.executeCommand('setContext', `${ContextKey.deniedPrefix}${p}`, denied.has(p));
    this.identityChanged.fire(project);
  }

  private tokenKey(project: string): string {
    return `${StorageKey.tokenPrefix}${this.endpoint}/${project}`;
  }

  private dropClient(project: string): void {
    this.clients.get(project)?.dispose();
    this.clients.delete(project);
  }

  private resetClients(): void {
    for (const c of this.clients.values()) c.dispose();
    this.clients.clear();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.resetClients();
  }
}
