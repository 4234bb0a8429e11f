// The install's audit key: 32 random bytes, made once per install (the first node to start
// stores it, every later one reads the same), kept in the database's `meta` table sealed with
// the values' cipher. Sensitive audit fields (the client address) are stored as its HMAC, so
// equal addresses can be found (`cloudxlr cloud audit-hash ADDRESS`) but not read back.
import { createHmac, randomBytes } from 'crypto';
import type { ValueCipher } from './crypto';
import type { MetaStore } from './storage';

const META_KEY = 'audit_key';

export class AuditKey {
  constructor(private readonly key: Buffer) {}

  /** `hmac-sha256:<hex>` of `value`: what the audit stores in its place. */
  hash(value: string): string {
    return 'hmac-sha256:' + createHmac('sha256', this.key).update(value, 'utf8').digest('hex');
  }
}

/** Sealing of the audit key, in one place so it follows the key hierarchy when that changes. */
function seal(cipher: ValueCipher, key: Buffer): string {
  return cipher.seal('', META_KEY, 1, key.toString('base64')).toString('base64');
}

function open(cipher: ValueCipher, sealed: string): Buffer {
  return Buffer.from(cipher.open('', META_KEY, 1, Buffer.from(sealed, 'base64')), 'base64');
}

/** The install's audit key, created on first use (nodes starting together agree on one). */
export async function loadAuditKey(meta: MetaStore, cipher: ValueCipher): Promise<AuditKey> {
  const stored = await meta.setIfAbsent(META_KEY, seal(cipher, randomBytes(32)));
  return new AuditKey(open(cipher, stored));
}

/** The audit key when it exists (for the admin command that hashes a value), else undefined. */
export async function existingAuditKey(meta: MetaStore, cipher: ValueCipher): Promise<AuditKey | undefined> {
  const stored = await meta.get(META_KEY);
  return stored === undefined ? undefined : new AuditKey(open(cipher, stored));
}
