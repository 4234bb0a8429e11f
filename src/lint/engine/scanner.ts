// The core scan: one prefilter pass finds the cheap literal anchors of every provider rule
// and the secret-sounding words of the generic rule; each hit then runs one bounded, sticky
// regular expression or a hand-written assignment reader. Work is linear in the text.
//
// `scanRegion` reports findings whose value *starts* in [from, to). Partitioning by start
// lets a big text be scanned in chunks, and an edited document rescanned around the edit,
// with results identical to a whole-text scan (see incremental.ts).

import { maskExcerpt } from '../../shared/secretText';
import { suggestKeyName } from '../../shared/names';
import { inFirebaseConfig, isPlaceholder, isPublicByDesign, isReference } from './context';
import { isSecretName, looksRandom } from './entropy';
import { COMMON_BIGRAMS } from './bigrams';
import {
  META_RULES,
  NAMED_RULES,
  PROVIDER_RULES,
  type NamedRule,
  type Pattern,
  type ProviderRule,
  type RuleMeta,
} from './rules';
import type { FileKind, RawFinding, ScanOptions, Severity } from './types';

interface CompiledPattern extends Pattern {
  rule: ProviderRule | NamedRule;
  re: RegExp;
}

const KEYWORD_BASES = ['secret', 'token', 'pass', 'pwd', 'key', 'auth', 'credential', 'bearer'];

/** Longest distance from a keyword to the value assigned to it. */
export const ASSIGNMENT_SPAN = 160 + 1024 + 32;
/** Longest distance a pattern reaches back before its anchor. */
const MAX_BACK = 64;
/** Longest provider match (private key blocks). */
const MAX_MATCH = 12200;
/** Context a check reads around a value (Firebase, Algolia and `near` windows). */
const MAX_CONTEXT = 420;
/**
 * How far an edit can change findings: a finding whose value starts farther than this from
 * an edit is unaffected by it (known values add their longest length, see incremental.ts).
 */
export const INFLUENCE = MAX_MATCH + MAX_CONTEXT + ASSIGNMENT_SPAN + MAX_BACK;

interface Probe {
  anchor: string;
  /** Offset of the probed pair inside the anchor. */
  offset: number;
  patterns: CompiledPattern[];
  keyword: boolean;
}

let compiled: { table: Uint16Array; lists: Probe[][]; maxAnchor: number } | undefined;

function pairCode(a: number, b: number): number {
  return ((a & 0xff) << 8) | (b & 0xff);
}

/** The anchor's rarest character pair (by COMMON_BIGRAMS rank), as an offset. */
function rarestPair(anchor: string): number {
  let best = 0;
  let bestRank = -1;
  for (let i = 0; i + 1 < anchor.length; i++) {
    const pair = anchor.slice(i, i + 2);
    let rank = COMMON_BIGRAMS.length; // not among the common pairs: rarest
    for (let j = 0; j < COMMON_BIGRAMS.length; j += 2) {
      if (COMMON_BIGRAMS.startsWith(pair, j)) {
        rank = j;
        break;
      }
    }
    if (rank > bestRank) {
      bestRank = rank;
      best = i;
    }
  }
  return best;
}

/**
 * The prefilter: a 65,536-entry table of character pairs. Each anchor (and each case form of
 * each secret-sounding word) is registered under its rarest pair; the scan loop reads each
 * character once and stops only where a registered pair occurs, then confirms the anchor
 * with `startsWith`. One pass, a table lookup per character, whatever the number of rules.
 */
function compile(): NonNullable<typeof compiled> {
  if (compiled) return compiled;
  const byAnchor = new Map<string, Probe>();
  for (const rule of [...PROVIDER_RULES, ...NAMED_RULES]) {
    for (const p of rule.patterns ?? []) {
      const probe = byAnchor.get(p.anchor) ?? { anchor: p.anchor, offset: 0, patterns: [], keyword: false };
      probe.patterns.push({ ...p, rule, re: new RegExp(p.source, 'y') });
      byAnchor.set(p.anchor, probe);
    }
  }
  for (const k of KEYWORD_BASES) {
    for (const form of [k, k[0]!.toUpperCase() + k.slice(1), k.toUpperCase()]) {
      const probe = byAnchor.get(form) ?? { anchor: form, offset: 0, patterns: [], keyword: false };
      probe.keyword = true;
      byAnchor.set(form, probe);
    }
  }
  for (const probe of byAnchor.values()) {
    if (!probe.keyword && KEYWORD_BASES.some((k) => probe.anchor.toLowerCase().startsWith(k))) probe.keyword = true;
  }
  const table = new Uint16Array(65536);
  const lists: Probe[][] = [];
  let maxAnchor = 0;
  for (const probe of byAnchor.values()) {
    probe.offset = rarestPair(probe.anchor);
    maxAnchor = Math.max(maxAnchor, probe.anchor.length);
    const code = pairCode(probe.anchor.charCodeAt(probe.offset), probe.anchor.charCodeAt(probe.offset + 1));
    let slot = table[code] as number;
    if (slot === 0) {
      lists.push([]);
      slot = lists.length;
      table[code] = slot;
    }
    (lists[slot - 1] as Probe[]).push(probe);
  }
  compiled = { table, lists, maxAnchor };
  return compiled;
}

function isTokenChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isNameChar(c: number): boolean {
  return isTokenChar(c) || c === 36 || c === 45 || c === 46; // $ - .
}
function isQuote(c: number): boolean {
  return c === 34 || c === 39 || c === 96;
}

export const PRIORITY = { generic: 1, named: 2, known: 2, provider: 3, env: 4 } as const;

export interface Assignment {
  name: string;
  valueStart: number;
  valueEnd: number;
}

/** A TypeScript type annotation before `=`: `: string =`, `: Record<string, string> =`. */
const TYPE_ANNOTATION = /[ \t]{0,4}[A-Za-z_$][\w$.<>,[\]| \t]{0,60}=(?![=>])/y;
/** An environment lookup with a literal fallback: `process.env.X || `, `import.meta.env.X ?? `. */
const ENV_FALLBACK =
  /(?:process\.env|import\.meta\.env)(?:\.[A-Za-z_$][\w$]{0,80}|\[["'][\w.-]{1,80}["']\])[ \t]{0,4}(?:\|\||\?\?)[ \t]{0,4}/y;

/**
 * Reads `name = "value"`, `name: 'value'`, `"name": "value"`, `name="value"` (HTML, JSX),
 * `name={"value"}` (JSX), `name: string = "value"` (TypeScript), `name = process.env.X ||
 * "value"` (a hardcoded fallback), `?api_key=value&` (a URL query) and
 * `Authorization: "Bearer value"` around a keyword hit. Bounded: at most ASSIGNMENT_SPAN
 * characters are read.
 */
export function assignmentAt(text: string, hit: number, nameEnd?: { value: number }): Assignment | undefined {
  let s = hit;
  while (s > 0 && hit - s < 80 && isNameChar(text.charCodeAt(s - 1))) s--;
  let e = hit;
  const n = text.length;
  while (e < n && e - hit < 80 && isNameChar(text.charCodeAt(e))) e++;
  if (nameEnd) nameEnd.value = e;
  let p = e;
  const before = text.charCodeAt(s - 1);
  if ((before === 63 /* ? */ || before === 38) /* & */ && text.charCodeAt(e) === 61) {
    // `?name=` in a URL, not `a?.token==b` (optional chaining) or `a&&token=b`.
    return /^[A-Za-z_][\w-]*$/.test(text.slice(s, e)) && text.charCodeAt(s - 2) !== 38
      ? queryValue(text, s, e)
      : undefined;
  }
  if (isQuote(before) && text.charCodeAt(p) === before) p++;
  let spaces = 0;
  while (p < n && spaces < 8 && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) {
    p++;
    spaces++;
  }
  const op = text.charCodeAt(p);
  if (op === 58 /* : */) {
    if (text.charCodeAt(p + 1) === 58) return undefined;
    p += text.charCodeAt(p + 1) === 61 ? 2 : 1;
    TYPE_ANNOTATION.lastIndex = p;
    if (TYPE_ANNOTATION.test(text)) p = TYPE_ANNOTATION.lastIndex;
  } else if (op === 61 /* = */) {
    const next = text.charCodeAt(p + 1);
    if (next === 61 || next === 62) return undefined; // == === =>
    p++;
  } else {
    return undefined;
  }
  spaces = 0;
  while (p < n && spaces < 16) {
    const c = text.charCodeAt(p);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    p++;
    spaces++;
  }
  if (text.charCodeAt(p) === 123 /* { */ && isQuote(text.charCodeAt(p + 1))) p++; // JSX: name={"value"}
  ENV_FALLBACK.lastIndex = p;
  if (ENV_FALLBACK.test(text)) p = ENV_FALLBACK.lastIndex;
  const q = text.charCodeAt(p);
  if (!isQuote(q)) return undefined;
  const valueStart = p + 1;
  let i = valueStart;
  const limit = Math.min(n, valueStart + 1024);
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === q) break;
    if (c === 92 /* \ */) {
      i += 2;
      continue;
    }
    if ((c === 10 || c === 13) && q !== 96) return undefined;
    i++;
  }
  if (i >= limit || text.charCodeAt(i) !== q) return undefined;
  return { name: text.slice(s, e), valueStart, valueEnd: i };
}

/** `?name=value` or `&name=value` in a URL: the value runs to `&`, `#`, a quote or a space. */
function queryValue(text: string, s: number, e: number): Assignment | undefined {
  const valueStart = e + 1;
  const limit = Math.min(text.length, valueStart + 1024);
  let i = valueStart;
  while (i < limit) {
    const c = text.charCodeAt(i);
    // Ends at & # quote space < > ( ) $ { } [ ] | ; , \ =
    if (
      c === 38 ||
      c === 35 ||
      isQuote(c) ||
      c <= 32 ||
      c === 60 ||
      c === 62 ||
      c === 40 ||
      c === 41 ||
      c === 36 ||
      c === 123 ||
      c === 125
    )
      break;
    if (c === 91 || c === 93 || c === 124 || c === 59 || c === 44 || c === 92 || c === 61) break;
    i++;
  }
  if (i === valueStart) return undefined;
  return { name: text.slice(s, e), valueStart, valueEnd: i };
}

function severityFor(kind: FileKind, meta: RuleMeta): Severity {
  if (kind === 'server') return 'warning';
  return meta.id === 'generic-secret' ? 'warning' : 'error';
}

export function messageFor(kind: FileKind, meta: RuleMeta, excerpt: string, keyName: string, name?: string): string {
  const what =
    meta.id === 'known-value'
      ? `${knownValueTitle(name)} (${excerpt})`
      : meta.id === 'generic-secret'
        ? `A likely secret (${excerpt}) assigned to "${name ?? ''}"`
        : `${meta.title} (${excerpt})`;
  if (kind === 'server') {
    return `${what} is hardcoded in a Cloud Function. Store it in API Keys and read it with ctx.secrets.get("${keyName}").`;
  }
  return `${what} is in code that ships to the browser: anyone who loads the page can read it. Move it to API Keys and make the call from a Cloud Function.`;
}

/** What an exact match of a stored value is called: the key it matched, when known. */
export function knownValueTitle(keyName: string | undefined): string {
  return keyName ? `The value of your stored API key ${keyName}` : 'The value of one of your stored API keys';
}

function replaceRange(text: string, start: number, end: number): RawFinding['replace'] {
  const q = text.charCodeAt(start - 1);
  if (isQuote(q) && text.charCodeAt(end) === q) return { start: start - 1, end: end + 1, quoted: true };
  return { start, end, quoted: false };
}

function makeFinding(
  text: string,
  kind: FileKind,
  meta: RuleMeta,
  start: number,
  end: number,
  keepPrefix: number,
  keyName: string,
  priority: number,
  name?: string,
): RawFinding {
  const excerpt = maskExcerpt(text.slice(start, end), keepPrefix);
  return {
    ruleId: meta.id,
    severity: severityFor(kind, meta),
    message: messageFor(kind, meta, excerpt, keyName, name),
    provider: meta.provider,
    suggestedKeyName: keyName,
    excerpt,
    start,
    end,
    replace: replaceRange(text, start, end),
    priority,
  };
}

function runPattern(text: string, p: CompiledPattern, hit: number): { start: number; end: number } | undefined {
  const start = p.back === undefined ? hit : typeof p.back === 'number' ? hit - p.back : p.back(text, hit);
  if (start < 0) return undefined;
  const bounded = p.boundary !== false;
  if (bounded && start > 0 && isTokenChar(text.charCodeAt(start - 1))) return undefined;
  p.re.lastIndex = start;
  const m = p.re.exec(text);
  if (!m) return undefined;
  const mEnd = start + m[0].length;
  if (bounded && mEnd < text.length && isTokenChar(text.charCodeAt(mEnd))) return undefined;
  if (p.group !== undefined) {
    const g = m[p.group];
    if (g === undefined) return undefined;
    const gs = start + m[0].lastIndexOf(g);
    return { start: gs, end: gs + g.length };
  }
  return { start, end: mEnd };
}

/** Checks a provider match's value; false when it is a placeholder or public by design. */
function acceptProvider(text: string, rule: ProviderRule | NamedRule, start: number, end: number): boolean {
  const value = text.slice(start, end);
  if ('validate' in rule && rule.validate && !rule.validate(value)) return false;
  if (isPlaceholder(value) || continuesAsPlaceholder(text, end) || insideBase64(text, start)) return false;
  if ('context' in rule && rule.context && !rule.context(text, start, end)) return false;
  if (rule.id === 'google-api-key' && inFirebaseConfig(text, start, end)) return false;
  return true;
}

/** `xoxb-1234-####…`, `sk_live_abc***`, `ghp_abc…`: a value cut short by a mask or an ellipsis. */
function continuesAsPlaceholder(text: string, end: number): boolean {
  const c = text.charCodeAt(end);
  return (
    c === 35 /* # */ || c === 42 /* * */ || c === 0x2022 /* • */ || c === 0x2026 /* … */ || text.startsWith('...', end)
  );
}

/**
 * A match that starts after `+` or `/` inside a base64 run, or inside a lockfile integrity hash
 * (`sha512-…`), is a slice of encoded data that happens to look like a prefix, not a key.
 */
function insideBase64(text: string, start: number): boolean {
  const before = text.charCodeAt(start - 1);
  if ((before === 43 || before === 47) && isTokenChar(text.charCodeAt(start - 2))) return true;
  let i = start;
  while (i > 0 && start - i < 100 && isBase64Char(text.charCodeAt(i - 1))) i--;
  if (text.charCodeAt(i - 1) !== 45 /* - */) return false;
  const head = text.slice(Math.max(0, i - 7), i - 1);
  return /sha(?:1|256|384|512)$/.test(head);
}

function isBase64Char(c: number): boolean {
  return isTokenChar(c) || c === 43 || c === 47 || c === 61;
}

/** Named and generic checks on an assigned value; returns a finding or undefined. */
export function judgeAssignment(
  text: string,
  kind: FileKind,
  a: Assignment,
  disabled: ReadonlySet<string>,
): RawFinding | undefined {
  let start = a.valueStart;
  const end = a.valueEnd;
  let value = text.slice(start, end);
  const bearer = /^(?:Bearer|Basic|Token|token|bearer)\s+/.exec(value);
  if (bearer) {
    start += bearer[0].length;
    value = value.slice(bearer[0].length);
  }
  if (value.length < 16 || isReference(value) || isPlaceholder(value)) return undefined;
  const lowerName = a.name.toLowerCase();
  for (const rule of NAMED_RULES) {
    if (disabled.has(rule.id) || !rule.name.test(a.name) || !rule.value.test(value)) continue;
    if (rule.near && !lowerName.includes(rule.near) && !windowHas(text, start, end, rule.near)) continue;
    return makeFinding(text, kind, rule, start, end, 0, rule.keyName, PRIORITY.named);
  }
  if (disabled.has('generic-secret') || !isSecretName(a.name) || !looksRandom(value)) return undefined;
  if (isPublicByDesign(value, a.name, text, start, end)) return undefined;
  const generic = META_RULES.find((r) => r.id === 'generic-secret') as RuleMeta;
  const last = a.name.split('.').pop() ?? a.name;
  // The name is shown in the message; never show one that could itself be a secret.
  const shown = last.length <= 48 && !looksRandom(last) ? last : 'a secret-sounding name';
  return makeFinding(
    text,
    kind,
    generic,
    start,
    end,
    0,
    suggestKeyName(last.replace(/^\$+/, '')),
    PRIORITY.generic,
    shown,
  );
}

function windowHas(text: string, start: number, end: number, word: string): boolean {
  return text
    .slice(Math.max(0, start - 400), Math.min(text.length, end + 400))
    .toLowerCase()
    .includes(word);
}

const KNOWN = META_RULES.find((r) => r.id === 'known-value') as RuleMeta;

/**
 * Appends to `out` the findings whose value starts in [from, to), unfiltered by ignore
 * comments and not de-duplicated (see `dedupe`).
 */
export function scanRegion(text: string, from: number, to: number, options: ScanOptions, out: RawFinding[]): void {
  const { table, lists, maxAnchor } = compile();
  const kind = options.kind ?? 'frontend';
  const disabled = new Set(options.disabledRules ?? []);
  const searchFrom = Math.max(0, from - ASSIGNMENT_SPAN);
  const searchTo = Math.min(text.length, to + MAX_BACK);
  const loopEnd = Math.min(text.length, searchTo + maxAnchor);
  // Keyword hits inside a name already read (SECRET_KEY has two) are skipped.
  const nameEnd = { value: -1 };
  let prev = text.charCodeAt(searchFrom) & 0xff;
  for (let i = searchFrom + 1; i < loopEnd; i++) {
    const c = text.charCodeAt(i) & 0xff;
    const slot = table[(prev << 8) | c] as number;
    prev = c;
    if (slot === 0) continue;
    for (const probe of lists[slot - 1] as Probe[]) {
      const hit = i - 1 - probe.offset;
      if (hit < searchFrom || hit >= searchTo || !text.startsWith(probe.anchor, hit)) continue;
      for (const p of probe.patterns) {
        if (disabled.has(p.rule.id)) continue;
        const r = runPattern(text, p, hit);
        if (!r || r.start < from || r.start >= to) continue;
        if (!acceptProvider(text, p.rule, r.start, r.end)) continue;
        const keep = 'keepPrefix' in p.rule ? (p.rule.keepPrefix ?? 0) : 0;
        const priority = 'container' in p.rule && p.rule.container ? PRIORITY.named : PRIORITY.provider;
        out.push(makeFinding(text, kind, p.rule, r.start, r.end, keep, p.rule.keyName, priority));
      }
      if (probe.keyword && hit >= nameEnd.value) {
        const a = assignmentAt(text, hit, nameEnd);
        if (a) {
          if (a.valueStart >= from - 16 && a.valueStart < to) {
            const f = judgeAssignment(text, kind, a, disabled);
            if (f && f.start >= from && f.start < to) out.push(f);
          }
        }
      }
    }
  }
  if (options.knownValues && options.knownValues.size > 0 && !disabled.has('known-value')) {
    options.knownValues.search(text, from, to, (s, e, name) => {
      const f = makeFinding(text, kind, KNOWN, s, e, 0, name ?? 'API_KEY', PRIORITY.known, name);
      out.push(name ? { ...f, storedAs: name } : f);
    });
  }
}

/** Sorts by start and drops findings that overlap a higher-priority (or earlier equal) one. */
export function dedupe(findings: RawFinding[]): RawFinding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.priority - a.priority || b.end - a.end);
  const kept: RawFinding[] = [];
  for (const f of sorted) {
    let drop = false;
    for (let i = kept.length - 1; i >= 0 && i >= kept.length - 16; i--) {
      const k = kept[i] as RawFinding;
      if (k.start < f.end && f.start < k.end) {
        if (k.priority >= f.priority) {
          drop = true;
          break;
        }
        kept.splice(i, 1);
      }
    }
    if (!drop) kept.push(f);
  }
  return kept;
}
