// The detection engine's public API. Pure TypeScript: no `vscode`, usable from the editor
// glue, the CLI and the deploy leak guard alike.

import { isPublicByDesign } from './context';
import { IncrementalScanner, isBinaryText } from './incremental';
import { buildKnownValueIndex as buildIndex } from './knownValues';
import type { Finding, KnownValueIndex, ScanOptions } from './types';
import type { NamedValue } from '../../shared/valueMatch';

export type { Finding, FileKind, KnownValueIndex, Range, ScanOptions, Severity } from './types';
export type { NamedValue } from '../../shared/valueMatch';
export { IncrementalScanner, isBinaryText, CHUNK_SIZE, type TextChange, type CancelCheck } from './incremental';
export { ALL_RULES, PROVIDER_RULES, NAMED_RULES, META_RULES, RULES_DOC_URL, ruleDocUrl, type RuleMeta } from './rules';
export { PUBLIC_ENV_PREFIXES, isEnvFileName, publicPrefixOf } from './envFiles';
export { IGNORE_FILE, IGNORE_LINE, IGNORE_NEXT_LINE } from './ignore';
export { KNOWN_VALUE_MIN_LENGTH } from './knownValues';
export { isPublicByDesign, isPlaceholder, isReference } from './context';
export { ENTROPY_THRESHOLD, shannonEntropy } from './entropy';

/**
 * Indexes the user's stored values for exact matching. Values that are public by design
 * (Stripe `pk_`, Mapbox `pk.`, Supabase anon keys) and values under KNOWN_VALUE_MIN_LENGTH (8) characters are left out.
 */
export function buildKnownValueIndex(values: Iterable<string | NamedValue>): KnownValueIndex {
  return buildIndex(values, (v) => isPublicByDesign(v));
}

/** Scans one text (the whole file); findings are sorted by position. */
export function scanText(text: string, options: ScanOptions = {}): Finding[] {
  const scanner = new IncrementalScanner(options);
  scanner.reset(text);
  return scanner.findings();
}

/** True when bytes look binary: a NUL byte, or more than 10% invalid UTF-8, in the first 8 KB. */
export function isBinaryBuffer(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return true;
  return isBinaryText(Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8'));
}

/** Scans file bytes; binary files are skipped (`binary: true`, no findings). */
export function scanBuffer(bytes: Uint8Array, options: ScanOptions = {}): { binary: boolean; findings: Finding[] } {
  if (bytes.subarray(0, 8192).includes(0)) return { binary: true, findings: [] };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (isBinaryText(text)) return { binary: true, findings: [] };
  return { binary: false, findings: scanText(text, options) };
}
