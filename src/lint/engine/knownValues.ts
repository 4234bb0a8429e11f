// The known-values rule's index: the user's stored values, found in every form the shared
// value matcher knows (raw, JSON-escaped, URL-encoded, hex, base64 at any alignment, …) at a
// cost per character that does not grow with the number of values.
//
// The values live only inside the matcher: they are never copied into a finding, a message or
// a log line, and the index exposes no way to read them back.

import { MIN_VALUE_LENGTH, ValueMatcher, type NamedValue } from '../../shared/valueMatch';
import type { KnownValueIndex } from './types';

/** Values shorter than this are not matched: they would match ordinary text. */
export const KNOWN_VALUE_MIN_LENGTH = MIN_VALUE_LENGTH;

/**
 * Builds the index of the user's stored values. Values shorter than KNOWN_VALUE_MIN_LENGTH
 * are skipped; `isPublic`, when given, drops values that are public by design.
 */
export function buildKnownValueIndex(
  values: Iterable<string | NamedValue>,
  isPublic?: (value: string) => boolean,
): KnownValueIndex {
  const named: NamedValue[] = [];
  for (const entry of values) {
    const v = typeof entry === 'string' ? { name: '', value: entry } : entry;
    if (!isPublic || !isPublic(v.value)) named.push(v);
  }
  return new ValueMatcher(named);
}
