// Encryption at rest: AES-256-GCM with a random 12-byte IV per value and the project, name
// and version as additional authenticated data, so a sealed value cannot be moved to another
// key or version unnoticed. Values are sealed with data keys (one per project, see keyring.ts),
// which the root key wraps. The root key (the "master key") lives outside the database: in the
// environment variable CLOUDXLR_MASTER_KEY (base64 of 32 bytes) or in `master.key` (mode 0600)
// in the data directory; during a rotation, CLOUDXLR_PREVIOUS_MASTER_KEYS names the keys it
// replaces. The database keeps only the root keys' ids (fingerprints), to refuse a wrong key.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const MASTER_KEY_ENV = 'CLOUDXLR_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
/** Root keys being replaced, accepted besides the current one: base64 keys separated by commas. */
export const PREVIOUS_MASTER_KEYS_ENV = 'CLOUDXLR_PREVIOUS_MASTER_KEYS';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class MasterKeyError extends Error {}

/** Where the master key came from, for the start-up message (never the key itself). */
export type MasterKeySource = 'environment' | 'file' | 'created' | 'option';

/** Where a root key came from: as the master key, a command's --key-file, or a previous key. */
export type RootKeySource = MasterKeySource | 'key-file' | 'previous';

/** Where each source is named in messages. */
export function describeKeySource(source: RootKeySource): string {
  if (source === 'environment') return MASTER_KEY_ENV;
  if (source === 'key-file') return '--key-file';
  if (source === 'option') return 'the options';
  if (source === 'previous') return 'the previous keys';
  return MASTER_KEY_FILE;
}

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

/** Previous root keys: CLOUDXLR_PREVIOUS_MASTER_KEYS, then each file (one base64 key per file). */
export function loadPreviousKeys(env: NodeJS.ProcessEnv, files: readonly string[] = []): Buffer[] {
  const keys: Buffer[] = [];
  const fromEnv = env[PREVIOUS_MASTER_KEYS_ENV];
  if (fromEnv) {
    for (const [i, text] of fromEnv.split(',').entries()) {
      if (text.trim() !== '')
        keys.push(decodeKey(text, `the environment variable ${PREVIOUS_MASTER_KEYS_ENV} (key ${i + 1})`));
    }
  }
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new MasterKeyError(`The previous key file ${file} cannot be read. Check the path and its permissions.`);
    }
    keys.push(decodeKey(text, file));
  }
  return keys;
}

const VALUES_INFO = 'cloudxlr values v1';

function derive(key: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
}

/** The id of a root key: a fingerprint derived from it (one-way), shown to people and kept in the database. */
export function rootKeyId(rootKey: Buffer): string {
  return (
    'rk_' +
    createHmac('sha256', derive(rootKey, 'cloudxlr root key id v1'))
      .update('cloudxlr root key id')
      .digest('hex')
      .slice(0, 20)
  );
}

/**
 * A root key: it wraps data keys (AES-256-GCM under a key derived from it, with the data key's
 * id and owner as additional data, so a wrapping cannot be moved to another data key). Before
 * envelopes, values were sealed with a key derived from the master key itself; `legacyValueKey`
 * is that key, kept as a data key of its own (id `legacy`).
 */
export class RootKey {
  readonly id: string;
  /** The check value earlier versions kept in `meta` (master_key_check). */
  readonly legacyCheck: string;
  /** The value key earlier versions derived from the master key (what ValueCipher derives). */
  readonly legacyValueKey: Buffer;
  private readonly wrapKey: Buffer;

  constructor(
    rootKey: Buffer,
    /** Where it came from, for messages. */
    readonly source: RootKeySource,
  ) {
    if (rootKey.length !== 32) throw new MasterKeyError('The master key must be 32 bytes.');
    this.id = rootKeyId(rootKey);
    this.wrapKey = derive(rootKey, 'cloudxlr root key wrap v1');
    this.legacyValueKey = derive(rootKey, VALUES_INFO);
    this.legacyCheck = new ValueCipher(rootKey).check;
  }

  wrap(dataKeyId: string, owner: string, dataKey: Buffer): Buffer {
    return sealBytes(this.wrapKey, wrapAad(dataKeyId, owner), dataKey);
  }

  /** Throws when the wrapping was made by another root key, changed, or belongs to another data key. */
  unwrap(dataKeyId: string, owner: string, wrapped: Buffer): Buffer {
    return openBytes(this.wrapKey, wrapAad(dataKeyId, owner), wrapped);
  }
}

function wrapAad(dataKeyId: string, owner: string): Buffer {
  return Buffer.from(JSON.stringify(['cloudxlr.data-key.v1', dataKeyId, owner]), 'utf8');
}

function sealBytes(key: Buffer, aadBytes: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aadBytes);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

function openBytes(key: Buffer, aadBytes: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('A stored value is truncated.');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(aadBytes);
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export class ValueCipher {
  private readonly encKey: Buffer;
  /** A value derived from the master key that reveals nothing about it; stored in `meta` ('' for a data key). */
  readonly check: string;

  /**
   * `key` is a master key (the value key is derived from it, as before envelopes) or, with
   * `kind` 'data-key', a data key used as it is.
   */
  constructor(key: Buffer, kind: 'master' | 'data-key' = 'master') {
    if (key.length !== 32)
      throw new MasterKeyError(`The ${kind === 'master' ? 'master' : 'data'} key must be 32 bytes.`);
    if (kind === 'data-key') {
      this.encKey = key;
      this.check = '';
      return;
    }
    this.encKey = derive(key, VALUES_INFO);
    this.check = createHmac('sha256', derive(key, 'cloudxlr key check v1'))
      .update('cloudxlr master key check')
      .digest('hex');
  }

  matches(check: string): boolean {
    const a = Buffer.from(this.check);
    const b = Buffer.from(check);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  seal(project: string, name: string, version: number, value: string): Buffer {
    return sealBytes(this.encKey, aad(project, name, version), Buffer.from(value, 'utf8'));
  }

  /** Throws when the sealed bytes were changed or belong to another project, key or version. */
  open(project: string, name: string, version: number, sealed: Buffer): string {
    return openBytes(this.encKey, aad(project, name, version), sealed).toString('utf8');
  }
}

function aad(project: string, name: string, version: number): Buffer {
  return Buffer.from(JSON.stringify(['cloudxlr.value.v1', project, name, version]), 'utf8');
}
