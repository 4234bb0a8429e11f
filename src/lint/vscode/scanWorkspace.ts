// Scan Workspace: every frontend, .env and function file of the workspace's projects, with a
// cancellable progress notification; results go to the Problems panel through the linter's
// diagnostic collection.
import * as path from 'path';
import * as vscode from 'vscode';
import { Notifier } from '../../ui/notify';
import type { WorkspaceProjects } from '../../project/workspaceProjects';
import { EXCLUDED_DIRS, selectFile } from '../files';
import { scanFile, SCAN_MAX_BYTES } from './diskScan';
import { DocumentLinter, type PublishedFinding } from './documentLinter';
import { lintConfigOf, readSettings, scanGlobs } from './settings';
import { errorMessage } from '../../shared/errorMessage';

const MAX_FILES = 20_000;

export interface ScanSummary {
  /** Files scanned (binary and oversized files are not counted). */
  files: number;
  /** Findings in all files. */
  findings: number;
  /** Files with at least one finding. */
  filesWithFindings: number;
  skipped: { binary: number; tooLarge: number };
  cancelled: boolean;
}

export async function scanWorkspace(
  projects: WorkspaceProjects,
  linter: DocumentLinter,
  notify: Notifier,
  log: vscode.LogOutputChannel,
): Promise<ScanSummary> {
  const summary: ScanSummary = {
    files: 0,
    findings: 0,
    filesWithFindings: 0,
    skipped: { binary: 0, tooLarge: 0 },
    cancelled: false,
  };
  // An explicit scan runs even when linting as you type is turned off (cloudxlr.lint.enabled).
  const settings = readSettings();
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'CloudXLR: scanning for secrets', cancellable: true },
    async (progress, token) => {
      const targets = await collectTargets(projects, settings.ignore, token);
      const total = targets.length;
      let done = 0;
      let lastYield = Date.now();
      for (const t of targets) {
        if (token.isCancellationRequested) break;
        done++;
        progress.report({
          message: `${done}/${total} ${vscode.workspace.asRelativePath(t.uri)}`,
          increment: total ? 100 / total : 100,
        });
        try {
          const published = await scanOne(t, linter, token, summary);
          if (published === undefined) continue;
          summary.files++;
          summary.findings += published.length;
          if (published.length) summary.filesWithFindings++;
          linter.publishScanned(t.uri, t.kind, published, settings);
        } catch (e) {
          log.warn(`Scan Workspace: ${t.uri.fsPath} could not be read: ${errorMessage(e)}`);
        }
        if (Date.now() - lastYield > 30) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
      }
      summary.cancelled = token.isCancellationRequested;
    },
  );
  const skipped = summary.skipped.binary + summary.skipped.tooLarge;
  const head = summary.cancelled ? 'Scan cancelled after' : 'Scanned';
  const result = summary.findings
    ? `${summary.findings} possible secret${summary.findings === 1 ? '' : 's'} in ${summary.filesWithFindings} file${summary.filesWithFindings === 1 ? '' : 's'}: see the Problems panel.`
    : 'no secrets found.';
  const skippedText = skipped
    ? ` Skipped ${skipped} (${summary.skipped.binary} binary, ${summary.skipped.tooLarge} over ${SCAN_MAX_BYTES / 1024 / 1024} MB).`
    : '';
  const message = `${head} ${summary.files} file${summary.files === 1 ? '' : 's'}: ${result}${skippedText}`;
  void (summary.findings ? notify.warn(message) : notify.info(message));
  return summary;
}

interface Target {
  uri: vscode.Uri;
  kind: NonNullable<ReturnType<typeof selectFile>>;
}

async function collectTargets(
  projects: WorkspaceProjects,
  ignore: string[],
  token: vscode.CancellationToken,
): Promise<Target[]> {
  const out = new Map<string, Target>();
  const exclude = `{${[...EXCLUDED_DIRS].map((d) => `**/${d}/**`).join(',')}}`;
  for (const project of await projects.all()) {
    const folder = project.folder;
    if (!folder) continue;
    const config = lintConfigOf(project);
    for (const glob of scanGlobs(config)) {
      if (token.isCancellationRequested) return [];
      const found = await vscode.workspace.findFiles(
        new vscode.RelativePattern(folder, glob),
        exclude,
        MAX_FILES,
        token,
      );
      for (const uri of found) {
        const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
        const kind = selectFile(rel, { ...config, frontend: [...config.frontend, '**/.env*'] }, ignore);
        if (kind && !out.has(uri.toString())) out.set(uri.toString(), { uri, kind });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.uri.fsPath < b.uri.fsPath ? -1 : 1));
}

/** Scans one file (its open document's text when open); undefined when skipped. */
async function scanOne(
  t: Target,
  linter: DocumentLinter,
  token: vscode.CancellationToken,
  summary: ScanSummary,
): Promise<PublishedFinding[] | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === t.uri.toString());
  const result = await scanFile(
    t.uri,
    t.kind,
    linter.options.knownValues,
    () => token.isCancellationRequested,
    open?.getText(),
  );
  if ('cancelled' in result) return undefined;
  if ('skipped' in result) {
    summary.skipped[result.skipped]++;
    return undefined;
  }
  return result.findings;
}
