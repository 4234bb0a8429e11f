// What the Functions view and the function commands know about each project's functions: the
// deploy core's discovery (cheap, cached until a file changes), and, when loaded, each
// function's analysis (bundle and key references) and its deployed release. The tree
// (./functionsTree.ts) decides when to load: only while it is visible, or when read.
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import { ContextKey } from '../../constants';
import type { FunctionSummary } from '../../api';
import { analyzeFunction, discoverFunctions, type FunctionAnalysis, type LocalFunction } from '..';
import type { CloudSession } from '../../cloud/session';
import type { CloudStatusSource } from '../../keys/keysView';
import type { KeyStore } from '../../keys/keyStore';
import type { WorkspaceProject, WorkspaceProjects } from '../../project/workspaceProjects';
import { errorMessage } from '../../shared/errorMessage';

/** A project's functions as found on disk (cheap: no bundling), for commands and menus. */
export interface DiscoveredProject {
  project: WorkspaceProject;
  /** The workspace folder (absolute), or undefined without a folder. */
  root: string | undefined;
  functions: LocalFunction[];
}

/** One project's functions as last loaded. */
export interface ProjectFunctions {
  project: WorkspaceProject;
  /** The workspace folder (absolute), or undefined without a folder. */
  root: string | undefined;
  functions: FunctionEntry[];
  /** Deployed functions without a local source. */
  cloudOnly: FunctionSummary[];
  cloud: { kind: 'signed-out' } | { kind: 'ok' } | { kind: 'error'; message: string };
}

export interface FunctionEntry {
  fn: LocalFunction;
  /** Undefined in an untrusted workspace (nothing is bundled there). */
  analysis?: FunctionAnalysis;
  deployed?: FunctionSummary;
}

export class FunctionsModel implements vscode.Disposable {
  private readonly loadedEvent = new vscode.EventEmitter<void>();
  /** Fires after every load, when `current` holds its result. */
  readonly onDidLoad = this.loadedEvent.event;
  private readonly staleEvent = new vscode.EventEmitter<void>();
  /** Fires when something the loaded functions depend on changed. */
  readonly onDidGoStale = this.staleEvent.event;
  private readonly disposables: vscode.Disposable[] = [this.loadedEvent, this.staleEvent];
  private watchers: vscode.Disposable[] = [];
  private loaded: Promise<ProjectFunctions[]> | undefined;
  /** The functions of every project as last loaded. */
  current: ProjectFunctions[] = [];
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private readonly cache = new Map<string, { stamp: string; analysis: FunctionAnalysis }>();
  private discovered: Promise<DiscoveredProject[]> | undefined;
  /** Something changed since the last load. */
  stale = true;
  /** A load has completed: `current` holds functions. */
  hasLoaded = false;

  constructor(
    private readonly projects: WorkspaceProjects,
    private readonly session: CloudSession,
    cloud: CloudStatusSource,
    store: KeyStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      projects.onDidChange(() => {
        void this.watch();
        this.filesChanged();
      }),
      cloud.onDidChange(() => this.markStale()),
      store.onDidChange(() => this.markStale()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.markStale()),
    );
    void this.watch();
  }

  /** Each project's functions on disk, without bundling; cached until a file changes. */
  discover(): Promise<DiscoveredProject[]> {
    this.discovered ??= (async () => {
      const out: DiscoveredProject[] = [];
      for (const project of await this.projects.all()) {
        const root = project.folder?.uri.fsPath;
        out.push({ project, root, functions: root ? await discoverFunctions(root, project.functionsDir) : [] });
      }
      const files: string[] = [];
      for (const d of out) {
        for (const f of d.functions) {
          files.push(f.entry);
          if (/^index\.[jt]s$/.test(path.basename(f.entry))) files.push(path.dirname(f.entry));
        }
      }
      void vscode.commands.executeCommand('setContext', ContextKey.functionFiles, files);
      return out;
    })();
    const current = this.discovered;
    current.catch(() => {
      if (this.discovered === current) this.discovered = undefined;
    });
    return current;
  }

  /** Reloads the functions, their keys and the cloud's releases. */
  refresh(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          this.stale = false;
          this.discovered = undefined;
          const next = this.load();
          this.loaded = next;
          this.current = await next;
          this.hasLoaded = true;
        } while (this.reloadAgain);
      } catch (e) {
        this.log.warn(`Functions view: ${errorMessage(e)}`);
      } finally {
        this.reloading = undefined;
        this.loadedEvent.fire();
      }
    })();
    return this.reloading;
  }

  /** After a change made by a command: discovery and the loaded functions are out of date. */
  invalidate(): void {
    this.discovered = undefined;
    this.markStale();
  }

  /** The functions of every project, as loaded last (loading them when out of date). */
  async snapshot(): Promise<ProjectFunctions[]> {
    if (!this.loaded || this.stale) await this.refresh();
    try {
      return await (this.loaded ?? Promise.resolve(this.current));
    } catch {
      return this.current;
    }
  }

  /** The local function whose entry (or index-file folder) is `uri`, with its project. */
  async functionAt(uri: vscode.Uri): Promise<{ data: DiscoveredProject; fn: LocalFunction } | undefined> {
    const file = path.resolve(uri.fsPath);
    for (const data of await this.discover()) {
      for (const fn of data.functions) {
        if (
          path.resolve(fn.entry) === file ||
          (path.resolve(path.dirname(fn.entry)) === file && /^index\.[jt]s$/.test(path.basename(fn.entry)))
        )
          return { data, fn };
      }
    }
    return undefined;
  }

  private markStale(): void {
    this.stale = true;
    this.staleEvent.fire();
  }

  private async load(): Promise<ProjectFunctions[]> {
    const out: ProjectFunctions[] = [];
    for (const { project, root, functions: local } of await this.discover()) {
      const data: ProjectFunctions = { project, root, functions: [], cloudOnly: [], cloud: { kind: 'signed-out' } };
      for (const fn of local) {
        const entry: FunctionEntry = { fn };
        if (root && !fn.problem && vscode.workspace.isTrusted) {
          const analysis = await this.analyze(root, fn);
          if (analysis) entry.analysis = analysis;
        }
        data.functions.push(entry);
      }
      const client = await this.session.client(project.project);
      if (client) {
        try {
          const deployed = await client.listFunctions();
          for (const d of deployed) {
            const entry = data.functions.find((f) => f.fn.name === d.name);
            if (entry) entry.deployed = d;
            else data.cloudOnly.push(d);
          }
          data.cloud = { kind: 'ok' };
        } catch (e) {
          data.cloud = { kind: 'error', message: errorMessage(e) };
        }
      }
      out.push(data);
    }
    return out;
  }

  /** Bundles and scans a function, reusing the last result while none of its files changed. */
  private async analyze(root: string, fn: LocalFunction): Promise<FunctionAnalysis | undefined> {
    const cached = this.cache.get(fn.entry);
    if (cached && cached.stamp === stampOf([fn.entry, ...(cached.analysis.bundle?.sourceFiles ?? [])]))
      return cached.analysis;
    try {
      const analysis = await analyzeFunction(root, fn);
      // A failed bundle has no file list: it is analysed again next time.
      if (analysis.bundle)
        this.cache.set(fn.entry, { stamp: stampOf([fn.entry, ...analysis.bundle.sourceFiles]), analysis });
      else this.cache.delete(fn.entry);
      return analysis;
    } catch (e) {
      this.log.warn(`Functions view: ${fn.relativePath} could not be analysed: ${errorMessage(e)}`);
      return undefined;
    }
  }

  /** A function file appeared or went away: discovery (and the explorer menu) is out of date. */
  private filesChanged(): void {
    this.discovered = undefined;
    void this.discover();
    this.markStale();
  }

  /** Watches each project's functions folder. */
  private async watch(): Promise<void> {
    const next: vscode.Disposable[] = [];
    for (const p of await this.projects.all()) {
      if (!p.folder) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(p.folder, `${p.functionsDir}/**`),
      );
      next.push(
        watcher,
        watcher.onDidCreate(() => this.filesChanged()),
        watcher.onDidChange(() => this.markStale()),
        watcher.onDidDelete(() => this.filesChanged()),
      );
    }
    for (const d of this.watchers) d.dispose();
    this.watchers = next;
  }

  dispose(): void {
    for (const d of [...this.disposables, ...this.watchers]) d.dispose();
  }
}

function stampOf(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const s = fs.statSync(f);
        return `${f}:${s.mtimeMs}:${s.size}`;
      } catch {
        return `${f}:gone`;
      }
    })
    .join('|');
}
