import { createHash } from 'crypto';

/** The contract's digest of a value: "sha256:" + hex(SHA-256(value bytes)). */
export function digestOf(value: string): string {
  return 'sha256:' + createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * A masked form of a secret that is safe to show: at most the last four characters,
 * and none at all for short values, so a short value is never half revealed.
 */
export function maskTail(value: string): string {
  if (value.length < 12) return '••••';
  return '…' + value.slice(-4);
}

/** A masked excerpt for findings: a known prefix kept (e.g. "sk_live_"), the rest hidden. */
export function maskExcerpt(value: string, keepPrefix = 0): string {
  const prefix = value.slice(0, Math.min(keepPrefix, Math.max(0, value.length - 8)));
  return `${prefix}${'•'.repeat(4)}${maskTail(value).replace('••••', '')}`;
}
