// The API Keys tree: projects (when there are several), then keys. Values are never shown;
// the tooltip, resolved only when hovered, shows a masked tail at most.
import * as vscode from 'vscode';
import { ContextKey } from '../constants';
import { maskTail } from '../shared/secretText';
import { KeyMeta, KeyStore } from './keyStore';
import { providerById, recogniseProvider } from './providers';
import { KeySyncRow, SYNC_LABEL } from './syncState';
import { WorkspaceProject, WorkspaceProjects } from '../project/workspaceProjects';

/** What the cloud side knows, per project; supplied by the cloud sync once signed in. */
export interface CloudStatusSource {
  readonly onDidChange: vscode.Event<void>;
  status(project: string): CloudProjectStatus;
}

export type CloudProjectStatus =
  | { kind: 'signed-out' }
  | { kind: 'loading' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'ok'; rows: ReadonlyMap<string, KeySyncRow> };

export type KeysNode = ProjectNode | KeyNode;

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
    this.disposables.push(store.onDidChange(() => this.refresh()), projects.onDidChange(() => this.refresh()), cloud.onDidChange(() => this.refresh()));
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

  async getChildren(element?: KeysNode): Promise<KeysNode[]> {
    const projects = await this.projects.all();
    if (!element) {
      const hasKeys = projects.some((p) => this.keysOf(p.project).length > 0);
      void vscode.commands.executeCommand('setContext', ContextKey.hasKeys, hasKeys);
      this.updateMessage(projects);
      if (projects.length === 1) return this.keysOf(projects[0]!.project);
      // No keys anywhere: an empty tree lets the welcome view show.
      if (!hasKeys && !this.filterText) return [];
      return projects.map((project) => ({ type: 'project', project }));
    }
    if (element.type === 'project') return this.keysOf(element.project.project);
    return [];
  }

  getTreeItem(node: KeysNode): vscode.TreeItem {
    if (node.type === 'project') {
      const item = new vscode.TreeItem(node.project.project, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `project:${node.project.project}`;
      item.iconPath = new vscode.ThemeIcon('folder-library');
      item.description = node.project.folder?.name ?? '';
      item.contextValue = 'project';
      item.tooltip = node.project.problem ?? (node.project.declared ? `Project ${node.project.project} (cloudxlr.json)` : `Project ${node.project.project}: no cloudxlr.json yet`);
      return item;
    }
    const provider = node.meta ? providerById(node.meta.provider) : recogniseProvider(node.name);
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
    item.id = `key:${node.project}/${node.name}`;
    item.iconPath = new vscode.ThemeIcon(node.meta ? provider.icon : 'cloud');
    const parts = [provider.label];
    if (node.sync) parts.push(SYNC_LABEL[node.sync.state] + (node.sync.cloud ? ` v${node.sync.cloud.version}` : ''));
    if (node.sync?.cloud?.usedBy.length) parts.push(`used by ${node.sync.cloud.usedBy.length}`);
    item.description = parts.join(' · ');
    // contextValue flags drive the item menus: `key` plus where the value is and its sync state.
    item.contextValue = ['key', node.meta ? 'local' : 'cloudOnly', node.sync?.cloud ? 'inCloud' : 'notInCloud', node.sync?.state ?? 'unknown'].join(':');
    item.accessibilityInformation = { label: `${node.name}, ${item.description}` };
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
    if (node.sync) md.appendMarkdown(`Sync: ${SYNC_LABEL[node.sync.state]}${node.sync.cloud ? ` (cloud version ${node.sync.cloud.version})` : ''}\n\n`);
    const usedBy = node.sync?.cloud?.usedBy ?? [];
    if (usedBy.length) md.appendMarkdown(`Used by: ${usedBy.map((f) => `\`${f}\``).join(', ')}`);
    return md;
  }

  private keysOf(project: string): KeyNode[] {
    const status = this.cloud.status(project);
    const rows = status?.kind === 'ok' ? status.rows : undefined;
    const local: KeyNode[] = this.store.list(project).map((meta) => ({ type: 'key', project, name: meta.name, meta, sync: rows?.get(meta.name) }));
    const cloudOnly: KeyNode[] = rows
      ? [...rows.values()].filter((r) => r.state === 'cloud-only').map((r) => ({ type: 'key', project, name: r.name, sync: r }))
      : [];
    const all = [...local, ...cloudOnly].sort((a, b) => a.name.localeCompare(b.name));
    const f = this.filterText.toUpperCase();
    return f ? all.filter((k) => k.name.includes(f) || (k.meta ? providerById(k.meta.provider).label.toUpperCase().includes(f) : false)) : all;
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
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
