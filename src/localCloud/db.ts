// Opens the local cloud's SQLite database with the durability the contract asks for: WAL with
// synchronous=FULL fsyncs every commit, so a 2xx (sent after the commit) survives kill -9.
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as path from 'path';
import { MIGRATIONS } from './schema';

export type Db = Database.Database;

export const DB_FILE = 'cloud.db';

export function openDatabase(dataDir: string): Db {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DB_FILE);
  // Created 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('secure_delete = ON');
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
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
