// The Functions tree: each project's local functions, the keys each one reads and, when signed
// in, its deployed release and URL. Functions deployed from elsewhere (no local source) are
// listed too, so they can be invoked, rolled back or deleted. The tree never shows a value:
// keys are names with where they are stored. What it shows comes from ./functionsModel.ts,
// loaded while the tree is visible.
import * as vscode from 'vscode';
import * as path from 'path';
import { ViewId } from '../../constants';
import type { FunctionSummary } from '../../api';
import { keyNames, type SourceLocation } from '..';
import type { CloudStatusSource } from '../../keys/keysView';
import { identityLabel, identityTooltip } from '../../cloud/roles';
import type { KeyStore } from '../../keys/keyStore';
import type { FunctionEntry, FunctionsModel, ProjectFunctions } from './functionsModel';

export type KeyState = 'in-cloud' | 'local-only' | 'missing' | 'local' | 'unknown';

export type FunctionsNode = ProjectNode | FunctionNode | FunctionKeyNode | ProblemNode;

export interface ProjectNode {
  type: 'project';
  project: string;
  data: ProjectFunctions;
}

export interface FunctionNode {
  type: 'function';
  project: string;
  name: string;
  root: string | undefined;
  local?: FunctionEntry;
  deployed?: FunctionSummary;
  signedIn: boolean;
}

export interface FunctionKeyNode {
  type: 'functionKey';
  project: string;
  function: string;
  name: string;
  state: KeyState;
  cloudVersion?: number;
  /** The first place the function reads it. */
  location?: SourceLocation;
}

export interface ProblemNode {
  type: 'problem';
  project: string;
  function: string;
  message: string;
  location?: SourceLocation;
}

const KEY_LABEL: Record<KeyState, string> = {
  'in-cloud': 'in vault',
  'local-only': 'local only',
  missing: 'missing: add it first',
  local: 'on this machine',
  unknown: 'not on this machine',
};

export class FunctionsTree implements vscode.TreeDataProvider<FunctionsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FunctionsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<FunctionsNode>;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly model: FunctionsModel,
    private readonly cloud: CloudStatusSource,
    private readonly store: KeyStore,
  ) {
    this.view = vscode.window.createTreeView(ViewId.functions, { treeDataProvider: this, showCollapseAll: true });
    this.disposables = [
      this.changed,
      this.view,
      model.onDidLoad(() => {
        this.showNotes();
        this.showIdentity();
        this.changed.fire(undefined);
      }),
      model.onDidGoStale(() => this.schedule()),
      // Each key's state is the cloud state's, read when a row is drawn: redraw at once.
      cloud.onDidChange(() => {
        this.showIdentity();
        this.changed.fire(undefined);
      }),
      cloud.watch(this.view),
      // Bundling for the tree happens only while it is visible (or when a test or command reads it).
      this.view.onDidChangeVisibility((e) => e.visible && this.model.stale && void this.model.refresh()),
      { dispose: () => this.timer && clearTimeout(this.timer) },
    ];
  }

  /** Reloads the functions, their keys and the cloud's releases; resolves when the tree shows them. */
  refresh(): Promise<void> {
    return this.model.refresh();
  }

  async getChildren(element?: FunctionsNode): Promise<FunctionsNode[]> {
    // Once loaded, a draw never waits for a reload: the key rows follow the cloud state at once,
    // from the functions as last loaded, and a reload that is due draws again when it is done.
    // (The editor drops a draw still under way when another is asked for.)
    if (this.model.hasLoaded && this.model.stale) this.schedule();
    const all = this.model.hasLoaded ? this.model.current : await this.model.snapshot();
    if (!element) {
      const withFunctions = all.filter((d) => d.functions.length > 0 || d.cloudOnly.length > 0);
      // No functions anywhere: an empty tree lets the welcome view show.
      if (withFunctions.length === 0) return [];
      if (all.length === 1) return this.functionNodes(all[0]!);
      return withFunctions.map((data) => ({ type: 'project', project: data.project.project, data }));
    }
    if (element.type === 'project') return this.functionNodes(element.data);
    if (element.type === 'function') return this.childrenOf(element);
    return [];
  }

  getTreeItem(node: FunctionsNode): vscode.TreeItem {
    switch (node.type) {
      case 'project': {
        const item = new vscode.TreeItem(node.project, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `fnproject:${node.project}`;
        item.iconPath = new vscode.ThemeIcon('folder-library');
        item.description = node.data.project.folder?.name ?? '';
        item.contextValue = `functionsProject:${node.data.cloud.kind === 'ok' ? 'signedIn' : 'signedOut'}`;
        const identity = this.cloud.identity(node.project);
        if (identity) item.description = identityLabel(identity);
        item.tooltip = [
          `Functions of project ${node.project} in ${node.data.project.functionsDir}/`,
          identity ? identityTooltip(node.project, identity) : '',
        ]
          .filter(Boolean)
          .join('\n');
        return item;
      }
      case 'function':
        return this.functionItem(node);
      case 'functionKey': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.id = `fnkey:${node.project}/${node.function}/${node.name}`;
        const warn = node.state === 'missing' || node.state === 'unknown';
        item.iconPath = warn
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
          : new vscode.ThemeIcon(node.state === 'local-only' ? 'cloud-upload' : 'key');
        item.description = KEY_LABEL[node.state] + (node.cloudVersion !== undefined ? ` v${node.cloudVersion}` : '');
        item.tooltip = `${node.function} reads ${node.name} with ctx.secrets.get("${node.name}"): ${item.description}${node.state === 'local-only' ? ', uploaded to the vault on deploy' : ''}. Only the name is deployed; the value is read from the vault at each call.`;
        item.contextValue = `functionKey:${node.state}`;
        if (node.location) item.command = openCommand(node.location);
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = `fnproblem:${node.project}/${node.function}/${node.location ? `${node.location.file}:${node.location.line}:${node.location.column}` : ''}:${node.message.slice(0, 80)}`;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.tooltip = node.message;
        item.contextValue = 'functionProblem';
        if (node.location) {
          item.description = `${path.basename(node.location.file)}:${node.location.line}`;
          item.command = openCommand(node.location);
        }
        return item;
      }
    }
  }

  private functionItem(node: FunctionNode): vscode.TreeItem {
    const entry = node.local;
    const problems = entry ? problemCount(entry) : 0;
    const hasChildren = entry
      ? keyNames(entry.analysis?.references ?? []).length > 0 || problems > 0
      : (node.deployed?.secrets.length ?? 0) > 0;
    const item = new vscode.TreeItem(
      node.name,
      hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `fn:${node.project}/${node.name}`;
    const parts: string[] = [];
    if (node.deployed) parts.push(`release ${node.deployed.release}`, 'deployed');
    else if (node.signedIn) parts.push('not deployed');
    if (!entry) parts.push('no local source');
    if (problems > 0) parts.push(problems === 1 ? '1 problem' : `${problems} problems`);
    item.description = parts.join(' · ');
    item.iconPath =
      problems > 0
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon(node.deployed ? 'symbol-event' : 'symbol-function');
    // function:<local|cloudOnly>:<deployed|notDeployed|signedOut>
    item.contextValue = [
      'function',
      entry ? 'local' : 'cloudOnly',
      node.deployed ? 'deployed' : node.signedIn ? 'notDeployed' : 'signedOut',
    ].join(':');
    if (entry) {
      item.resourceUri = vscode.Uri.file(entry.fn.entry);
      item.command = { command: 'vscode.open', title: 'Open Function', arguments: [vscode.Uri.file(entry.fn.entry)] };
    }
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${node.name}**\n\n`);
    if (entry) md.appendMarkdown(`Source: \`${entry.fn.relativePath}\`\n\n`);
    if (node.deployed) {
      md.appendMarkdown(
        `Release ${node.deployed.release}, deployed ${new Date(node.deployed.updatedAt).toLocaleString()}\n\n`,
      );
      md.appendMarkdown(`URL: ${node.deployed.url}\n\n`);
    } else if (!node.signedIn) md.appendMarkdown('Sign in to see its deployed release.\n\n');
    const keys = entry ? keyNames(entry.analysis?.references ?? []) : (node.deployed?.secrets ?? []).map((s) => s.name);
    md.appendMarkdown(keys.length ? `Reads: ${keys.map((k) => `\`${k}\``).join(', ')}` : 'Reads no keys.');
    item.tooltip = md;
    item.accessibilityInformation = { label: `Function ${node.name}, ${item.description}` };
    return item;
  }

  private functionNodes(data: ProjectFunctions): FunctionNode[] {
    const signedIn = data.cloud.kind === 'ok';
    const nodes: FunctionNode[] = data.functions.map((entry) => {
      const n: FunctionNode = {
        type: 'function',
        project: data.project.project,
        name: entry.fn.name,
        root: data.root,
        local: entry,
        signedIn,
      };
      if (entry.deployed) n.deployed = entry.deployed;
      return n;
    });
    for (const d of data.cloudOnly)
      nodes.push({
        type: 'function',
        project: data.project.project,
        name: d.name,
        root: data.root,
        deployed: d,
        signedIn,
      });
    return nodes.sort((a, b) => a.name.localeCompare(b.name));
  }

  private childrenOf(node: FunctionNode): FunctionsNode[] {
    const out: FunctionsNode[] = [];
    const entry = node.local;
    if (entry) {
      if (entry.fn.problem)
        out.push({ type: 'problem', project: node.project, function: node.name, message: entry.fn.problem });
      for (const e of entry.analysis?.bundleErrors ?? []) out.push(problemNode(node, e.message, e.location));
      for (const p of entry.analysis?.problems ?? []) out.push(problemNode(node, p.message, p));
      const refs = entry.analysis?.references ?? [];
      for (const name of keyNames(refs))
        out.push(
          this.keyNode(
            node,
            name,
            refs.find((r) => r.name === name),
          ),
        );
    } else {
      for (const s of node.deployed?.secrets ?? []) out.push(this.keyNode(node, s.name, undefined));
    }
    return out;
  }

  private keyNode(fn: FunctionNode, name: string, location: SourceLocation | undefined): FunctionKeyNode {
    const local = this.store.get(fn.project, name) !== undefined;
    const status = this.cloud.status(fn.project);
    let state: KeyState;
    let cloudVersion: number | undefined;
    if (status.kind === 'ok') {
      const row = status.rows.get(name);
      cloudVersion = row?.cloud?.version;
      state = row?.cloud ? 'in-cloud' : local ? 'local-only' : 'missing';
    } else {
      state = local ? 'local' : 'unknown';
    }
    const node: FunctionKeyNode = { type: 'functionKey', project: fn.project, function: fn.name, name, state };
    if (cloudVersion !== undefined) node.cloudVersion = cloudVersion;
    if (location) node.location = { file: location.file, line: location.line, column: location.column };
    return node;
  }

  /** The view's message: why functions are not bundled, and a cloud that could not be read. */
  private showNotes(): void {
    const notes: string[] = [];
    if (!vscode.workspace.isTrusted)
      notes.push('This workspace is not trusted: functions are listed but not bundled or deployed.');
    for (const d of this.model.current) if (d.cloud.kind === 'error') notes.push(d.cloud.message);
    this.view.message = notes.length ? [...new Set(notes)].join(' ') : undefined;
  }

  /** The view's header: who you are in each project signed in with a member's (or a service) token, and the role. */
  private showIdentity(): void {
    const who = this.model.current
      .map((d) => ({ project: d.project.project, identity: this.cloud.identity(d.project.project) }))
      .filter((p) => p.identity && p.identity.kind !== 'project-token')
      .map((p) => `${p.project} · ${identityLabel(p.identity!)}`);
    this.view.description = who.length ? who.join('; ') : undefined;
  }

  /** Coalesces bursts of changes (saving several files, a key import) into one reload while visible. */
  private schedule(): void {
    if (!this.view.visible) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.model.refresh();
    }, 300);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function problemCount(entry: FunctionEntry): number {
  return (
    (entry.fn.problem ? 1 : 0) + (entry.analysis?.bundleErrors?.length ?? 0) + (entry.analysis?.problems.length ?? 0)
  );
}

function problemNode(fn: FunctionNode, message: string, location: SourceLocation | undefined): ProblemNode {
  const n: ProblemNode = { type: 'problem', project: fn.project, function: fn.name, message };
  if (location) n.location = { file: location.file, line: location.line, column: location.column };
  return n;
}

/** A command that opens a file at a 1-based line and column. */
export function openCommand(location: SourceLocation): vscode.Command {
  const position = new vscode.Position(Math.max(0, location.line - 1), Math.max(0, location.column - 1));
  return {
    command: 'vscode.open',
    title: 'Open',
    arguments: [
      vscode.Uri.file(location.file),
      { selection: new vscode.Range(position, position) } satisfies vscode.TextDocumentShowOptions,
    ],
  };
}
