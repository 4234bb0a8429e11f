// Finding stored values in a text, in every form of forms.ts, at a cost per character that
// does not grow with the number of values.
//
// A multi-pattern Rabin–Karp search with sampling: every form is indexed by the hashes of its
// Q-character substrings at offsets 0..step-1. The scan hashes the text at every step-th
// position only, tests the hash against a bit filter, and only on a filter hit looks the hash
// up and compares the candidate forms. With `step` = shortest form − Q + 1, each occurrence
// holds a Q-gram that starts at a multiple of `step`, at an offset < step inside the form. API
// keys are long, so `step` is usually MAX_STEP; one stored value of 8 characters makes it 3.
//
// The values live only inside the matcher: a match carries offsets, a name and a form kind,
// never a value, and the matcher exposes no way to read a value back.

import { valueForms, type ValueForm } from './forms';
import { MIN_VALUE_LENGTH, type FormKind, type NamedValue, type ValueMatch } from './types';

/** Length of the hashed substrings (q-grams). */
const Q = 6;
/** Sampling distance for long forms; each form is indexed at this many offsets. */
const MAX_STEP = 7;
const BASE = 0x01000193;
/**
 * The filter sets three bits of one 32-bit word per indexed q-gram (a blocked Bloom filter:
 * one memory access per test). At 8 bits per q-gram about 4% of tests pass falsely, so
 * verification is rare. It is at most 256 KiB, so it stays in the CPU's cache: with 10,000
 * values more tests pass falsely, which costs less than a filter that does not fit (measured).
 */
const FILTER_BITS_PER_ENTRY = 8;
const MIN_FILTER_BITS = 12;
const MAX_FILTER_BITS = 21;
const MAX_HEAD_BITS = 22;
/** A base64 occurrence is widened by at most one character before it, and one plus two `=` after. */
const MAX_LEAD = 1;
const MAX_TRAIL = 3;

export interface MatcherOptions {
  /**
   * Also find values shorter than MIN_VALUE_LENGTH, as they are (no other form). For
   * redaction, where hiding a few ordinary characters costs less than showing a short key.
   */
  shortValues?: boolean;
}

function gramHash(s: string, from: number): number {
  let h = 0;
  for (let i = 0; i < Q; i++) h = (Math.imul(h, BASE) + s.charCodeAt(from + i)) | 0;
  return h;
}

/** The three bits a q-gram's hash sets in its filter word (the word is chosen by the top bits). */
function filterMask(h: number): number {
  return (1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31));
}

function isBase64Char(c: number, url: boolean): boolean {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return true;
  return url ? c === 45 || c === 95 : c === 43 || c === 47;
}

export class ValueMatcher {
  /** Number of distinct values matched. */
  readonly size: number;
  /** Longest possible match, in UTF-16 code units. */
  readonly maxLength: number;
  /** Distance between the sampled text positions. */
  private readonly step: number;
  /** The indexed forms; entry `e` is the q-gram at offset `e % step` of form `e / step`. */
  private readonly indexed: Array<{ form: ValueForm; name: string }> = [];
  private readonly filter: Uint32Array;
  private readonly shift: number;
  /** Entries by hash: a chained hash table in typed arrays (cheap to build for 10,000 values). */
  private readonly entryHash: Int32Array;
  private readonly nextEntry: Int32Array;
  private readonly heads: Int32Array;
  private readonly headShift: number;
  /** Every form with its name, longest first (for a value cut off at the end of a text). */
  private readonly forms: Array<{ text: string; name: string }> = [];
  private readonly short: Array<{ text: string; name: string }> = [];

  constructor(values: Iterable<NamedValue>, options: MatcherOptions = {}) {
    const seenValues = new Set<string>();
    const seenForms = new Set<string>();
    const indexed = this.indexed;
    let longest = 0;
    let shortest = Infinity;
    for (const { name, value } of values) {
      if (!value || seenValues.has(value)) continue;
      if (value.length < MIN_VALUE_LENGTH) {
        if (options.shortValues) {
          seenValues.add(value);
          this.short.push({ text: value, name });
          this.forms.push({ text: value, name });
          longest = Math.max(longest, value.length);
        }
        continue;
      }
      seenValues.add(value);
      for (const form of valueForms(value)) {
        if (seenForms.has(form.text)) continue;
        seenForms.add(form.text);
        this.forms.push({ text: form.text, name });
        indexed.push({ form, name });
        longest = Math.max(longest, form.text.length);
        shortest = Math.min(shortest, form.text.length);
      }
    }
    this.step = Math.min(MAX_STEP, shortest - Q + 1);
    this.size = seenValues.size;
    this.maxLength = longest + MAX_LEAD + MAX_TRAIL;
    this.forms.sort((a, b) => b.text.length - a.text.length);

    const count = indexed.length * this.step;
    let bits = MIN_FILTER_BITS;
    while (bits < MAX_FILTER_BITS && 1 << bits < count * FILTER_BITS_PER_ENTRY) bits++;
    this.filter = new Uint32Array(1 << (bits - 5));
    this.shift = 32 - (bits - 5);
    let headBits = 4;
    while (headBits < MAX_HEAD_BITS && 1 << headBits < count) headBits++;
    this.heads = new Int32Array(1 << headBits).fill(-1);
    this.headShift = 32 - headBits;
    this.entryHash = new Int32Array(count);
    this.nextEntry = new Int32Array(count);
    for (let e = 0; e < count; e++) {
      const h = gramHash(indexed[Math.floor(e / this.step)]!.form.text, e % this.step);
      const word = h >>> this.shift;
      this.filter[word] = (this.filter[word] as number) | filterMask(h);
      this.entryHash[e] = h;
      const head = h >>> this.headShift;
      this.nextEntry[e] = this.heads[head] as number;
      this.heads[head] = e;
    }
  }

  /**
   * Calls `found` for every occurrence of a value, in any form, that starts in [from, to) of
   * `text`. Base64 occurrences are widened over the edge characters that also hold bits of
   * the value, and over `=` padding.
   */
  search(
    text: string,
    from: number,
    to: number,
    found: (start: number, end: number, name: string, kind: FormKind) => void,
  ): void {
    const start = Math.max(0, from);
    const end = Math.min(to, text.length);
    if (start >= end) return;
    if (this.indexed.length > 0) {
      const { filter, entryHash, nextEntry, heads, headShift, indexed } = this;
      const shift = this.shift;
      const step = this.step;
      const scanFrom = Math.max(0, start - MAX_LEAD);
      const last = Math.min(end + step, text.length - Q);
      for (let p = scanFrom + ((step - (scanFrom % step)) % step); p <= last; p += step) {
        // gramHash(text, p), unrolled: this loop runs once per `step` characters of every file.
        let h = (Math.imul(text.charCodeAt(p), BASE) + text.charCodeAt(p + 1)) | 0;
        h = (Math.imul(h, BASE) + text.charCodeAt(p + 2)) | 0;
        h = (Math.imul(h, BASE) + text.charCodeAt(p + 3)) | 0;
        h = (Math.imul(h, BASE) + text.charCodeAt(p + 4)) | 0;
        h = (Math.imul(h, BASE) + text.charCodeAt(p + 5)) | 0;
        const mask = (1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31));
        if (((filter[h >>> shift] as number) & mask) !== mask) continue;
        for (let e = heads[h >>> headShift] as number; e !== -1; e = nextEntry[e] as number) {
          if (entryHash[e] !== h) continue;
          const { form, name } = indexed[Math.floor(e / step)]!;
          const s = p - (e % step);
          if (s < 0 || !text.startsWith(form.text, s)) continue;
          let a = s;
          let b = s + form.text.length;
          if (form.alphabet) {
            const url = form.alphabet === 'base64url';
            if (form.lead && a > 0 && isBase64Char(text.charCodeAt(a - 1), url)) a--;
            if (form.trail && b < text.length && isBase64Char(text.charCodeAt(b), url)) {
              b++;
              for (let pad = 0; pad < 2 && text.charCodeAt(b) === 61; pad++) b++;
            }
          }
          if (a >= start && a < end) found(a, b, name, form.kind);
        }
      }
    }
    for (const { text: v, name } of this.short) {
      for (let i = text.indexOf(v, start); i !== -1 && i < end; i = text.indexOf(v, i + v.length))
        found(i, i + v.length, name, 'raw');
    }
  }

  /** Every occurrence in `text`, by start, the longest first among those starting together. */
  matches(text: string): ValueMatch[] {
    const out: ValueMatch[] = [];
    this.search(text, 0, text.length, (start, end, name, kind) => void out.push({ start, end, name, kind }));
    return out.sort((a, b) => a.start - b.start || b.end - a.end);
  }

  /** Names of the values found in `text`, sorted. */
  names(text: string): string[] {
    const names = new Set<string>();
    this.search(text, 0, text.length, (_s, _e, name) => void names.add(name));
    return [...names].sort();
  }

  /**
   * The longest tail of `text`, at least `minLength` characters, that is the beginning of a
   * form of a value: the part left of a value cut off by a size limit.
   */
  partialAtEnd(text: string, minLength: number): { start: number; name: string } | undefined {
    let best: { start: number; name: string } | undefined;
    for (const { text: form, name } of this.forms) {
      if (form.length <= minLength) continue;
      const head = form.slice(0, minLength);
      const limit = text.length - minLength;
      for (
        let i = text.indexOf(head, Math.max(0, text.length - form.length + 1));
        i !== -1 && i <= limit;
        i = text.indexOf(head, i + 1)
      ) {
        if (best && i >= best.start) break;
        if (form.startsWith(text.slice(i))) {
          best = { start: i, name };
          break;
        }
      }
    }
    return best;
  }
}

/** Names of the values found in `text` in any form, sorted. */
export function valueNamesIn(text: string, values: readonly NamedValue[]): string[] {
  return new ValueMatcher(values).names(text);
}
