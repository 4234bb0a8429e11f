// The embedded engine: Node's own SQLite through db.ts, one file in the data directory, one
// process. Statements run synchronously; a transaction holds the connection until it commits,
// so the statements of other requests wait for it instead of joining it.
import { openDatabase, type Db } from '../db';
import { sqlStorage, type Storage } from '.';
import { ChangeFeed } from './changes';
import type { SqlClient, SqlRunner, SqlValue } from './sql';

export class SqliteClient implements SqlClient {
  readonly dialect = 'sqlite';
  statements = 0;
  private readonly prepares = new Map<string, ReturnType<Db['prepare']>>();
  /** The turn of the last one queued; each transaction (and any statement while one runs) waits its turn. */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(readonly db: Db) {}

  private prepared(sql: string): ReturnType<Db['prepare']> {
    let s = this.prepares.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.prepares.set(sql, s);
    }
    return s;
  }

  private readonly direct: SqlRunner = {
    all: <R>(sql: string, params: readonly SqlValue[] = []) => {
      this.statements++;
      return Promise.resolve(this.prepared(sql).all(...params) as R[]);
    },
    get: <R>(sql: string, params: readonly SqlValue[] = []) => {
      this.statements++;
      return Promise.resolve(this.prepared(sql).get(...params) as R | undefined);
    },
    run: (sql: string, params: readonly SqlValue[] = []) => {
      this.statements++;
      return Promise.resolve(Number(this.prepared(sql).run(...params).changes));
    },
  };

  /** Runs `fn` when every turn queued before it is over; nothing else runs until it settles. */
  private async turn<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let done = (): void => undefined;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    this.queued++;
    try {
      await before;
      return await fn();
    } finally {
      this.queued--;
      done();
    }
  }

  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.queued === 0 ? this.direct.all<R>(sql, params) : this.turn(() => this.direct.all<R>(sql, params));
  }

  get<R>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined> {
    return this.queued === 0 ? this.direct.get<R>(sql, params) : this.turn(() => this.direct.get<R>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.queued === 0 ? this.direct.run(sql, params) : this.turn(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.turn(async () => {
      this.db.exec('BEGIN');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  /** One process owns the file: the transaction is the lock. */
  exclusively<T>(_lock: number, fn: (tx: SqlRunner) => Promise<T>): Promise<T | undefined> {
    return this.transaction(fn);
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/** The embedded engine's storage, with its SQLite handle (for the checks only this engine has). */
export type EmbeddedStorage = Storage & { readonly db: Db };

/** Opens (creating and migrating) the data directory's SQLite database as the cloud's storage. */
export function openEmbeddedStorage(dataDir: string): EmbeddedStorage {
  const db = openDatabase(dataDir);
  // One process writes the file: it hears every change as it commits, and announces nothing.
  const changes = new ChangeFeed(undefined, true);
  return Object.assign(sqlStorage(new SqliteClient(db), 'embedded', changes), { db });
}
