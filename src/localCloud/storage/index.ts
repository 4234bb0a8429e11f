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
import type { ChangeFeed } from './changes';
import type { DataKeyStore } from './dataKeys';
import { SqlDataKeyStore } from './dataKeys';
import { runHousekeeping, type HousekeepingResult, type RetentionPolicy } from './housekeeping';
import type { SqlClient } from './sql';
import type { IdentityStore } from './identities';
import { SqlIdentityStore } from './identities';
import type { TokenStore } from './tokens';
import { SqlTokenStore } from './tokens';

export interface Storage {
  /** 'embedded' (SQLite in the data directory) or 'postgres'. */
  readonly engine: 'embedded' | 'postgres';
  readonly keys: KeyStore;
  readonly tokens: TokenStore;
  /** Members with their roles, and CI service tokens. */
  readonly identities: IdentityStore;
  readonly audit: AuditStore;
  readonly functions: FunctionStore;
  readonly logs: LogStore;
  readonly meta: MetaStore;
  /** Wrapped data keys and the accepted root key ids (envelope encryption). */
  readonly dataKeys: DataKeyStore;
  /** Announcements of changes made by this node or any other (hints for what nodes keep in memory). */
  readonly changes: ChangeFeed;
  /** Resolves when the database answers (readiness); rejects while it cannot be reached. */
  ping(): Promise<void>;
  /** Removes what is past its retention, once per interval for the whole cluster; undefined when not due here. */
  housekeeping(now: Date, policy: RetentionPolicy): Promise<HousekeepingResult | undefined>;
  /** Statements sent to the database so far (each one a round trip on PostgreSQL). */
  statements(): number;
  /** False once closed. */
  readonly open: boolean;
  close(): Promise<void>;
}

/** The stores over one SQL client; `onClose` stops what the engine runs besides (a listener). */
export function sqlStorage(
  sql: SqlClient,
  engine: Storage['engine'],
  changes: ChangeFeed,
  onClose: () => Promise<void> = () => Promise.resolve(),
): Storage {
  let open = true;
  return {
    engine,
    keys: new SqlKeyStore(sql, changes),
    tokens: new SqlTokenStore(sql, changes),
    identities: new SqlIdentityStore(sql, changes),
    audit: new SqlAuditStore(sql),
    functions: new SqlFunctionStore(sql, changes),
    logs: new SqlLogStore(sql),
    meta: new SqlMetaStore(sql),
    dataKeys: new SqlDataKeyStore(sql),
    changes,
    ping: async () => void (await sql.get('SELECT 1 AS one')),
    statements: () => sql.statements,
    housekeeping: (now, policy) => runHousekeeping(sql, now, policy),
    get open() {
      return open;
    },
    close: async () => {
      if (!open) return;
      open = false;
      await onClose();
      await sql.close();
    },
  };
}

export type { AuditActor, AuditEntry, AuditStore } from './audit';
export type { IdentityStore, MemberByToken, ServiceTokenRow } from './identities';
export type { Change, ChangeFeed } from './changes';
export type { DataKeyStore, Wrapping } from './dataKeys';
export type { FunctionRow, FunctionStore, NewRelease, ReleaseRow } from './functions';
export type { KeyRecord, KeyStore, NewValue, PutResult, SealedValue } from './keys';
export type { LogStore, StoredLogEntry } from './logs';
export { KEPT_LOG_LINES } from './logs';
export { DEFAULT_RETENTION, type HousekeepingResult, type RetentionPolicy } from './housekeeping';
export type { MetaStore } from './meta';
export type { TokenHash, TokenStore } from './tokens';
