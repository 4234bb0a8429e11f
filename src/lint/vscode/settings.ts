// The linter's settings (cloudxlr.lint.*) and which files it reads, as the editor sees them.
import * as path from 'path';
import * as vscode from 'vscode';
import { SettingId } from '../../constants';
import type { FileKind, Severity } from '../engine/types';
import { selectFile, type LintProjectConfig } from '../files';
import { DEFAULT_FRONTEND_GLOBS, DEFAULT_FUNCTIONS_DIR } from '../../project/projectFile';
import type { WorkspaceProject, WorkspaceProjects } from '../../project/workspaceProjects';

export type SeveritySetting = 'default' | 'error' | 'warning' | 'information';

export interface LintSettings {
  enabled: boolean;
  severity: SeveritySetting;
  ignore: string[];
}

const SECTION = 'cloudxlr.lint';

export function readSettings(scope?: vscode.Uri): LintSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const severity = c.get<string>('severity', 'default');
  const ignore = c.get<unknown>('ignore', []);
  return {
    enabled: c.get<boolean>('enabled', true) !== false,
    severity: severity === 'error' || severity === 'warning' || severity === 'information' ? severity : 'default',
    ignore: Array.isArray(ignore) ? ignore.filter((g): g is string => typeof g === 'string' && g.length > 0) : [],
  };
}

export function affectsLint(e: vscode.ConfigurationChangeEvent): boolean {
  return (
    e.affectsConfiguration(SECTION) ||
    [SettingId.lintEnabled, SettingId.lintIgnore, SettingId.lintSeverity].some((id) => e.affectsConfiguration(id))
  );
}

export function toDiagnosticSeverity(finding: Severity, setting: SeveritySetting): vscode.DiagnosticSeverity {
  const s = setting === 'default' ? finding : setting;
  return s === 'error'
    ? vscode.DiagnosticSeverity.Error
    : s === 'warning'
      ? vscode.DiagnosticSeverity.Warning
      : vscode.DiagnosticSeverity.Information;
}

/**
 * The project's globs and functions folder. In an untrusted workspace cloudxlr.json's globs are
 * not used (a hostile file could hide code from the linter): the defaults apply.
 */
export function lintConfigOf(
  project: WorkspaceProject | undefined,
): LintProjectConfig & { frontend: readonly string[] } {
  if (!project || !vscode.workspace.isTrusted || !project.declared) {
    return { functionsDir: DEFAULT_FUNCTIONS_DIR, frontend: DEFAULT_FRONTEND_GLOBS };
  }
  return { functionsDir: project.functionsDir, frontend: project.frontend };
}

const ENV_GLOB = '**/.env*';

export interface FileChoice {
  kind: FileKind;
  project: WorkspaceProject | undefined;
}

const LANGUAGE_KIND = new Set([
  'javascript',
  'typescript',
  'javascriptreact',
  'typescriptreact',
  'html',
  'vue',
  'svelte',
  'astro',
]);

/** Whether a document is linted, and as what; undefined when not. */
export async function chooseFile(
  projects: WorkspaceProjects,
  uri: vscode.Uri,
  languageId: string,
  settings: LintSettings,
): Promise<FileChoice | undefined> {
  if (uri.scheme === 'untitled')
    return LANGUAGE_KIND.has(languageId) ? { kind: 'frontend', project: await projects.forUri(undefined) } : undefined;
  if (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote' && uri.scheme !== 'vscode-userdata') return undefined;
  if (uri.scheme === 'vscode-userdata') return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const project = folder ? await projects.forUri(uri) : undefined;
  const rel = folder
    ? path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/')
    : path.basename(uri.fsPath);
  if (rel.startsWith('../')) return undefined;
  const config = lintConfigOf(folder ? project : undefined);
  const kind = selectFile(rel, { ...config, frontend: [...config.frontend, ENV_GLOB] }, settings.ignore);
  return kind ? { kind, project } : undefined;
}

/** The globs a workspace scan looks for in a project: frontend, .env files and functions code. */
export function scanGlobs(config: LintProjectConfig & { frontend: readonly string[] }): string[] {
  const fn = config.functionsDir.replace(/\/+$/, '');
  return [...new Set([...config.frontend, ENV_GLOB, ...(fn ? [`${fn}/**/*.{js,ts,jsx,tsx,mjs,cjs,mts,cts}`] : [])])];
}
