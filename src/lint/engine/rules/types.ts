// What a rule is. Each rule carries its own samples, as data: texts it must report and texts
// in which nothing may be reported. Each sample is a test of its own (test/unit/lint/rules.test.ts),
// so a rule that stops working fails alone. Sample values are templates ({{alnum:36}}, see
// ../samples.ts): no key-shaped literal is written in the source.
import type { FileKind } from '../types';

/** A sample text, scanned as frontend code unless a kind is given. */
export type Sample = string | { text: string; kind: FileKind };

export interface RuleSamples {
  /** Texts in which the rule must report a finding. */
  positive: Sample[];
  /** Texts in which nothing at all may be reported. */
  negative: Sample[];
}

export interface RuleMeta {
  id: string;
  provider: string;
  /** Short name of what is found, e.g. "Stripe secret key". */
  title: string;
  /** The name suggested when the value moves to API Keys. */
  keyName: string;
  /** One paragraph for docs/rules.md and SARIF. */
  description: string;
  samples: RuleSamples;
}

export interface Pattern {
  /** Case-sensitive literal that every match contains; the prefilter looks for it. */
  anchor: string;
  /** Regular expression source, run sticky at the match start. */
  source: string;
  /**
   * Where the match starts relative to the anchor: a fixed number of characters before it,
   * or a function of the text and the anchor's offset. Defaults to the anchor itself.
   */
  back?: number | ((text: string, hit: number) => number);
  /** Capture group holding the secret (default: the whole match). */
  group?: number;
  /** Require a non-token character before the match (default true). */
  boundary?: boolean;
}

/** A rule that recognises a value by its shape (and, where one exists, its checksum). */
export interface ProviderRule extends RuleMeta {
  patterns: Pattern[];
  /** Characters of a match that may be shown (a format prefix such as "sk_live_"). */
  keepPrefix?: number;
  /** Extra check on the value: a checksum, a decoded field, a JWT's role. */
  validate?: (value: string) => boolean;
  /**
   * The match is a container of a credential (a URL, a command line) that may itself be a
   * provider format: a format rule that finds the credential inside wins over this one.
   */
  container?: boolean;
  /** Extra check on the text around the value (`[start, end)`), e.g. that it is a curl command. */
  context?: (text: string, start: number, end: number) => boolean;
}

/** A rule for formats without a distinctive shape: recognised by the name they are assigned to. */
export interface NamedRule extends RuleMeta {
  /** Tested on the variable, property or header name. */
  name: RegExp;
  /** Tested on the whole value. */
  value: RegExp;
  /** A word that must appear in the name or within 400 characters (lower case). */
  near?: string;
  /** Forms in which the call around the value names the provider (`new postmark.ServerClient("…")`). */
  patterns?: Pattern[];
}

export const ALNUM = 'A-Za-z0-9';
export const B64URL = 'A-Za-z0-9_\\-';
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * Joins parts of a sample at run time. Samples ship in the bundle, and a sample written out
 * whole (a placeholder Slack token, say) would trip the secret scanners that check bundles and
 * pushes; split into parts, the source and the bundle never hold the whole shape.
 */
export function joined(...parts: string[]): string {
  return parts.join('');
}

/** A value where no name helps: passed straight to a call. Recognising it takes its shape alone. */
export function call(value: string): string {
  return `const client = createClient("${value}");`;
}

export function lookBackFor(prefix: string, max: number) {
  return (text: string, hit: number): number => {
    const from = Math.max(0, hit - max);
    const i = text.slice(from, hit).lastIndexOf(prefix); // bounded: never reads more than `max` back
    return i >= 0 ? from + i : hit;
  };
}

/** Moves back over the digits before the anchor (at most `max`). */
export function backOverDigits(max: number) {
  return (text: string, hit: number): number => {
    let i = hit;
    while (i > 0 && hit - i < max && text.charCodeAt(i - 1) >= 48 && text.charCodeAt(i - 1) <= 57) i--;
    return i;
  };
}

/** Moves back over token characters before the anchor (at most `max`). */
export function backOverToken(max: number) {
  return (text: string, hit: number): number => {
    let i = hit;
    while (i > 0 && hit - i < max) {
      const c = text.charCodeAt(i - 1);
      if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 126 || c === 46))
        break;
      i--;
    }
    return i;
  };
}

export function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Upper and lower case letters and a digit: a random token, not an identifier made of words. */
export function mixedAlnum(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
}
