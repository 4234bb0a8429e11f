// Scanning for editors: a whole document in cancellable chunks, then only the text around
// each edit. Findings are kept by offset and partitioned by where their value starts, so a
// rescan of [edit − INFLUENCE, edit + INFLUENCE) merged with the untouched findings is
// exactly what a full scan of the new text would report.

import { IGNORE_MARK, ignoreMarksAt, markOffsets } from './ignore';
import { scanEnvText } from './envFiles';
import { lineIndexOf, lineStartsOf } from './positions';
import { INFLUENCE, dedupe, scanRegion } from './scanner';
import type { Finding, RawFinding, ScanOptions } from './types';

/** Characters scanned between two cancellation checks. */
export const CHUNK_SIZE = 256 * 1024;

/** A change in offsets: old text [start, oldEnd) became new text [start, newEnd). */
export interface TextChange {
  start: number;
  oldEnd: number;
  newEnd: number;
}

export type CancelCheck = () => boolean;

/** True when a text decoded from a file looks binary: a NUL, or >10% replacement characters. */
export function isBinaryText(text: string): boolean {
  const n = Math.min(text.length, 8192);
  const nul = text.indexOf('\u0000');
  if (nul >= 0 && nul < n) return true;
  let bad = 0;
  for (let i = text.indexOf('\ufffd'); i >= 0 && i < n; i = text.indexOf('\ufffd', i + 1)) bad++;
  return n > 0 && bad / n > 0.1;
}

export class IncrementalScanner {
  private text = '';
  private raw: RawFinding[] = [];
  /** Offsets of line starts; computed when first needed, then kept up to date by edits. */
  private lineStarts: number[] | undefined;
  /** Offsets of ignore markers; like lineStarts, kept up to date by edits once computed. */
  private marks: number[] | undefined;
  private binary = false;

  constructor(private options: ScanOptions = {}) {}

  /** The text last scanned. */
  get currentText(): string {
    return this.text;
  }

  /** True when the text was skipped as binary. */
  get isBinary(): boolean {
    return this.binary;
  }

  /** New options (known values, disabled rules, kind) apply from the next scan. */
  setOptions(options: ScanOptions): void {
    this.options = options;
  }

  private influence(): number {
    return INFLUENCE + (this.options.knownValues?.maxLength ?? 0);
  }

  /** Scans value starts in [from, to) in chunks; undefined when cancelled. */
  private scanRange(text: string, from: number, to: number, isCancelled?: CancelCheck): RawFinding[] | undefined {
    const out: RawFinding[] = [];
    for (let s = from; s < to; s += CHUNK_SIZE) {
      if (isCancelled?.()) return undefined;
      scanRegion(text, s, Math.min(to, s + CHUNK_SIZE), this.options, out);
    }
    return out;
  }

  /** Scans a whole text. Returns false (and keeps the previous state) when cancelled. */
  reset(text: string, isCancelled?: CancelCheck): boolean {
    if (isBinaryText(text)) {
      this.commit(text, [], true);
      return true;
    }
    if (this.options.kind === 'env') {
      this.commit(text, scanEnvText(text, this.options), false);
      return true;
    }
    const raw = this.scanRange(text, 0, text.length, isCancelled);
    if (!raw) return false;
    this.commit(text, raw, false);
    return true;
  }

  /** Like `reset`, yielding to the event loop between chunks so an editor stays responsive. */
  async resetAsync(text: string, isCancelled?: CancelCheck): Promise<boolean> {
    if (isBinaryText(text) || this.options.kind === 'env' || text.length <= CHUNK_SIZE)
      return this.reset(text, isCancelled);
    const out: RawFinding[] = [];
    for (let s = 0; s < text.length; s += CHUNK_SIZE) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (isCancelled?.()) return false;
      scanRegion(text, s, Math.min(text.length, s + CHUNK_SIZE), this.options, out);
    }
    this.commit(text, out, false);
    return true;
  }

  /**
   * Applies one edit: `newText` is the whole new document and `change` says which part
   * changed. Only value starts within INFLUENCE of the edit are rescanned. Returns false
   * (state unchanged) when cancelled.
   */
  applyChange(newText: string, change: TextChange, isCancelled?: CancelCheck): boolean {
    if (this.binary || this.options.kind === 'env' || isBinaryText(newText.slice(0, 8192)) !== this.binary) {
      return this.reset(newText, isCancelled);
    }
    const { start: a, oldEnd: b, newEnd: e } = change;
    const delta = e - b;
    const k = this.influence();
    const from = Math.max(0, a - k);
    const to = Math.min(newText.length, e + k);
    const fresh = this.scanRange(newText, from, to, isCancelled);
    if (!fresh) return false;
    const merged: RawFinding[] = [];
    for (const f of this.raw) if (f.start < from) merged.push(f);
    for (const f of fresh) merged.push(f);
    for (const f of this.raw) {
      if (f.start >= b + k) merged.push(shift(f, delta));
    }
    this.updateLineStarts(newText, a, b, e);
    this.updateMarks(newText, a, b, e);
    this.text = newText;
    this.raw = merged;
    return true;
  }

  private commit(text: string, raw: RawFinding[], binary: boolean): void {
    this.text = text;
    this.raw = raw;
    this.binary = binary;
    this.lineStarts = undefined;
    this.marks = undefined;
  }

  private updateLineStarts(newText: string, a: number, b: number, e: number): void {
    const ls = this.lineStarts;
    if (!ls) return; // computed from the new text when needed
    // Line starts in (a, b] came from newlines in the replaced text.
    const lo = lineIndexOf(ls, a) + 1;
    let hi = lo;
    while (hi < ls.length && (ls[hi] as number) <= b) hi++;
    const added: number[] = [];
    // Search the inserted text only: an indexOf on the whole document would run to its end.
    const inserted = newText.slice(a, e);
    for (let i = inserted.indexOf('\n'); i >= 0; i = inserted.indexOf('\n', i + 1)) added.push(a + i + 1);
    const delta = e - b;
    for (let i = hi; i < ls.length; i++) ls[i] = (ls[i] as number) + delta;
    ls.splice(lo, hi - lo, ...added);
  }

  private updateMarks(newText: string, a: number, b: number, e: number): void {
    if (!this.marks) return;
    const reach = IGNORE_MARK.length;
    const delta = e - b;
    const kept: number[] = [];
    for (const m of this.marks) if (m + reach <= a) kept.push(m);
    kept.push(...markOffsets(newText, Math.max(0, a - reach), e + 1));
    for (const m of this.marks)
      if (m >= b) {
        const n = m + delta;
        if (n > e) kept.push(n);
      }
    this.marks = kept;
  }

  /** Current findings, de-duplicated, with ignore comments applied, sorted by position. */
  findings(): Finding[] {
    if (this.binary || this.raw.length === 0) return [];
    const ls = (this.lineStarts ??= lineStartsOf(this.text));
    const lineOf = (offset: number) => lineIndexOf(ls, offset);
    const marks =
      this.options.honourIgnoreComments === false
        ? { file: false, lines: new Set<number>() }
        : ignoreMarksAt(this.text, (this.marks ??= markOffsets(this.text)), lineOf);
    if (marks.file) return [];
    const out: Finding[] = [];
    for (const f of dedupe(this.raw)) {
      const line = lineOf(f.start);
      const endLine = lineOf(f.end);
      if (marks.lines.has(line) || marks.lines.has(endLine)) continue;
      const finding: Finding = {
        ruleId: f.ruleId,
        severity: f.severity,
        message: f.message,
        provider: f.provider,
        suggestedKeyName: f.suggestedKeyName,
        excerpt: f.excerpt,
        start: f.start,
        end: f.end,
        line: line + 1,
        column: f.start - (ls[line] as number) + 1,
        endLine: endLine + 1,
        endColumn: f.end - (ls[endLine] as number) + 1,
        replace: f.replace,
      };
      if (f.env) finding.env = f.env;
      if (f.storedAs) finding.storedAs = f.storedAs;
      out.push(finding);
    }
    return out;
  }
}

function shift(f: RawFinding, delta: number): RawFinding {
  if (delta === 0) return f;
  return {
    ...f,
    start: f.start + delta,
    end: f.end + delta,
    replace: { ...f.replace, start: f.replace.start + delta, end: f.replace.end + delta },
    ...(f.env ? { env: { ...f.env, prefixStart: f.env.prefixStart + delta, prefixEnd: f.env.prefixEnd + delta } } : {}),
  };
}
