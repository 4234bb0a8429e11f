// Redaction: every occurrence of a value, in any form the matcher knows, becomes
// [REDACTED:NAME] (or [REDACTED] for a value without a name). Used for everything a function
// invocation produces, for the editor's log and for the cloud client's error messages.

import { ValueMatcher } from './matcher';
import type { NamedValue } from './types';

/** A cut-off tail shorter than this is not treated as the start of a value. */
const MIN_PARTIAL = 4;

export class Redactor {
  private readonly matcher: ValueMatcher;

  constructor(values: readonly NamedValue[]) {
    this.matcher = new ValueMatcher(values, { shortValues: true });
  }

  /** True when there is nothing to redact. */
  get empty(): boolean {
    return this.matcher.size === 0;
  }

  /**
   * Replaces every occurrence in one pass; overlapping occurrences become one replacement, and
   * replacements are never scanned again. `truncated` says the text was cut off at its end: a
   * tail that is the beginning of a value is then redacted too, so a cut through a value does
   * not leave half of it readable.
   */
  redact(text: string, truncated = false): string {
    if (this.empty || !text) return text;
    const matches = this.matcher.matches(text);
    let out = '';
    let at = 0;
    for (let i = 0; i < matches.length;) {
      const first = matches[i++]!;
      let end = first.end;
      while (i < matches.length && matches[i]!.start < end) end = Math.max(end, matches[i++]!.end);
      out += text.slice(at, first.start) + label(first.name);
      at = end;
    }
    out = at === 0 ? text : out + text.slice(at);
    if (truncated) {
      const cut = this.matcher.partialAtEnd(out, MIN_PARTIAL);
      if (cut) out = out.slice(0, cut.start) + label(cut.name);
    }
    return out;
  }

  /** Redacts every string (and object key) inside a JSON-like value. */
  redactDeep(value: unknown): unknown {
    if (this.empty) return value;
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[this.redact(k)] = this.redactDeep(v);
      return out;
    }
    return value;
  }
}

function label(name: string): string {
  return name ? `[REDACTED:${name}]` : '[REDACTED]';
}
