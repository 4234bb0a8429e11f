// Loads Node's built-in SQLite (node:sqlite) on first use, so the rest of the command line
// (scan, deploy) still runs on a Node without it. Node 22 prints an ExperimentalWarning when
// the module loads; that one warning is silenced, every other warning still shows.
import { CLOUD_MIN_NODE, UnsupportedNodeError, nodeSupportsCloud } from '../shared/nodeVersion';

/** The part of node:sqlite's DatabaseSync the cloud uses (typed here: @types/node 20 has none). */
export interface SqliteDatabase {
  readonly isOpen?: boolean;
  readonly isTransaction?: boolean;
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

export interface SqliteStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Array<Record<string, unknown>>;
}

export interface NodeSqlite {
  DatabaseSync: new (file: string, options?: { open?: boolean }) => SqliteDatabase;
}

let loaded: NodeSqlite | undefined;

export function loadNodeSqlite(): NodeSqlite {
  if (loaded) return loaded;
  if (!nodeSupportsCloud()) throw new UnsupportedNodeError('The local cloud', CLOUD_MIN_NODE);
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
    (emitWarning as (...a: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    // A plain require of a built-in: esbuild leaves `node:` modules to Node.
    loaded = require('node:sqlite') as NodeSqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}
