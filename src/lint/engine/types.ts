// Plain data shared by the detection engine, the CLI, the editor glue and the deploy guard.
// Nothing here holds a secret value: findings carry offsets and a masked excerpt only.

export type Severity = 'error' | 'warning' | 'info';

/**
 * Where a file's code runs, which decides what a raw value means:
 * - `frontend`: shipped to the browser, a secret is readable by anyone (error);
 * - `server`: a Cloud Function in the functions folder, a raw value should be read with
 *   `ctx.secrets.get` instead (warning);
 * - `env`: a `.env*` file, where only variables with a public prefix are reported.
 */
export type FileKind = 'frontend' | 'server' | 'env';

export interface Range {
  /** 0-based UTF-16 offset of the first character. */
  start: number;
  /** 0-based UTF-16 offset after the last character. */
  end: number;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** What was found and what to do; holds a masked excerpt at most, never the value. */
  message: string;
  /** e.g. "Stripe", "OpenAI"; "Your API Keys" for known values; "unknown" for the generic rule. */
  provider: string;
  /** A valid key name (upper snake case) to store the value under. */
  suggestedKeyName: string;
  /** For an exact match of a stored value: the key that holds it (then also the suggested name). */
  storedAs?: string;
  /** The masked excerpt shown in the message, e.g. "sk_live_••••…a1B2". */
  excerpt: string;
  /** The secret value's range (0-based offsets). */
  start: number;
  end: number;
  /** 1-based position of `start`. */
  line: number;
  column: number;
  /** 1-based position just after the value (exclusive, as in SARIF and ESLint). */
  endLine: number;
  endColumn: number;
  /**
   * The range an editor replaces to remove the literal: the whole string literal including its
   * quotes when the value is the entire content of a quoted string, else the value itself.
   */
  replace: Range & { quoted: boolean };
  /** For `.env` files: the variable and its public prefix, so a fix can drop the prefix. */
  env?: { variable: string; prefix: string; prefixStart: number; prefixEnd: number };
}

/** A finding before positions are computed: offsets only (cheap to shift on edits). */
export type RawFinding = Omit<Finding, 'line' | 'column' | 'endLine' | 'endColumn'> & { priority: number };

/** A lookup of the user's own stored values; built once, reused for every file. */
export interface KnownValueIndex {
  /** Number of values indexed (values shorter than the minimum length are not indexed). */
  readonly size: number;
  /** Longest possible match (of any form of a value), in UTF-16 code units. */
  readonly maxLength: number;
  /**
   * Calls `found(start, end, name)` for every occurrence, in any form, of an indexed value
   * starting in [from, to); `name` is the stored key's name ('' when indexed without one).
   */
  search(text: string, from: number, to: number, found: (start: number, end: number, name: string) => void): void;
}

export interface ScanOptions {
  /** Defaults to `frontend`. */
  kind?: FileKind;
  /** The user's stored values (see `buildKnownValueIndex`). */
  knownValues?: KnownValueIndex;
  /** Rule ids not to report. */
  disabledRules?: readonly string[];
  /** Honour `cloudxlr-ignore-*` comments (default true). */
  honourIgnoreComments?: boolean;
}
