// Quick fixes and hovers for the linter's diagnostics. Fixes carry names, ranges and rule ids,
// never a value: Move to API Keys re-reads the literal from the document itself.
import * as vscode from 'vscode';
import { CommandId, DIAGNOSTIC_SOURCE } from '../../constants';
import { freeKeyName } from '../../shared/names';
import { ALL_RULES, ruleDocUrl } from '../engine';
import { commentStyleAt, ignoreFileInsertion, ignoreNextLineText, jsxAwareStyle } from '../fixText';
import type { DocumentLinter, PublishedFinding } from './documentLinter';
import { diagnosticMessage } from './documentLinter';

/** Arguments of cloudxlr.moveToApiKeys: where the literal is, and optionally the name. No value. */
export interface MoveToApiKeysArgs {
  uri: string;
  /** The value's range: [startLine, startCharacter, endLine, endCharacter], 0-based. */
  range: [number, number, number, number];
  /** The key's name; when given, no prompt asks for one. */
  name?: string;
  /** Name suggested in the prompt. */
  suggestedName?: string;
  ruleId?: string;
  provider?: string;
  /**
   * Frontend code only: `true` creates the Cloud Function that makes the call at once, `false`
   * does not offer it; by default the notification offers it.
   */
  scaffold?: boolean;
}

function ruleIdOf(d: vscode.Diagnostic): string | undefined {
  if (d.source !== DIAGNOSTIC_SOURCE) return undefined;
  const code = d.code;
  if (typeof code === 'object' && code !== null && 'value' in code) return String(code.value);
  return typeof code === 'string' ? code : undefined;
}

/** The published finding a diagnostic stands for (same rule, same range). */
function findingFor(linter: DocumentLinter, uri: vscode.Uri, d: vscode.Diagnostic): PublishedFinding | undefined {
  const ruleId = ruleIdOf(d);
  if (!ruleId) return undefined;
  return linter.publishedFor(uri).find((p) => p.finding.ruleId === ruleId && p.range.isEqual(d.range));
}

export class LintCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  constructor(
    private readonly linter: DocumentLinter,
    /** Names of the keys stored in a project: the proposed name must be a free one. */
    private readonly keyNames: (project: string) => string[] = () => [],
  ) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    let fileAction: vscode.CodeAction | undefined;
    const fromLinter = context.diagnostics.filter((d) => ruleIdOf(d) !== undefined);
    for (const d of fromLinter) {
      const p = findingFor(this.linter, document.uri, d);
      if (!p) continue;
      const { finding } = p;
      // A stored value's match names its own key; any other name must not replace a stored key.
      const project = this.linter.projectOf(document.uri)?.project;
      const storedAs = finding.storedAs;
      const name = storedAs ?? freeKeyName(finding.suggestedKeyName, new Set(project ? this.keyNames(project) : []));

      const move = new vscode.CodeAction(
        storedAs ? `Move to API Keys as ${storedAs} (already stored there)` : `Move to API Keys as ${name}`,
        vscode.CodeActionKind.QuickFix,
      );
      const args: MoveToApiKeysArgs = {
        uri: document.uri.toString(),
        range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character],
        suggestedName: name,
        ruleId: finding.ruleId,
        provider: finding.provider,
      };
      move.command = { command: CommandId.moveToApiKeys, title: 'Move to API Keys', arguments: [args] };
      move.diagnostics = [d];
      move.isPreferred = true;
      actions.push(move);

      if (finding.env) {
        const line = document.lineAt(d.range.start.line);
        const at = line.text.indexOf(finding.env.variable);
        if (at >= 0 && finding.env.variable.startsWith(finding.env.prefix)) {
          const bare = finding.env.variable.slice(finding.env.prefix.length);
          const unprefix = new vscode.CodeAction(
            `Move out of the public prefix: rename ${finding.env.variable} to ${bare}`,
            vscode.CodeActionKind.QuickFix,
          );
          unprefix.edit = new vscode.WorkspaceEdit();
          unprefix.edit.delete(
            document.uri,
            new vscode.Range(line.lineNumber, at, line.lineNumber, at + finding.env.prefix.length),
          );
          unprefix.diagnostics = [d];
          actions.push(unprefix);
        }
      }

      const ignoreLine = new vscode.CodeAction(
        'Ignore this line (cloudxlr-ignore-next-line)',
        vscode.CodeActionKind.QuickFix,
      );
      const startLine = document.lineAt(d.range.start.line);
      const lineOffset = document.offsetAt(startLine.range.start);
      const before = document.getText(
        new vscode.Range(document.positionAt(Math.max(0, lineOffset - 200_000)), startLine.range.start),
      );
      const previous = startLine.lineNumber > 0 ? document.lineAt(startLine.lineNumber - 1).text : '';
      const style = jsxAwareStyle(
        document.fileName,
        commentStyleAt(document.fileName, before, before.length),
        previous,
        startLine.text,
      );
      ignoreLine.edit = new vscode.WorkspaceEdit();
      ignoreLine.edit.insert(document.uri, startLine.range.start, ignoreNextLineText(style, startLine.text));
      ignoreLine.diagnostics = [d];
      actions.push(ignoreLine);

      if (!fileAction) {
        fileAction = new vscode.CodeAction(
          'Ignore in this file (cloudxlr-ignore-file)',
          vscode.CodeActionKind.QuickFix,
        );
        const head = document.getText(new vscode.Range(new vscode.Position(0, 0), document.positionAt(4096)));
        const insertion = ignoreFileInsertion(document.fileName, head);
        fileAction.edit = new vscode.WorkspaceEdit();
        fileAction.edit.insert(document.uri, document.positionAt(insertion.offset), insertion.text);
        fileAction.diagnostics = [];
      }
      fileAction.diagnostics = [...(fileAction.diagnostics ?? []), d];
    }
    if (fileAction) actions.push(fileAction);
    return actions;
  }
}

const RULES = new Map(ALL_RULES.map((r) => [r.id, r]));

export class LintHover implements vscode.HoverProvider {
  constructor(private readonly linter: DocumentLinter) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const hits = this.linter.publishedFor(document.uri).filter((p) => p.range.contains(position));
    if (hits.length === 0) return undefined;
    const md = new vscode.MarkdownString();
    for (const p of hits) md.appendMarkdown(hoverMarkdown(p));
    return new vscode.Hover(md, hits[0]!.range);
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}

/**
 * A short hover, so VS Code's own "Quick Fix… (Ctrl+.)" row stays in view under it: the rule,
 * the fix in one line, and a link to the rule's page for why it matters and the details.
 */
export function hoverMarkdown(p: PublishedFinding): string {
  const { finding } = p;
  const rule = RULES.get(finding.ruleId);
  const title = rule?.title ?? finding.ruleId;
  const fix = finding.storedAs
    ? `Already stored as ${finding.storedAs}: use the quick fix to refer to it.`
    : p.kind === 'server'
      ? `Quick fix **Move to API Keys**, then read it with \`ctx.secrets.get("${finding.suggestedKeyName}")\`.`
      : p.kind === 'env'
        ? 'Drop the public prefix, or quick fix **Move to API Keys** and call a Cloud Function.'
        : 'Quick fix **Move to API Keys**, then call a Cloud Function that reads it.';
  const lines = [`**CloudXLR: ${escape(title)}** · \`${finding.ruleId}\``, '', fix];
  if (p.committed) lines.push('', `**Already committed** (in ${p.committed.commit}): rotate the key at the provider.`);
  lines.push('', `[Why it matters and how to fix it](${ruleDocUrl(finding.ruleId)})`, '');
  return lines.join('\n');
}

export { diagnosticMessage };
