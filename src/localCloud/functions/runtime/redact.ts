// Redaction of key values in anything a function invocation produces (logs, error messages,
// results): every occurrence of a value the invocation could read becomes [REDACTED:NAME].
// Besides the raw value it covers the forms a value commonly takes on its way into a log line:
// JSON-string-escaped, URL-encoded, base64/base64url, and each longer line of a multi-line
// value (PEM keys are often logged line by line).

export interface NamedValue {
  name: string;
  value: string;
}

/** Lines of a multi-line value shorter than this are too common to redact on their own. */
const MIN_LINE_FORM = 16;
/** A cut-off tail shorter than this is not treated as the start of a value. */
const MIN_PARTIAL = 4;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every form of `value` that is redacted, longest first. */
export function valueForms(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(JSON.stringify(value).slice(1, -1));
  // A value logged inside a JSON string that was itself JSON-encoded again.
  forms.add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
  forms.add(encodeURIComponent(value));
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(Buffer.from(value, 'utf8').toString('base64url'));
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= MIN_LINE_FORM) forms.add(line.trim());
    }
  }
  forms.delete('');
  return [...forms].sort((a, b) => b.length - a.length);
}

export class Redactor {
  private readonly pattern: RegExp | undefined;
  private readonly nameOf = new Map<string, string>();
  private readonly forms: Array<{ form: string; name: string }> = [];

  constructor(values: readonly NamedValue[]) {
    for (const { name, value } of values) {
      if (!value) continue;
      for (const form of valueForms(value)) {
        if (!this.nameOf.has(form)) {
          this.nameOf.set(form, name);
          this.forms.push({ form, name });
        }
      }
    }
    this.forms.sort((a, b) => b.form.length - a.form.length);
    this.pattern = this.forms.length ? new RegExp(this.forms.map((f) => escapeRegExp(f.form)).join('|'), 'g') : undefined;
  }

  /** True when there is nothing to redact. */
  get empty(): boolean {
    return this.pattern === undefined;
  }

  /**
   * Replaces every form of every value in one pass (replacements are never scanned again).
   * `truncated` says the text was cut off at its end: a tail that is the beginning of a value
   * is then redacted too, so a cut through a value does not leave half of it readable.
   */
  redact(text: string, truncated = false): string {
    if (!this.pattern) return text;
    let out = text.replace(this.pattern, (m) => `[REDACTED:${this.nameOf.get(m) ?? 'KEY'}]`);
    if (truncated) out = this.redactPartialTail(out);
    return out;
  }

  /** Redacts every string (and object key) inside a JSON-like value. */
  redactDeep(value: unknown): unknown {
    if (!this.pattern) return value;
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[this.redact(k)] = this.redactDeep(v);
      return out;
    }
    return value;
  }

  private redactPartialTail(text: string): string {
    for (const { form, name } of this.forms) {
      for (let k = Math.min(form.length - 1, text.length); k >= MIN_PARTIAL; k--) {
        if (text.endsWith(form.slice(0, k))) return `${text.slice(0, text.length - k)}[REDACTED:${name}]`;
      }
    }
    return text;
  }
}
