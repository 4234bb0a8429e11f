// Exact matching of the user's own stored values, whatever their format.
//
// A multi-pattern Rabin–Karp search with sampling: every value is indexed by the hashes of
// its 6-character substrings at offsets 0..6. The scan hashes the text at every seventh
// position only, tests the hash against a 2^21-bit filter, and only on a filter hit looks the
// hash up and compares the candidate values. The cost per character does not depend on the
// number of values; 10,000 values fill about 3.3% of the filter, so verification is rare.
//
// The values live only inside the closure of the index: they are never copied into a
// finding, a message or a log line, and the index exposes no way to read them back.

import type { KnownValueIndex, NamedValue } from './types';

/** Values shorter than this are not matched: they would match ordinary text. */
export const KNOWN_VALUE_MIN_LENGTH = 12;
/** Length of the indexed substrings (q-grams). */
const Q = 6;
/**
 * Every value has at least KNOWN_VALUE_MIN_LENGTH characters, so each occurrence contains a
 * q-gram that starts at a multiple of STEP in the text, at offset < STEP inside the value.
 * Indexing the q-grams at offsets 0..STEP-1 of each value lets the scan hash only one text
 * position in STEP.
 */
const STEP = KNOWN_VALUE_MIN_LENGTH - Q + 1;
const BASE = 0x01000193;
const FILTER_BITS = 21;

function gramHash(s: string, from: number): number {
  let h = 0;
  for (let i = 0; i < Q; i++) h = (Math.imul(h, BASE) + s.charCodeAt(from + i)) | 0;
  return h;
}

/**
 * Builds the index of the user's stored values. Values shorter than 12 characters are
 * skipped; `isPublic`, when given, drops values that are public by design.
 */
export function buildKnownValueIndex(values: Iterable<string | NamedValue>, isPublic?: (value: string) => boolean): KnownValueIndex {
  const filter = new Uint32Array(1 << (FILTER_BITS - 5));
  const byHash = new Map<number, Array<{ value: string; offset: number; name: string | undefined }>>();
  let size = 0;
  let maxLength = 0;
  const seen = new Set<string>();
  for (const entry of values) {
    const v = typeof entry === 'string' ? entry : entry.value;
    const name = typeof entry === 'string' ? undefined : entry.name;
    if (v.length < KNOWN_VALUE_MIN_LENGTH || seen.has(v) || (isPublic && isPublic(v))) continue;
    seen.add(v);
    for (let offset = 0; offset < STEP; offset++) {
      const h = gramHash(v, offset);
      const bit = h >>> (32 - FILTER_BITS);
      filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
      const list = byHash.get(h);
      if (list) list.push({ value: v, offset, name });
      else byHash.set(h, [{ value: v, offset, name }]);
    }
    size++;
    if (v.length > maxLength) maxLength = v.length;
  }

  function search(text: string, from: number, to: number, found: (start: number, end: number, name: string | undefined) => void): void {
    if (size === 0) return;
    const start = Math.max(0, from);
    const end = Math.min(to, text.length);
    // Sample positions: multiples of STEP from the first one >= start, up to end + STEP - 1.
    const last = Math.min(end + STEP - 1, text.length - Q);
    for (let p = start + ((STEP - (start % STEP)) % STEP); p <= last; p += STEP) {
      // gramHash(text, p), unrolled: this loop runs once per STEP characters of every file.
      let h = Math.imul(text.charCodeAt(p), BASE) + text.charCodeAt(p + 1) | 0;
      h = Math.imul(h, BASE) + text.charCodeAt(p + 2) | 0;
      h = Math.imul(h, BASE) + text.charCodeAt(p + 3) | 0;
      h = Math.imul(h, BASE) + text.charCodeAt(p + 4) | 0;
      h = Math.imul(h, BASE) + text.charCodeAt(p + 5) | 0;
      const bit = h >>> (32 - FILTER_BITS);
      if (((filter[bit >>> 5] as number) & (1 << (bit & 31))) === 0) continue;
      const list = byHash.get(h);
      if (!list) continue;
      for (const { value, offset, name } of list) {
        const s = p - offset;
        if (s >= start && s < end && text.startsWith(value, s)) found(s, s + value.length, name);
      }
    }
  }

  return { size, maxLength, search };
}
