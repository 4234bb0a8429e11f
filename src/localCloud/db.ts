// Opens the local cloud's SQLite database with the durability the contract asks for: WAL with
// synchronous=FULL fsyncs every commit, so a 2xx (sent after the commit) survives kill -9.
//
// The engine is Node's own SQLite (node:sqlite, Node 22.13+): nothing native ships with the
// extension, so one package serves every platform. `Database` below is the small surface the
// cloud uses (prepared statements, transactions, pragmas), with rows as plain objects and
// BLOBs as Buffers.
import * as fs from 'fs';
import * as path from 'path';
import { SQLITE_MIGRATIONS as MIGRATIONS } from './storage/migrations';
import { loadNodeSqlite, type SqliteDatabase, type SqliteStatement } from './nodeSqlite';

export type SqlValue = null | number | bigint | string | Uint8Array;

export interface RunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

/** A prepared statement; P types its parameters, R its rows. */
export class Statement<P extends SqlValue[] = SqlValue[], R = unknown> {
  constructor(private readonly stmt: SqliteStatement) {}

  run(...params: P): RunResult {
    return this.stmt.run(...params);
  }

  get(...params: P): R | undefined {
    const row = this.stmt.get(...params);
    return row === undefined ? undefined : (plainRow(row) as R);
  }

  all(...params: P): R[] {
    return this.stmt.all(...params).map((row) => plainRow(row) as R);
  }
}

export class Database {
  private depth = 0;

  constructor(private readonly db: SqliteDatabase) {}

  prepare<P extends SqlValue[] = SqlValue[], R = unknown>(sql: string): Statement<P, R> {
    return new Statement<P, R>(this.db.prepare(sql));
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** `PRAGMA <source>`: its rows, or with `simple` the first column of the first row. */
  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const rows = this.db.prepare(`PRAGMA ${source}`).all();
    if (!options.simple) return rows.map(plainRow);
    const first = rows[0];
    return first === undefined ? undefined : Object.values(first)[0];
  }

  /**
   * Wraps `fn` in a transaction: committed when it returns, rolled back when it throws. A
   * transaction inside another becomes a savepoint, so the inner one can fail alone.
   */
  transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T {
    return (...args: A): T => {
      const outer = this.depth === 0;
      const savepoint = `sp${this.depth}`;
      this.db.exec(outer ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
      this.depth++;
      try {
        const result = fn(...args);
        this.depth--;
        this.db.exec(outer ? 'COMMIT' : `RELEASE ${savepoint}`);
        return result;
      } catch (e) {
        this.depth--;
        if (outer) {
          if (this.db.isTransaction !== false) this.db.exec('ROLLBACK');
        } else {
          this.db.exec(`ROLLBACK TO ${savepoint}`);
          this.db.exec(`RELEASE ${savepoint}`);
        }
        throw e;
      }
    };
  }

  private closed = false;

  /** Whether a transaction is open (SQLite rolls some back by itself when a statement fails). */
  get inTransaction(): boolean {
    return !this.closed && this.db.isTransaction !== false;
  }

  /** False once closed. */
  get open(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

export type Db = Database;

export const DB_FILE = 'cloud.db';

export function openDatabase(dataDir: string): Db {
  const { DatabaseSync } = loadNodeSqlite();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DB_FILE);
  // Created 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  let db: Database | undefined;
  try {
    db = new Database(new DatabaseSync(file));
    // WAL must be confirmed: SQLite answers with the mode it actually uses.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal')
      throw new Error(`SQLite kept journal_mode=${String(mode)} for ${file}; the cloud needs WAL.`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('secure_delete = ON');
    migrate(db);
  } catch (e) {
    db?.close();
    throw withSqliteCode(e);
  }
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `The data directory was written by a newer CloudXLR (schema ${current}, this one knows ${MIGRATIONS.length}). Update CloudXLR or use another --data directory.`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** A row as a plain object (node:sqlite gives null-prototype objects), BLOBs as Buffers. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const v = row[key];
    out[key] = v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
  }
  return out;
}

// SQLite's primary result codes, as names (node:sqlite reports only the number in `errcode`).
const RESULT_CODES: Record<number, string> = {
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  26: 'SQLITE_NOTADB',
};

/** Gives a node:sqlite error the SQLITE_* name of its result code in `code`, as callers match on it. */
export function withSqliteCode(e: unknown): unknown {
  const err = e as { code?: unknown; errcode?: unknown };
  if (e instanceof Error && err.code === 'ERR_SQLITE_ERROR' && typeof err.errcode === 'number') {
    const name = RESULT_CODES[err.errcode & 0xff];
    if (name) Object.defineProperty(e, 'code', { value: name, configurable: true, writable: true, enumerable: true });
  }
  return e;
}
