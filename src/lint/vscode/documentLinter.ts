// Lints open documents as they change: debounced, incremental (the engine rescans only the
// text around the edits), cancelled when a newer version supersedes a run, and chunked so a
// 5 MB minified file never holds up the extension host. Turns findings into Diagnostics.
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../../constants';
import {
  IncrementalScanner,
  ruleDocUrl,
  type Finding,
  type KnownValueIndex,
  type ScanOptions,
  type TextChange,
} from '../engine';
import type { FileKind } from '../engine/types';
import type { WorkspaceProject, WorkspaceProjects } from '../../project/workspaceProjects';
import { scanFile } from './diskScan';
import type { PublishedFinding } from './published';
import { composeChanges } from '../fixText';
import { GitHistory } from '../gitHistory';
import { chooseFile, readSettings, toDiagnosticSeverity, type LintSettings } from './settings';
import { errorMessage } from '../../shared/errorMessage';

export const DEBOUNCE_MS = 250;
/** Most diagnostics shown for one file (a bundle full of keys is one problem, not 10,000). */
export const MAX_DIAGNOSTICS_PER_FILE = 500;
/** Findings whose git history is looked up per run. */
const MAX_GIT_LOOKUPS = 50;
/** Most files a stored-key change re-reads from disk in the background (see refreshScanned). */
const REFRESH_ALL_MAX = 5_000;
/** An edit replacing more than this share of a document is scanned as a new text. */
const RESET_SHARE = 0.5;
/** Longest a lint waits for the stored values being read again (SecretStorage can be slow remotely). */
const KNOWN_VALUES_WAIT_MS = 3_000;

export type { PublishedFinding } from './published';

interface DocState {
  uri: vscode.Uri;
  kind: FileKind;
  project: WorkspaceProject | undefined;
  scanner: IncrementalScanner;
  /** The scanner's text is stale: scan the whole document. */
  needsReset: boolean;
  /** Edits since the scanner's text, as one change (valid when !needsReset). */
  pending: TextChange | undefined;
  timer: NodeJS.Timeout | undefined;
  run: vscode.CancellationTokenSource | undefined;
  published: PublishedFinding[];
}

/** A document's diagnostics were published. */
export interface LintEvent {
  uri: vscode.Uri;
  version: number;
  findings: number;
  /** The longest stretch this run held the extension host's thread (ms): scanning, then publishing. */
  blockedMs: number;
  /** CPU time of the process during that stretch (ms): the work itself, without waits for a busy machine's cores. */
  cpuMs: number;
  /** Whether the run rescanned only the text around the edits. */
  incremental: boolean;
  /** Where the time of the last synchronous stretch went (ms): reading the text, scanning, findings, diagnostics. */
  phases: { text: number; scan: number; findings: number; publish: number };
}

export class DocumentLinter implements vscode.Disposable {
  private readonly docs = new Map<string, DocState>();
  private knownValues: KnownValueIndex | undefined;
  /** The stored values being read again; lints wait for it (see `waitForKnownValues`). */
  private knownValuesLoad: Promise<void> | undefined;
  /** Files Scan Workspace reported on, and how they are linted. */
  private readonly scanned = new Map<string, FileKind>();
  private scannedGeneration = 0;
  private settings: LintSettings = readSettings();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly linted = new vscode.EventEmitter<LintEvent>();
  /** Fires after diagnostics of a document were published, with the run's cost (tests read it). */
  readonly onDidLint = this.linted.event;
  private readonly settledClosed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires once a closed document's diagnostics are settled: cleared, or read again from disk. */
  readonly onDidSettleClosed = this.settledClosed.event;

  constructor(
    readonly collection: vscode.DiagnosticCollection,
    private readonly projects: WorkspaceProjects,
    private readonly git: GitHistory,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.linted,
      this.settledClosed,
      vscode.workspace.onDidOpenTextDocument((d) => void this.track(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.closed(d)),
    );
  }

  /** Lints every open document (at activation). */
  start(): void {
    for (const d of vscode.workspace.textDocuments) void this.track(d);
  }

  /** The user's stored values changed: every open document is scanned again (diagnostics stay until then). */
  setKnownValues(index: KnownValueIndex | undefined): void {
    this.knownValues = index;
    for (const state of this.docs.values()) {
      state.run?.cancel();
      state.needsReset = true;
      state.pending = undefined;
      this.schedule(state, 0);
    }
    // A new stored value can appear in any file the scan found clean, so all are read again.
    void this.refreshScanned(true);
  }

  /**
   * The stored values are being read again: lints wait for them (up to KNOWN_VALUES_WAIT_MS),
   * so a value just stored is reported as that key, not first as a generic secret.
   */
  waitForKnownValues(load: Promise<void>): void {
    const gate: Promise<void> = Promise.race([
      load,
      new Promise<void>((r) => setTimeout(r, KNOWN_VALUES_WAIT_MS)),
    ]).then(() => {
      if (this.knownValuesLoad === gate) this.knownValuesLoad = undefined;
    });
    this.knownValuesLoad = gate;
  }

  get options(): { knownValues: KnownValueIndex | undefined; settings: LintSettings } {
    return { knownValues: this.knownValues, settings: this.settings };
  }

  /**
   * Settings, trust or project files changed: choose files again and scan them fresh. Shown
   * diagnostics stay until the new scan replaces them, or go when a file is no longer linted.
   */
  relintAll(): void {
    this.settings = readSettings();
    const before = [...this.docs.values()];
    for (const state of before) {
      state.run?.cancel();
      if (state.timer) clearTimeout(state.timer);
    }
    this.docs.clear();
    const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    for (const state of before) if (!open.has(state.uri.toString())) this.collection.delete(state.uri);
    for (const d of vscode.workspace.textDocuments) {
      void this.track(d).then((state) => {
        if (!state) this.collection.delete(d.uri);
      });
    }
    void this.refreshScanned();
  }

  /** What is published for a document (for code actions and hovers). */
  publishedFor(uri: vscode.Uri): readonly PublishedFinding[] {
    return this.docs.get(uri.toString())?.published ?? [];
  }

  kindOf(uri: vscode.Uri): FileKind | undefined {
    return this.docs.get(uri.toString())?.kind;
  }

  projectOf(uri: vscode.Uri): WorkspaceProject | undefined {
    return this.docs.get(uri.toString())?.project;
  }

  isTracked(uri: vscode.Uri): boolean {
    return this.docs.has(uri.toString());
  }

  /** Lints a document now, skipping the debounce; resolves when its diagnostics are published. */
  async lintNow(document: vscode.TextDocument): Promise<void> {
    const state = this.docs.get(document.uri.toString()) ?? (await this.track(document, false));
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    await this.runFor(state);
  }

  private async track(document: vscode.TextDocument, schedule = true): Promise<DocState | undefined> {
    const key = document.uri.toString();
    if (this.docs.has(key)) return this.docs.get(key);
    const settings = readSettings(document.uri);
    if (!settings.enabled) return undefined;
    let choice: Awaited<ReturnType<typeof chooseFile>>;
    try {
      choice = await chooseFile(this.projects, document.uri, document.languageId, settings);
    } catch (e) {
      this.log.warn(`Linter: could not decide whether to lint ${document.uri.fsPath}: ${errorMessage(e)}`);
      return undefined;
    }
    if (!choice || document.isClosed || this.docs.has(key)) return this.docs.get(key);
    const state: DocState = {
      uri: document.uri,
      kind: choice.kind,
      project: choice.project,
      scanner: new IncrementalScanner(this.scanOptions(choice.kind)),
      needsReset: true,
      pending: undefined,
      timer: undefined,
      run: undefined,
      published: [],
    };
    this.docs.set(key, state);
    if (schedule) this.schedule(state, 0);
    return state;
  }

  private scanOptions(kind: FileKind): ScanOptions {
    return { kind, ...(this.knownValues ? { knownValues: this.knownValues } : {}) };
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    const state = this.docs.get(e.document.uri.toString());
    if (!state || e.contentChanges.length === 0) return;
    // A newer version supersedes the run in progress.
    state.run?.cancel();
    if (!state.needsReset) {
      let pending = state.pending;
      // Each change's offsets are relative to the text after the changes before it.
      for (const c of e.contentChanges) {
        pending = composeChanges(pending, {
          start: c.rangeOffset,
          oldEnd: c.rangeOffset + c.rangeLength,
          newEnd: c.rangeOffset + c.text.length,
        });
      }
      state.pending = pending;
    }
    this.schedule(state, DEBOUNCE_MS);
  }

  /**
   * Scan Workspace's findings for a file, shown unless its open document shows its own. The
   * file is remembered: when its document closes, its problems are those of the file on disk
   * again, not gone (the secret is still in the file).
   */
  publishScanned(uri: vscode.Uri, kind: FileKind, findings: PublishedFinding[], settings: LintSettings): void {
    this.scanned.set(uri.toString(), kind);
    if (!this.isTracked(uri)) this.showDiskFindings(uri, findings, settings);
  }

  private showDiskFindings(
    uri: vscode.Uri,
    findings: PublishedFinding[],
    settings: LintSettings = this.settings,
  ): void {
    if (findings.length)
      this.collection.set(
        uri,
        findings.slice(0, MAX_DIAGNOSTICS_PER_FILE).map((p) => toDiagnostic(p, settings)),
      );
    else this.collection.delete(uri);
  }

  private closed(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const state = this.docs.get(key);
    if (!state) return;
    state.run?.cancel();
    if (state.timer) clearTimeout(state.timer);
    this.docs.delete(key);
    if (document.uri.scheme === 'file') this.git.forget(document.uri.fsPath);
    const kind = this.scanned.get(key);
    if (kind === undefined) {
      this.collection.delete(document.uri);
      this.settledClosed.fire(document.uri);
      return;
    }
    void this.publishFromDisk(document.uri, kind).then(() => this.settledClosed.fire(document.uri));
  }

  /**
   * Settings, projects or stored keys changed: the files Scan Workspace reported on that are
   * not open are checked again from disk (severity, ignore globs, globs, known values): those
   * with problems, or with `all` every one of them (up to REFRESH_ALL_MAX files; beyond that,
   * the next scan). A newer refresh supersedes one in progress.
   */
  private async refreshScanned(all = false): Promise<void> {
    const generation = ++this.scannedGeneration;
    const stale = () => generation !== this.scannedGeneration;
    const everyFile = all && this.scanned.size <= REFRESH_ALL_MAX;
    for (const [key, kind] of [...this.scanned]) {
      if (stale()) return;
      const uri = vscode.Uri.parse(key);
      if (this.docs.has(key) || (!everyFile && !this.collection.has(uri))) continue;
      let choice: Awaited<ReturnType<typeof chooseFile>>;
      try {
        choice = await chooseFile(this.projects, uri, '', this.settings);
      } catch {
        continue;
      }
      if (stale() || this.docs.has(key)) continue;
      if (!choice) {
        this.scanned.delete(key);
        this.collection.delete(uri);
        continue;
      }
      if (choice.kind !== kind) this.scanned.set(key, choice.kind);
      await this.publishFromDisk(uri, choice.kind, stale);
    }
  }

  private async publishFromDisk(
    uri: vscode.Uri,
    kind: FileKind,
    superseded: () => boolean = () => false,
  ): Promise<void> {
    const reopened = () => this.docs.has(uri.toString()) || superseded();
    try {
      const result = await scanFile(uri, kind, this.knownValues, reopened);
      if (!reopened()) this.showDiskFindings(uri, 'findings' in result ? result.findings : []);
    } catch {
      // Deleted or unreadable since: nothing left to report.
      if (!reopened()) this.collection.delete(uri);
      this.scanned.delete(uri.toString());
    }
  }

  private schedule(state: DocState, delay: number): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.runFor(state);
    }, delay);
  }

  private async runFor(state: DocState): Promise<void> {
    state.run?.cancel();
    const run = new vscode.CancellationTokenSource();
    state.run = run;
    const token = run.token;
    try {
      await this.lint(state, token);
    } catch (e) {
      this.log.error(`Linter: ${state.uri.fsPath} could not be linted: ${errorMessage(e)}`);
    } finally {
      if (state.run === run) state.run = undefined;
      run.dispose();
    }
  }

  private async lint(state: DocState, token: vscode.CancellationToken): Promise<void> {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === state.uri.toString());
    if (!document || document.isClosed || this.docs.get(state.uri.toString()) !== state) return;
    if (this.knownValuesLoad) {
      await this.knownValuesLoad;
      if (token.isCancellationRequested || document.isClosed || this.docs.get(state.uri.toString()) !== state) return;
    }
    const version = document.version;
    const cancelled = () => token.isCancellationRequested;
    let sliceStart = performance.now();
    let cpuStart = process.cpuUsage();
    let blockedMs = 0;
    let cpuMs = 0;
    const phases = { text: 0, scan: 0, findings: 0, publish: 0 };
    const endSlice = () => {
      blockedMs = Math.max(blockedMs, performance.now() - sliceStart);
      const cpu = process.cpuUsage(cpuStart);
      cpuMs = Math.max(cpuMs, (cpu.user + cpu.system) / 1000);
    };
    state.scanner.setOptions(this.scanOptions(state.kind));
    const pending = state.pending;
    const text = document.getText();
    const tText = performance.now();
    const oldLength = state.scanner.currentText.length;
    const incremental =
      !state.needsReset &&
      pending !== undefined &&
      pending.oldEnd - pending.start <= oldLength * RESET_SHARE &&
      oldLength - (pending.oldEnd - pending.newEnd) === text.length;
    if (incremental) {
      // Synchronous and bounded: only the text around the edit is scanned.
      if (!state.scanner.applyChange(text, pending)) return;
      state.pending = undefined;
      phases.text = tText - sliceStart;
      phases.scan = performance.now() - tText;
    } else if (state.needsReset || pending !== undefined) {
      // Changes made while this scan runs cancel it, and the next run scans the newer text.
      state.needsReset = true;
      state.pending = undefined;
      endSlice();
      const done = await state.scanner.resetAsync(text, cancelled);
      sliceStart = performance.now();
      cpuStart = process.cpuUsage();
      if (!done || cancelled()) return;
      state.needsReset = false;
    }
    if (cancelled()) return;
    const tFindings = performance.now();
    const findings = state.scanner.findings();
    const scanned = state.scanner.currentText;
    const fsPath = state.uri.scheme === 'file' && vscode.workspace.isTrusted ? state.uri.fsPath : undefined;
    const tPublish = performance.now();
    this.publish(state, findings, scanned, fsPath);
    phases.findings = tPublish - tFindings;
    phases.publish = performance.now() - tPublish;
    endSlice();
    this.linted.fire({ uri: state.uri, version, findings: findings.length, blockedMs, cpuMs, incremental, phases });
    if (!fsPath || findings.length === 0) return;
    // Git history, lazily: answers not cached yet are looked up, and all of them again once the
    // file's HEAD is older than a few seconds (a commit made meanwhile); published if anything changed.
    const stale = this.git.isStale(fsPath);
    const check = findings
      .slice(0, MAX_GIT_LOOKUPS)
      .filter((f) => stale || this.git.cached(fsPath, scanned.slice(f.start, f.end)) === undefined);
    if (check.length === 0) return;
    let changed = false;
    for (const f of check) {
      if (cancelled()) return;
      const value = scanned.slice(f.start, f.end);
      const before = this.git.cached(fsPath, value);
      const after = await this.git.lookup(fsPath, value);
      if ((before?.commit ?? null) !== (after?.commit ?? null)) changed = true;
    }
    if (!changed || cancelled() || this.docs.get(state.uri.toString()) !== state) return;
    this.publish(state, findings, scanned, fsPath);
  }

  private publish(state: DocState, findings: Finding[], scanned: string, fsPath: string | undefined): void {
    const published: PublishedFinding[] = [];
    for (const f of findings.slice(0, MAX_DIAGNOSTICS_PER_FILE)) {
      const committed = fsPath ? this.git.cached(fsPath, scanned.slice(f.start, f.end)) : undefined;
      published.push({
        finding: f,
        kind: state.kind,
        committed,
        range: new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, f.endColumn - 1),
      });
    }
    state.published = published;
    this.collection.set(
      state.uri,
      published.map((p) => toDiagnostic(p, this.settings)),
    );
  }

  dispose(): void {
    for (const state of this.docs.values()) {
      state.run?.cancel();
      if (state.timer) clearTimeout(state.timer);
    }
    this.docs.clear();
    for (const d of this.disposables) d.dispose();
  }
}

export function diagnosticMessage(p: Pick<PublishedFinding, 'finding' | 'committed'>): string {
  if (!p.committed) return p.finding.message;
  return `${p.finding.message} It is already committed to git (in ${p.committed.commit}): removing it from the file is not enough, rotate the key at the provider.`;
}

export function toDiagnostic(p: PublishedFinding, settings: LintSettings): vscode.Diagnostic {
  const d = new vscode.Diagnostic(
    p.range,
    diagnosticMessage(p),
    toDiagnosticSeverity(p.finding.severity, settings.severity),
  );
  d.source = DIAGNOSTIC_SOURCE;
  d.code = { value: p.finding.ruleId, target: vscode.Uri.parse(ruleDocUrl(p.finding.ruleId)) };
  return d;
}
