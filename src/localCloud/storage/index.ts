// The cloud's storage: one interface per job (keys, tokens, audit, functions, logs, meta) that
// the routes use, and two engines behind it: the embedded SQLite file of one developer's
// cloud, and PostgreSQL for a team's nodes (`cloud start --database postgres://…`). The stores
// are written once in SQL both engines run; each engine brings its client and its migrations.
import type { AuditStore } from './audit';
import { SqlAuditStore } from './audit';
import type { FunctionStore } from './functions';
import { SqlFunctionStore } from './functions';
import type { KeyStore } from './keys';
import { SqlKeyStore } from './keys';
import type { LogStore } from './logs';
import { SqlLogStore } from './logs';
import type { MetaStore } from './meta';
import { SqlMetaStore } from './meta';
import type { SqlClient } from './sql';
import type { TokenStore } from './tokens';
import { SqlTokenStore } from './tokens';

export interface Storage {
  /** 'embedded' (SQLite in the data directory) or 'postgres'. */
  readonly engine: 'embedded' | 'postgres';
  readonly keys: KeyStore;
  readonly tokens: TokenStore;
  readonly audit: AuditStore;
  readonly functions: FunctionStore;
  readonly logs: LogStore;
  readonly meta: MetaStore;
  /** Resolves when the database answers (readiness); rejects while it cannot be reached. */
  ping(): Promise<void>;
  /** False once closed. */
  readonly open: boolean;
  close(): Promise<void>;
}

/** The stores over one SQL client. */
export function sqlStorage(sql: SqlClient, engine: Storage['engine']): Storage {
  let open = true;
  return {
    engine,
    keys: new SqlKeyStore(sql),
    tokens: new SqlTokenStore(sql),
    audit: new SqlAuditStore(sql),
    functions: new SqlFunctionStore(sql),
    logs: new SqlLogStore(sql),
    meta: new SqlMetaStore(sql),
    ping: async () => void (await sql.get('SELECT 1 AS one')),
    get open() {
      return open;
    },
    close: async () => {
      if (!open) return;
      open = false;
      await sql.close();
    },
  };
}

export type { AuditEntry, AuditStore } from './audit';
export type { FunctionRow, FunctionStore, NewRelease, ReleaseRow } from './functions';
export type { KeyRecord, KeyStore, NewValue, PutResult, SealedValue } from './keys';
export type { LogStore, StoredLogEntry } from './logs';
export { KEPT_LOG_LINES } from './logs';
export type { MetaStore } from './meta';
export type { TokenHash, TokenStore } from './tokens';
