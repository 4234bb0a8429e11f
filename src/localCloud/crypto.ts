// Encryption at rest: AES-256-GCM with a random 12-byte IV per value and the project, name
// and version as additional authenticated data, so a sealed value cannot be moved to another
// key or version unnoticed. The master key lives outside the database: in the environment
// variable CLOUDXLR_MASTER_KEY (base64 of 32 bytes) or in `master.key` (mode 0600) in the data
// directory. The database keeps only a check value derived from it, to refuse a wrong key.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const MASTER_KEY_ENV = 'CLOUDXLR_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class MasterKeyError extends Error {}

/** Where the master key came from, for the start-up message (never the key itself). */
export type MasterKeySource = 'environment' | 'file' | 'created' | 'option';

export interface LoadedMasterKey {
  key: Buffer;
  source: MasterKeySource;
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new MasterKeyError(
      `The master key in ${where} is not the base64 form of 32 bytes. Fix it, or restore the original.`,
    );
  }
  return key;
}

/**
 * Loads the master key: the environment variable first, then the data directory's file. The
 * file is created (0600) only for a fresh data directory; `hasData` says whether the database
 * already holds sealed values, in which case a missing key is an error, never a new key.
 */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv, hasData: boolean): LoadedMasterKey {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv) return { key: decodeKey(fromEnv, `the environment variable ${MASTER_KEY_ENV}`), source: 'environment' };
  const file = path.join(dataDir, MASTER_KEY_FILE);
  if (fs.existsSync(file)) {
    const mode = fs.statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return { key: decodeKey(fs.readFileSync(file, 'utf8'), file), source: 'file' };
  }
  if (hasData) {
    throw new MasterKeyError(
      `The master key ${file} is missing, and the data directory holds encrypted values. Restore the file or set ${MASTER_KEY_ENV}.`,
    );
  }
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, source: 'created' };
}

export class ValueCipher {
  private readonly encKey: Buffer;
  /** A value derived from the master key that reveals nothing about it; stored in `meta`. */
  readonly check: string;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new MasterKeyError('The master key must be 32 bytes.');
    this.encKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'cloudxlr values v1', 32));
    const checkKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'cloudxlr key check v1', 32));
    this.check = createHmac('sha256', checkKey).update('cloudxlr master key check').digest('hex');
  }

  matches(check: string): boolean {
    const a = Buffer.from(this.check);
    const b = Buffer.from(check);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  seal(project: string, name: string, version: number, value: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    cipher.setAAD(aad(project, name, version));
    const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ct]);
  }

  /** Throws when the sealed bytes were changed or belong to another project, key or version. */
  open(project: string, name: string, version: number, sealed: Buffer): string {
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('A stored value is truncated.');
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(aad(project, name, version));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

function aad(project: string, name: string, version: number): Buffer {
  return Buffer.from(JSON.stringify(['cloudxlr.value.v1', project, name, version]), 'utf8');
}
