// The install's audit key: 32 random bytes made once per install, kept in the database wrapped
// by the root key like the projects' data keys (keyring.ts), so a root-key rotation covers it
// and every node reads the same one. Sensitive audit fields (the client address) are stored as
// its HMAC, so equal addresses can be found (`cloudxlr cloud audit-hash ADDRESS`) but not read back.
import { createHmac } from 'crypto';
import type { Keyring } from './keyring';

/** The keyring's name for the install-wide audit key. */
export const AUDIT_KEY_NAME = 'audit_key';

export class AuditKey {
  constructor(private readonly key: Buffer) {}

  /** `hmac-sha256:<hex>` of `value`: what the audit stores in its place. */
  hash(value: string): string {
    return 'hmac-sha256:' + createHmac('sha256', this.key).update(value, 'utf8').digest('hex');
  }
}

/** The install's audit key, created on first use (nodes starting together agree on one). */
export async function loadAuditKey(keyring: Keyring): Promise<AuditKey> {
  return new AuditKey(await keyring.installKey(AUDIT_KEY_NAME));
}
