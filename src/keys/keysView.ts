// The API Keys tree: projects (when there are several), then keys. Values are never shown;
// the tooltip, resolved only when hovered, shows a masked tail at most.
import * as vscode from 'vscode';
import type { IdentityInfo } from '../api';
import { identityLabel, identityTooltip } from '../cloud/roles';
import { CommandId, ContextKey } from '../constants';
import { maskTail } from '../shared/secretText';
import { KeyMeta, KeyStore } from './keyStore';
import { providerById, recogniseProvider } from './providers';
import { KeySyncRow, SYNC_LABEL } from './syncState';
import { WorkspaceProject, WorkspaceProjects } from '../project/workspaceProjects';

/** What the cloud side knows, per project: the one cloud state every view reads (src/cloud/cloudState.ts). */
export interface CloudStatusSource {
  readonly onDidChange: vscode.Event<void>;
  status(project: string): CloudProjectStatus;
  /** Who the project's token stands for, with its role (undefined when not known). */
  identity(project: string): IdentityInfo | undefined;
  /** Keeps the state fresh while the view shows it (listed again when it is shown, on focus, now and then). */
  watch(view: StateView): vscode.Disposable;
}

/** What the cloud state needs of a view that shows it: whether a person can see it. */
export type StateView = Pick<vscode.TreeView<unknown>, 'visible' | 'onDidChangeVisibility'>;

export type CloudProjectStatus =
  | { kind: 'signed-out' }
  | { kind: 'loading' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; rows: ReadonlyMap<string, KeySyncRow> };

export type KeysNode = ProjectNode | KeyNode | NoMatchNode;

/** The row an empty filter result shows: says so, and clears the filter when clicked. */
export interface NoMatchNode {
  type: 'noMatch';
  filter: string;
}

export interface ProjectNode {
  type: 'project';
  project: WorkspaceProject;
}

export interface KeyNode {
  type: 'key';
  project: string;
  name: string;
  /** Undefined for a key that exists only in the cloud. */
  meta?: KeyMeta;
  sync?: KeySyncRow;
}

export class KeysView implements vscode.TreeDataProvider<KeysNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<KeysNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private filterText = '';
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private view: vscode.TreeView<KeysNode> | undefined;

  constructor(
    private readonly store: KeyStore,
    private readonly projects: WorkspaceProjects,
    private readonly cloud: CloudStatusSource,
  ) {
    this.disposables.push(
      store.onDidChange(() => this.refresh()),
      projects.onDidChange(() => this.refresh()),
      cloud.onDidChange(() => this.refresh()),
    );
  }

  attach(view: vscode.TreeView<KeysNode>): void {
    this.view = view;
    this.updateMessage();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    void vscode.commands.executeCommand('setContext', ContextKey.filtered, this.filterText !== '');
    this.updateMessage();
    this.refresh();
  }

  /** The key rows selected in the view (several with Ctrl or Shift), for its keybindings. */
  selectedKeys(): KeyNode[] {
    return (this.view?.selection ?? []).filter((n): n is KeyNode => n.type === 'key');
  }

  /**
   * The selected key rows for a keybinding. The editor tells the extension about a click a
   * moment after it happens, so a key pressed right after the first click may find no
   * selection yet: wait briefly for it.
   */
  async selectedKeysSoon(timeoutMs = 2000): Promise<KeyNode[]> {
    const now = this.selectedKeys();
    const view = this.view;
    if (now.length > 0 || !view) return now;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), timeoutMs);
      const listener = view.onDidChangeSelection(() => done());
      function done(): void {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      }
    });
    return this.selectedKeys();
  }

  async getChildren(element?: KeysNode): Promise<KeysNode[]> {
    const projects = await this.projects.all();
    if (!element) {
      const hasKeys = projects.some((p) => this.store.list(p.project).length > 0);
      const shown = projects.some((p) => this.keysOf(p.project).length > 0);
      void vscode.commands.executeCommand('setContext', ContextKey.hasKeys, hasKeys);
      void vscode.commands.executeCommand(
        'setContext',
        ContextKey.projectDeclared,
        projects.some((p) => p.declared),
      );
      this.updateMessage(projects);
      if (!shown && this.filterText) return [{ type: 'noMatch', filter: this.filterText }];
      if (projects.length === 1) return this.keysOf(projects[0]!.project);
      // No keys: an empty tree lets the welcome view show.
      if (!shown) return [];
      return projects.map((project) => ({ type: 'project', project }));
    }
    if (element.type === 'project') return this.keysOf(element.project.project);
    return [];
  }

  getTreeItem(node: KeysNode): vscode.TreeItem {
    if (node.type === 'noMatch') {
      const item = new vscode.TreeItem(`No key matches “${node.filter}”`, vscode.TreeItemCollapsibleState.None);
      item.id = 'noMatch';
      item.iconPath = new vscode.ThemeIcon('filter');
      item.description = 'Clear Filter';
      item.tooltip = 'Click to clear the filter and show every key.';
      item.contextValue = 'noMatch';
      item.command = { command: CommandId.clearFilter, title: 'Clear Filter' };
      return item;
    }
    if (node.type === 'project') {
      const item = new vscode.TreeItem(node.project.project, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `project:${node.project.project}`;
      item.iconPath = new vscode.ThemeIcon('folder-library');
      item.description = node.project.folder?.name ?? '';
      item.contextValue = 'project';
      const identity = this.cloud.identity(node.project.project);
      if (identity) item.description = identityLabel(identity);
      item.tooltip = [
        node.project.problem ??
          (node.project.declared
            ? `Project ${node.project.project} (cloudxlr.json)`
            : `Project ${node.project.project}: no cloudxlr.json yet`),
        identity ? identityTooltip(node.project.project, identity) : '',
      ]
        .filter(Boolean)
        .join('\n');
      return item;
    }
    const provider = node.meta ? providerById(node.meta.provider) : recogniseProvider(node.name);
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
    item.id = `key:${node.project}/${node.name}`;
    item.iconPath = new vscode.ThemeIcon(node.meta ? provider.icon : 'cloud');
    // Where the key stands comes first, so a narrow side bar cuts the least useful part; the
    // icon shows the provider, and the tooltip names it.
    const parts: string[] = [];
    if (node.sync) parts.push(SYNC_LABEL[node.sync.state] + (node.sync.cloud ? ` v${node.sync.cloud.version}` : ''));
    if (node.sync?.cloud?.usedBy.length) parts.push(`used by ${node.sync.cloud.usedBy.length}`);
    if (parts.length === 0) parts.push(provider.label);
    item.description = parts.join(' · ');
    // contextValue flags drive the item menus: `key` plus where the value is and its sync state.
    item.contextValue = [
      'key',
      node.meta ? 'local' : 'cloudOnly',
      node.sync?.cloud ? 'inCloud' : 'notInCloud',
      node.sync?.state ?? 'unknown',
    ].join(':');
    item.accessibilityInformation = {
      label: `${node.name}, ${provider.label}${parts[0] === provider.label ? '' : `, ${item.description}`}`,
    };
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: KeysNode): Promise<vscode.TreeItem> {
    if (node.type !== 'key') return item;
    item.tooltip = await this.tooltip(node);
    return item;
  }

  /** The tooltip a person sees on hover: provider, last change, masked tail, sync, functions. */
  async tooltip(node: KeyNode): Promise<vscode.MarkdownString> {
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${node.name}**\n\n`);
    const provider = node.meta ? providerById(node.meta.provider) : recogniseProvider(node.name);
    md.appendMarkdown(`$(${provider.icon}) ${provider.label}\n\n`);
    if (node.meta) {
      md.appendMarkdown(`Last changed: ${new Date(node.meta.updatedAt).toLocaleString()}\n\n`);
      const value = await this.store.value(node.project, node.name);
      md.appendText(value === undefined ? 'Value: missing on this machine' : `Value: ${maskTail(value)}`);
      md.appendMarkdown('\n\n');
    } else {
      md.appendMarkdown('The value is in the cloud only; the cloud never returns values.\n\n');
    }
    if (node.sync)
      md.appendMarkdown(
        `Sync: ${SYNC_LABEL[node.sync.state]}${node.sync.cloud ? ` (cloud version ${node.sync.cloud.version})` : ''}\n\n`,
      );
    const usedBy = node.sync?.cloud?.usedBy ?? [];
    if (usedBy.length) md.appendMarkdown(`Used by: ${usedBy.map((f) => `\`${f}\``).join(', ')}`);
    return md;
  }

  private keysOf(project: string): KeyNode[] {
    const status = this.cloud.status(project);
    const rows = status?.kind === 'ok' ? status.rows : undefined;
    // One row per name: the cloud's rows may predate a key added (or renamed) here since, so a
    // local key wins over a cloud-only row of the same name until the next refresh compares them.
    const local: KeyNode[] = this.store.list(project).map((meta) => {
      const row = rows?.get(meta.name);
      return { type: 'key', project, name: meta.name, meta, sync: row?.state === 'cloud-only' ? undefined : row };
    });
    const localNames = new Set(local.map((k) => k.name));
    const cloudOnly: KeyNode[] = rows
      ? [...rows.values()]
          .filter((r) => r.state === 'cloud-only' && !localNames.has(r.name))
          .map((r) => ({ type: 'key', project, name: r.name, sync: r }))
      : [];
    const all = [...local, ...cloudOnly].sort((a, b) => a.name.localeCompare(b.name));
    const f = this.filterText.toUpperCase();
    return f
      ? all.filter(
          (k) => k.name.includes(f) || (k.meta ? providerById(k.meta.provider).label.toUpperCase().includes(f) : false),
        )
      : all;
  }

  private updateMessage(projects?: WorkspaceProject[]): void {
    if (!this.view) return;
    const notes: string[] = [];
    if (this.filterText) notes.push(`Filtered by “${this.filterText}”.`);
    for (const p of projects ?? []) {
      const status = this.cloud.status(p.project);
      if (status?.kind === 'unreachable' || status?.kind === 'error') notes.push(status.message);
      if (p.problem) notes.push(p.problem);
    }
    this.view.message = notes.length ? [...new Set(notes)].join(' ') : undefined;
    if (projects) this.view.description = projects.map((p) => this.standing(p)).join('; ') || undefined;
  }

  /** The view's header: which project the keys belong to and whether it is signed in to the cloud. */
  private standing(p: WorkspaceProject): string {
    const status = this.cloud?.status(p.project);
    const cloud =
      !status || status.kind === 'signed-out'
        ? 'not signed in'
        : status.kind === 'unreachable'
          ? 'cloud unreachable'
          : 'signed in';
    const identity = status.kind === 'signed-out' ? undefined : this.cloud.identity(p.project);
    // Signed in with a role: who you are says more than "signed in".
    const who = identity && identity.kind !== 'project-token' ? identityLabel(identity) : cloud;
    return `${p.project}${p.declared ? '' : ' (no cloudxlr.json)'} · ${who}`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
