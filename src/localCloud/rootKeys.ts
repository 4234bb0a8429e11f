// The root key's administration, for `cloudxlr cloud rotate-root-key`, `rotate-data-key` and
// `key-info`: each opens the database as a node does (the embedded SQLite file only while no
// cloud runs on it; PostgreSQL while the nodes serve), does its one job in one transaction, and
// closes it. Only key ids (fingerprints) come out of here, never key material.
import * as fs from 'fs';
import * as path from 'path';
import { loadMasterKey, loadPreviousKeys, MasterKeyError, RootKey, type RootKeySource } from './crypto';
import { DB_FILE } from './db';
import { DataDirError, prepareDataDir } from './dataDir';
import { Keyring } from './keyring';
import type { Storage } from './storage';
import { StillNeeded, type FinishResult, type RotationResult } from './storage/dataKeys';
import { openEmbeddedStorage } from './storage/sqlite';

export interface KeyAdminOptions {
  /** The data directory (its SQLite file, and master.key unless the key comes from elsewhere). */
  dataDir: string;
  /** A PostgreSQL URL: the team cloud's database instead of the data directory's file. */
  database?: string;
  /** Reads CLOUDXLR_MASTER_KEY and CLOUDXLR_PREVIOUS_MASTER_KEYS. */
  env: NodeJS.ProcessEnv;
  /** A file holding the current root key (instead of CLOUDXLR_MASTER_KEY / master.key). */
  keyFile?: string;
  /** Files holding one previous root key each. */
  previousKeyFiles?: string[];
  log?: (line: string) => void;
}

/** A problem a person must fix; the message names key ids only. */
export class KeyAdminError extends Error {}

async function openStorage(o: KeyAdminOptions): Promise<{ storage: Storage; release: () => void }> {
  const log = o.log ?? (() => undefined);
  if (o.database !== undefined) {
    const { openPostgresStorage } = await import('./storage/postgres');
    try {
      return { storage: await openPostgresStorage(o.database, { log, maxConnections: 2 }), release: () => undefined };
    } catch (e) {
      throw new KeyAdminError((e as Error).message);
    }
  }
  const dataDir = path.resolve(o.dataDir);
  if (!fs.existsSync(path.join(dataDir, DB_FILE)))
    throw new KeyAdminError(`There is no cloud database in ${dataDir}. Give its --data directory, or --database.`);
  let lock;
  try {
    lock = prepareDataDir(dataDir, log);
  } catch (e) {
    if (e instanceof DataDirError) throw new KeyAdminError(e.message);
    throw e;
  }
  try {
    return { storage: openEmbeddedStorage(dataDir), release: () => lock.release() };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** The current root key (never created here), then the previous ones. */
function heldKeys(o: KeyAdminOptions, hasData: boolean): RootKey[] {
  let key: Buffer;
  let source: RootKeySource;
  if (o.keyFile !== undefined) {
    const text = (() => {
      try {
        return fs.readFileSync(o.keyFile, 'utf8');
      } catch {
        throw new MasterKeyError(`The key file ${o.keyFile} cannot be read. Check the path and its permissions.`);
      }
    })();
    key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32)
      throw new MasterKeyError(
        `The key in ${o.keyFile} is not the base64 form of 32 bytes. Fix it, or restore the original.`,
      );
    source = 'key-file';
  } else {
    ({ key, source } = loadMasterKey(path.resolve(o.dataDir), o.env, hasData));
  }
  return [
    new RootKey(key, source),
    ...loadPreviousKeys(o.env, o.previousKeyFiles).map((k) => new RootKey(k, 'previous')),
  ];
}

/** The keyring of an open storage with the root keys this machine holds (throws MasterKeyError). */
export function openKeyring(storage: Storage, o: KeyAdminOptions): Promise<Keyring> {
  const place = storage.engine === 'postgres' ? 'this database' : 'this data directory';
  return Keyring.open(storage.dataKeys, storage.meta, heldKeys(o, true), () => new Date(), place);
}

async function withKeyring<T>(o: KeyAdminOptions, fn: (keyring: Keyring) => Promise<T>): Promise<T> {
  const { storage, release } = await openStorage(o);
  try {
    return await fn(await openKeyring(storage, o));
  } catch (e) {
    if (e instanceof MasterKeyError) throw new KeyAdminError(e.message);
    throw e;
  } finally {
    await storage.close();
    release();
  }
}

export interface RotationReport extends RotationResult {
  /** The new root key's id. */
  rootKeyId: string;
  /** The ids the database accepts now. */
  accepted: string[];
}

/**
 * Step 1 of a rotation: the current key (the new one) wraps every data key too, alongside the
 * previous key's wrappings, and the database accepts it. Nodes on either key keep serving.
 */
export async function addRootKey(o: KeyAdminOptions): Promise<RotationReport> {
  // Without the previous key the new one is refused on opening, with a message that says to give it.
  return withKeyring(o, async (keyring) => {
    const result = await keyring.addCurrentRootKey();
    return { ...result, rootKeyId: keyring.info().current, accepted: keyring.info().accepted };
  });
}

export interface FinishReport extends FinishResult {
  rootKeyId: string;
}

/**
 * Step 2, once every node runs the new key: the other root keys' wrappings are removed and the
 * database accepts only the current key. Refused while a data key is wrapped only by another
 * key (a node on the old key made it after step 1) and no previous key was given to wrap it.
 */
export async function finishRotation(o: KeyAdminOptions): Promise<FinishReport> {
  return withKeyring(o, async (keyring) => {
    const info = keyring.info();
    if (!keyring.currentAccepted)
      throw new KeyAdminError(
        `The root key ${info.current} is not accepted by the database yet (it accepts ${info.accepted.join(', ')}). Run cloudxlr cloud rotate-root-key without --finish first.`,
      );
    try {
      return { ...(await keyring.keepOnlyCurrentRootKey()), rootKeyId: info.current };
    } catch (e) {
      if (e instanceof StillNeeded)
        throw new KeyAdminError(
          `The rotation is not finished: ${e.dataKeys.length} data key${e.dataKeys.length === 1 ? ' is' : 's are'} still wrapped only by ${e.rootKeyIds.join(', ')} (made by a node still on that key). Make sure every node runs ${info.current}, then run this again with the previous key as well (CLOUDXLR_PREVIOUS_MASTER_KEYS or --previous-key-file) to wrap them under ${info.current}. Nothing was changed.`,
        );
      throw e;
    }
  });
}

/** A new data key for the project's new values; values sealed before keep their key. */
export async function rotateDataKey(o: KeyAdminOptions, project: string): Promise<{ id: string; generation: number }> {
  return withKeyring(o, (keyring) => keyring.rotateDataKey(project));
}

export interface KeyInfo {
  /** Root key ids the database accepts: the ids a backup of it needs. */
  accepted: string[];
  /** Data keys wrapped by each root key id. */
  wrapped: Array<{ rootKeyId: string; dataKeys: number }>;
  /** This machine's root keys (when one is configured), each with whether the database accepts it. */
  mine: Array<{ id: string; source: string; accepted: boolean }>;
}

/** The root key ids a database accepts, and whether this machine's keys are among them (no key needed). */
export async function keyInfo(o: KeyAdminOptions): Promise<KeyInfo> {
  const { storage, release } = await openStorage(o);
  try {
    const accepted = await storage.dataKeys.acceptedRootKeys();
    const wrapped = await storage.dataKeys.census();
    let held: RootKey[] = [];
    try {
      held = heldKeys(o, true);
    } catch (e) {
      if (!(e instanceof MasterKeyError)) throw e;
    }
    return {
      accepted,
      wrapped,
      mine: held.map((k) => ({ id: k.id, source: k.source, accepted: accepted.includes(k.id) })),
    };
  } finally {
    await storage.close();
    release();
  }
}
