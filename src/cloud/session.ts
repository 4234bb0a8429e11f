// The editor's connection to the cloud: the endpoint setting, the sign-in tokens (in
// SecretStorage, one per endpoint and project) and one client per signed-in project. Key sync,
// deploys, the Functions view and the local cloud all go through it, so a sign-in, a sign-out
// or a new endpoint reaches every one of them.
import * as vscode from 'vscode';
import { CommandId, DEFAULT_CLOUD_ENDPOINT, SettingId, StorageKey } from '../constants';
import type { Notifier } from '../ui/notify';
import { CloudClient, CloudError, isLoopback } from './client';

const START_LOCAL_CLOUD = 'Start Local Cloud';
const OPEN_SETTING = 'Change Endpoint';

export class CloudSession implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the endpoint changes or a project is signed in or out. */
  readonly onDidChange = this.changed.event;
  private readonly clients = new Map<string, CloudClient>();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly notify: Notifier,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SettingId.cloudEndpoint)) {
          this.resetClients();
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
    const client = new CloudClient({ endpoint: this.endpoint, project, token });
    this.clients.set(project, client);
    return client;
  }

  /**
   * A client for the project; when not signed in, offers Sign In and returns undefined.
   * `purpose` ends the sentence: "Sign in first." or "Sign in to deploy."
   */
  async requireClient(project: string, purpose = 'first'): Promise<CloudClient | undefined> {
    const client = await this.client(project);
    if (!client)
      void this.notify
        .warn(this.notSignedIn(project, purpose), 'Sign In')
        .then((c) => c && vscode.commands.executeCommand(CommandId.signIn, { project }));
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

  /** Checks the token against the cloud (throws the client's CloudError), then keeps it. */
  async signIn(project: string, token: string): Promise<void> {
    const probe = new CloudClient({ endpoint: this.endpoint, project, token, retries: 0 });
    try {
      await probe.listKeys();
    } finally {
      probe.dispose();
    }
    await this.secrets.store(this.tokenKey(project), token);
    this.dropClient(project);
    this.changed.fire();
  }

  async signOut(project: string): Promise<void> {
    await this.secrets.delete(this.tokenKey(project));
    this.dropClient(project);
    this.changed.fire();
  }

  /** Keeps one token for several projects (the local cloud's, which it was started with). */
  async storeToken(projects: readonly string[], token: string): Promise<void> {
    for (const p of projects) await this.secrets.store(this.tokenKey(p), token);
    this.resetClients();
    this.changed.fire();
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
