// Where each project stands with the cloud: signed out, unreachable, or each key's sync state
// from digests. The one state the API Keys view, the Functions view and the sync commands all
// read. It follows sign-in and sign-out at once, and lists the cloud again when a view that
// shows it is shown, when the window gets focus, and once a minute while a view shows it; at
// most once every few seconds, and not at all while nothing shows it or nothing is signed in.
import * as vscode from 'vscode';
import type { IdentityInfo } from '../api';
import { ContextKey } from '../constants';
import { errorMessage } from '../shared/errorMessage';
import { digestOf } from '../shared/secretText';
import type { KeyStore } from '../keys/keyStore';
import type { CloudProjectStatus, CloudStatusSource, StateView } from '../keys/keysView';
import { computeSyncStates } from '../keys/syncState';
import type { WorkspaceProjects } from '../project/workspaceProjects';
import { CloudError } from './client';
import type { CloudSession } from './session';

/** Automatic listings (focus, a view shown, the timer) are at least this far apart. */
export const AUTO_REFRESH_GAP_MS = 3_000;
/** While a view shows the state and the window has focus, the cloud is listed this often. */
export const AUTO_REFRESH_INTERVAL_MS = 60_000;

export class CloudState implements CloudStatusSource, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly statuses = new Map<string, CloudProjectStatus>();
  private readonly views = new Set<StateView>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private lastListed = 0;

  constructor(
    private readonly session: CloudSession,
    private readonly store: KeyStore,
    private readonly projects: WorkspaceProjects,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const timer = setInterval(() => vscode.window.state.focused && this.refreshIfShown(), AUTO_REFRESH_INTERVAL_MS);
    this.disposables.push(
      session.onDidChange(() => void this.followSession()),
      // A role learnt or changed (after a 403, say) redraws the views and their menus at once.
      session.onDidChangeIdentity(() => this.changed.fire()),
      store.onDidChange(() => void this.refresh()),
      projects.onDidChange(() => void this.refresh()),
      vscode.window.onDidChangeWindowState((s) => s.focused && this.refreshIfShown()),
      { dispose: () => clearInterval(timer) },
    );
  }

  status(project: string): CloudProjectStatus {
    return this.statuses.get(project) ?? { kind: 'signed-out' };
  }

  identity(project: string): IdentityInfo | undefined {
    return this.session.identity(project);
  }

  /** Keeps the state fresh while `view` is visible: listed again each time it is shown. */
  watch(view: StateView): vscode.Disposable {
    this.views.add(view);
    const listener = view.onDidChangeVisibility((e) => e.visible && this.refreshIfShown());
    return {
      dispose: () => {
        listener.dispose();
        this.views.delete(view);
      },
    };
  }

  /** A project was signed out: every view says so now, before any listing. */
  signedOut(project: string): Promise<void> {
    this.statuses.set(project, { kind: 'signed-out' });
    return this.announce();
  }

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
          this.lastListed = Date.now();
        } while (this.refreshAgain);
      } finally {
        this.refreshing = undefined;
        await this.announce();
      }
    })();
    return this.refreshing;
  }

  /** Lists one project's cloud keys now (before a push decides how to push), without announcing it. */
  async refreshProject(project: string): Promise<void> {
    const client = await this.session.client(project);
    if (!client) {
      this.statuses.set(project, { kind: 'signed-out' });
      return;
    }
    let next: CloudProjectStatus;
    // Who the token stands for is read with each listing, so a role changed by an owner shows.
    const identity = this.session.refreshIdentity(project);
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
      next = { kind: 'ok', rows };
    } catch (e) {
      const message = errorMessage(e);
      next = e instanceof CloudError && e.isUnreachable ? { kind: 'unreachable', message } : { kind: 'error', message };
      this.log.warn(`Project ${project}: ${message}`);
    }
    await identity;
    // Signed out (or signed in again elsewhere) while the listing was under way: it is not this
    // session's answer any more.
    if ((await this.session.client(project)) !== client) return;
    this.statuses.set(project, next);
  }

  /** Sign-in or sign-out, or a new endpoint: the projects without a token are signed out at once, then the rest listed. */
  private async followSession(): Promise<void> {
    let dropped = false;
    for (const p of await this.projects.all()) {
      if (this.status(p.project).kind !== 'signed-out' && !(await this.session.client(p.project))) {
        this.statuses.set(p.project, { kind: 'signed-out' });
        dropped = true;
      }
    }
    if (dropped) await this.announce();
    await this.refresh();
  }

  /** Lists again when something shows the state, unless it was listed a moment ago. */
  private refreshIfShown(): void {
    if (![...this.views].some((v) => v.visible)) return;
    if (![...this.statuses.values()].some((s) => s.kind !== 'signed-out')) return;
    if (this.refreshing || Date.now() - this.lastListed < AUTO_REFRESH_GAP_MS) return;
    void this.refresh();
  }

  private async announce(): Promise<void> {
    const signedIn = [...this.statuses.values()].some((s) => s.kind !== 'signed-out');
    await vscode.commands.executeCommand('setContext', ContextKey.signedIn, signedIn);
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
