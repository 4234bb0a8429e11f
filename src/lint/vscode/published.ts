// What the linter publishes for a file: the document linter, the disk scan, code actions and
// the hover all speak of findings in this form.
import type * as vscode from 'vscode';
import type { Finding } from '../engine';
import type { FileKind } from '../engine/types';
import type { Committed } from '../gitHistory';

/** A published finding: what code actions and hovers need (offsets are of the scanned text). */
export interface PublishedFinding {
  finding: Finding;
  range: vscode.Range;
  kind: FileKind;
  committed: Committed | null | undefined;
}
