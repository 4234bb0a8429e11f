// The SQL both storage engines speak: statements with `?` placeholders, rows as plain objects,
// BLOB/BYTEA as Buffers, and transactions that commit before they resolve. The stores in this
// folder are written once against it; sqlite.ts and postgres.ts implement it.

export type SqlValue = null | number | string | Buffer;

/** Runs statements, on the engine or inside one transaction. */
export interface SqlRunner {
  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  get<R>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined>;
  /** Runs a statement and answers the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlClient extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /** Statements sent so far (each one a round trip on PostgreSQL). */
  readonly statements: number;
  /**
   * Runs `fn` in a transaction: committed (durably) before the promise resolves, rolled back
   * when `fn` throws. On PostgreSQL a transaction that lost a race (serialization failure,
   * deadlock, a unique key taken meanwhile, or `RetryTransaction`) is run again from the start,
   * so `fn` must only touch the database through `tx`.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a transaction that holds the named lock for the whole cluster, or answers
   * undefined at once when another node holds it (work that must run once, not once per node).
   */
  exclusively<T>(lock: number, fn: (tx: SqlRunner) => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
}

/** Thrown inside a transaction whose reads went stale (a conditional write changed no row): run it again. */
export class RetryTransaction extends Error {
  constructor() {
    super('The transaction lost a race and is run again.');
  }
}

/** Thrown when the database cannot be reached; the node answers 503 until it can again. */
export class StorageUnavailable extends Error {
  constructor(readonly causeCode: string) {
    super(`The database cannot be reached (${causeCode}).`);
  }
}
