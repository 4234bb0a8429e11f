// Exact matching of the user's own stored values, whatever their format.
//
// A multi-pattern Rabin–Karp search: every value is indexed by the hash of its first
// WINDOW characters. The scan rolls that hash along the text once (a few integer operations
// per character), tests it against a 2^22-bit filter, and only on a filter hit looks the hash
// up and compares the candidate values. The cost per character does not depend on the
// number of values; 10,000 values fill 0.24% of the filter, so verification is rare.
//
// The values live only inside the closure of the index: they are never copied into a
// finding, a message or a log line, and the index exposes no way to read them back.

import type { KnownValueIndex } from './types';

/** Values shorter than this are not matched: they would match ordinary text. */
export const KNOWN_VALUE_MIN_LENGTH = 8;
const WINDOW = KNOWN_VALUE_MIN_LENGTH;
const BASE = 0x01000193;
const FILTER_BITS = 22;

function pow32(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base);
  return r;
}
const OUT_FACTOR = pow32(BASE, WINDOW - 1);

function windowHash(s: string, from: number): number {
  let h = 0;
  for (let i = 0; i < WINDOW; i++) h = (Math.imul(h, BASE) + s.charCodeAt(from + i)) | 0;
  return h;
}

/**
 * Builds the index of the user's stored values. Values shorter than 8 characters are skipped;
 * `isPublic`, when given, drops values that are public by design.
 */
export function buildKnownValueIndex(values: Iterable<string>, isPublic?: (value: string) => boolean): KnownValueIndex {
  const filter = new Uint32Array(1 << (FILTER_BITS - 5));
  const byHash = new Map<number, string[]>();
  let size = 0;
  let maxLength = 0;
  const seen = new Set<string>();
  for (const v of values) {
    if (v.length < KNOWN_VALUE_MIN_LENGTH || seen.has(v) || (isPublic && isPublic(v))) continue;
    seen.add(v);
    const h = windowHash(v, 0);
    const bit = h >>> (32 - FILTER_BITS);
    filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
    const list = byHash.get(h);
    if (list) list.push(v);
    else byHash.set(h, [v]);
    size++;
    if (v.length > maxLength) maxLength = v.length;
  }
  // Longest first, so overlapping values report the longest match at a position.
  for (const list of byHash.values()) list.sort((a, b) => b.length - a.length);

  function search(text: string, from: number, to: number, found: (start: number, end: number) => void): void {
    if (size === 0) return;
    const start = Math.max(0, from);
    const last = Math.min(to, text.length - WINDOW + 1); // exclusive bound on window starts
    if (start >= last) return;
    let h = windowHash(text, start);
    for (let p = start; ; ) {
      const bit = h >>> (32 - FILTER_BITS);
      if (((filter[bit >>> 5] as number) & (1 << (bit & 31))) !== 0) {
        const list = byHash.get(h);
        if (list) {
          for (const v of list) {
            if (text.startsWith(v, p)) {
              found(p, p + v.length);
              break;
            }
          }
        }
      }
      if (++p >= last) break;
      h = (Math.imul((h - Math.imul(text.charCodeAt(p - 1), OUT_FACTOR)) | 0, BASE) + text.charCodeAt(p + WINDOW - 1)) | 0;
    }
  }

  return { size, maxLength, search };
}
