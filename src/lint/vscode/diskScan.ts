// Scanning a file as it is on disk (not open in an editor): Scan Workspace, and files it
// reported that were opened and closed again.
import * as vscode from 'vscode';
import { IncrementalScanner, isBinaryBuffer, type KnownValueIndex } from '../engine';
import type { FileKind } from '../engine/types';
import type { PublishedFinding } from './published';

/** Files larger than this are not scanned from disk (bundles are scanned when opened). */
export const SCAN_MAX_BYTES = 8 * 1024 * 1024;

export type DiskScan = { findings: PublishedFinding[] } | { skipped: 'binary' | 'tooLarge' } | { cancelled: true };

/** Scans the text given, or the file's bytes read from disk when no text is given. */
export async function scanFile(
  uri: vscode.Uri,
  kind: FileKind,
  knownValues: KnownValueIndex | undefined,
  cancelled: () => boolean,
  openText?: string,
): Promise<DiskScan> {
  let text = openText;
  if (text === undefined) {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > SCAN_MAX_BYTES) return { skipped: 'tooLarge' };
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (isBinaryBuffer(bytes)) return { skipped: 'binary' };
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  const scanner = new IncrementalScanner({ kind, ...(knownValues ? { knownValues } : {}) });
  if (!(await scanner.resetAsync(text, cancelled))) return { cancelled: true };
  if (scanner.isBinary) return { skipped: 'binary' };
  return {
    findings: scanner.findings().map((f) => ({
      finding: f,
      kind,
      committed: undefined,
      range: new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, f.endColumn - 1),
    })),
  };
}
