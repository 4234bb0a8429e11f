// The keyring's storage: data keys, each wrapped by one or more root keys (one row per
// wrapping), and the ids of the root keys the database accepts. Nothing here is in the clear:
// the keyring (keyring.ts) wraps and unwraps; this file only keeps rows and makes each change
// in one transaction.
import type { SqlClient, SqlRunner } from './sql';

export interface Wrapping {
  id: string;
  owner: string;
  generation: number;
  rootKeyId: string;
  wrapped: Buffer;
}

/** A data key's wrapping under the root key that is being added. */
export type Rewrap = (wrappings: Wrapping[]) => Buffer | undefined;

export interface RotationResult {
  /** Data keys that got a wrapping under the new root key. */
  rewrapped: number;
  /** Data keys in the database. */
  dataKeys: number;
}

export interface FinishResult extends RotationResult {
  /** Root key ids no longer accepted. */
  retired: string[];
  /** Wrappings removed. */
  removed: number;
}

/** Why `finish` refused: data keys that only other root keys wrap. */
export class StillNeeded extends Error {
  constructor(
    readonly dataKeys: string[],
    readonly rootKeyIds: string[],
  ) {
    super(`${dataKeys.length} data keys are wrapped only by ${rootKeyIds.join(', ')}.`);
  }
}

const COLUMNS = 'id, owner, generation, root_key_id AS "rootKeyId", wrapped';

export interface DataKeyStore {
  acceptedRootKeys(): Promise<string[]>;
  /** Accepts a root key id (kept when it is already there); answers the accepted ids. */
  acceptRootKey(id: string, time: string): Promise<string[]>;
  /** Every wrapping of one data key. */
  wrappings(id: string): Promise<Wrapping[]>;
  /** The wrappings of the owner's newest data key (none when it has none yet). */
  current(owner: string): Promise<Wrapping[]>;
  /**
   * Adds data key generation `generation` of `owner` unless it exists already (another node
   * made it meanwhile); answers the wrappings of the owner's newest data key either way.
   */
  add(
    owner: string,
    generation: number,
    wrappings: Omit<Wrapping, 'owner' | 'generation'>[],
    time: string,
  ): Promise<Wrapping[]>;
  /** Wraps every data key under `rootKeyId` too (those `rewrap` can open), and accepts it: one transaction. */
  addRootKey(rootKeyId: string, rewrap: Rewrap, time: string): Promise<RotationResult>;
  /**
   * Keeps only `rootKeyId`: wraps what it does not wrap yet (when `rewrap` can), then removes
   * every other wrapping and accepted id, in one transaction; throws StillNeeded (changing
   * nothing) while some data key would be left without a wrapping.
   */
  keepOnlyRootKey(rootKeyId: string, rewrap: Rewrap, time: string): Promise<FinishResult>;
  /** Data keys by root key id (for `cloud key-info`). */
  census(): Promise<Array<{ rootKeyId: string; dataKeys: number }>>;
}

export class SqlDataKeyStore implements DataKeyStore {
  constructor(private readonly sql: SqlClient) {}

  async acceptedRootKeys(): Promise<string[]> {
    return (await this.sql.all<{ id: string }>('SELECT id FROM root_keys ORDER BY added_at, id')).map((r) => r.id);
  }

  async acceptRootKey(id: string, time: string): Promise<string[]> {
    await this.sql.run('INSERT INTO root_keys (id, added_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [id, time]);
    return this.acceptedRootKeys();
  }

  wrappings(id: string): Promise<Wrapping[]> {
    return this.sql.all<Wrapping>(`SELECT ${COLUMNS} FROM data_keys WHERE id = ?`, [id]);
  }

  current(owner: string): Promise<Wrapping[]> {
    return currentIn(this.sql, owner);
  }

  add(
    owner: string,
    generation: number,
    wrappings: Omit<Wrapping, 'owner' | 'generation'>[],
    time: string,
  ): Promise<Wrapping[]> {
    // Racing nodes: the loser's insert hits the unique (owner, generation, root key) and its
    // transaction runs again (PostgreSQL), or waits its turn (SQLite); then it finds the winner's.
    return this.sql.transaction(async (tx) => {
      const existing = await currentIn(tx, owner);
      if (existing.length > 0 && existing[0]!.generation >= generation) return existing;
      for (const w of wrappings)
        await tx.run(
          'INSERT INTO data_keys (id, owner, generation, root_key_id, wrapped, created_at, wrapped_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [w.id, owner, generation, w.rootKeyId, w.wrapped, time, time],
        );
      return currentIn(tx, owner);
    });
  }

  addRootKey(rootKeyId: string, rewrap: Rewrap, time: string): Promise<RotationResult> {
    return this.sql.transaction(async (tx) => {
      const result = await wrapMissing(tx, rootKeyId, rewrap, time);
      await tx.run('INSERT INTO root_keys (id, added_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [rootKeyId, time]);
      return result;
    });
  }

  keepOnlyRootKey(rootKeyId: string, rewrap: Rewrap, time: string): Promise<FinishResult> {
    return this.sql.transaction(async (tx) => {
      const result = await wrapMissing(tx, rootKeyId, rewrap, time);
      const stranded = await tx.all<{ id: string; rootKeyId: string }>(
        `SELECT id, root_key_id AS "rootKeyId" FROM data_keys d
          WHERE NOT EXISTS (SELECT 1 FROM data_keys n WHERE n.id = d.id AND n.root_key_id = ?) ORDER BY id`,
        [rootKeyId],
      );
      if (stranded.length > 0)
        throw new StillNeeded(
          [...new Set(stranded.map((s) => s.id))],
          [...new Set(stranded.map((s) => s.rootKeyId))].sort(),
        );
      const retired = (
        await tx.all<{ id: string }>('SELECT id FROM root_keys WHERE id <> ? ORDER BY id', [rootKeyId])
      ).map((r) => r.id);
      const removed = await tx.run('DELETE FROM data_keys WHERE root_key_id <> ?', [rootKeyId]);
      await tx.run('DELETE FROM root_keys WHERE id <> ?', [rootKeyId]);
      await tx.run('INSERT INTO root_keys (id, added_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [rootKeyId, time]);
      return { ...result, retired, removed };
    });
  }

  async census(): Promise<Array<{ rootKeyId: string; dataKeys: number }>> {
    const rows = await this.sql.all<{ rootKeyId: string; n: number | string }>(
      'SELECT root_key_id AS "rootKeyId", COUNT(*) AS n FROM data_keys GROUP BY root_key_id ORDER BY root_key_id',
    );
    return rows.map((r) => ({ rootKeyId: r.rootKeyId, dataKeys: Number(r.n) }));
  }
}

async function currentIn(sql: SqlRunner, owner: string): Promise<Wrapping[]> {
  return sql.all<Wrapping>(
    `SELECT ${COLUMNS} FROM data_keys
      WHERE owner = ? AND generation = (SELECT MAX(generation) FROM data_keys WHERE owner = ?)`,
    [owner, owner],
  );
}

/** Adds a wrapping under `rootKeyId` to each data key that lacks one and that `rewrap` can open. */
async function wrapMissing(tx: SqlRunner, rootKeyId: string, rewrap: Rewrap, time: string): Promise<RotationResult> {
  const all = await tx.all<Wrapping>(`SELECT ${COLUMNS} FROM data_keys ORDER BY id, root_key_id`);
  const byId = new Map<string, Wrapping[]>();
  for (const w of all) {
    const list = byId.get(w.id);
    if (list) list.push(w);
    else byId.set(w.id, [w]);
  }
  let rewrapped = 0;
  for (const [id, wrappings] of byId) {
    if (wrappings.some((w) => w.rootKeyId === rootKeyId)) continue;
    const wrapped = rewrap(wrappings);
    if (!wrapped) continue;
    const { owner, generation } = wrappings[0]!;
    await tx.run(
      'INSERT INTO data_keys (id, owner, generation, root_key_id, wrapped, created_at, wrapped_at) VALUES (?, ?, ?, ?, ?, (SELECT MIN(created_at) FROM data_keys WHERE id = ?), ?)',
      [id, owner, generation, rootKeyId, wrapped, id, time],
    );
    rewrapped++;
  }
  return { rewrapped, dataKeys: byId.size };
}
