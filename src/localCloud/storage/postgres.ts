// The team engine: PostgreSQL through the `pg` driver, shared by any number of cloud nodes.
// Every acknowledged write is a committed transaction (synchronous_commit is PostgreSQL's
// default), so a 2xx survives the node that sent it. Transactions that lose a race to another
// node are run again; while the server cannot be reached, statements fail with
// StorageUnavailable (the node answers 503) and the pool reconnects by itself afterwards.
import { randomBytes } from 'crypto';
import { Client, Pool, type PoolClient } from 'pg';
import { sqlStorage, type Storage } from '.';
import { ChangeFeed, CHANGES_CHANNEL, parseAnnouncement } from './changes';
import { POSTGRES_MIGRATIONS, schemaPlan, tooNewMessage } from './migrations';
import { RetryTransaction, StorageUnavailable, type SqlClient, type SqlRunner, type SqlValue } from './sql';

/** pg_advisory_lock key under which migrations (and nothing else) run: "cxlr" in ASCII. */
export const MIGRATION_LOCK = 0x63786c72;

/** Thrown when a node cannot start on the database; the message names the cause, never a password. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

export interface PostgresOptions {
  /** Notices (migrations applied). */
  log?: (line: string) => void;
  /** Connections this node keeps at most. Default 10. */
  maxConnections?: number;
}

/** A database URL for messages: the password is left out. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'the --database URL';
  }
}

/** Whether the URL is one this engine takes. */
export function databaseUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'The database must be a URL such as postgres://user:password@host:5432/cloudxlr.';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    return `The database URL must start with postgres:// (not ${u.protocol}//).`;
  return undefined;
}

const RETRIED = new Set(['40001', '40P01', '23505']);
const MAX_ATTEMPTS = 20;

/** Whether an error means the server cannot be reached, rather than a bad statement. */
export function isUnavailable(e: unknown): boolean {
  if (e instanceof StorageUnavailable) return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|57P0[1-3])/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code))
      return true;
  }
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

function unavailable(e: unknown): unknown {
  if (!isUnavailable(e) || e instanceof StorageUnavailable) return e;
  const code = (e as { code?: unknown }).code;
  return new StorageUnavailable(typeof code === 'string' ? code : 'connection lost');
}

const converted = new Map<string, string>();

/** `?` placeholders as PostgreSQL's `$1, $2, …` (the stores' SQL has no `?` in literals). */
function numbered(sql: string): string {
  let out = converted.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    converted.set(sql, out);
  }
  return out;
}

type Queryable = Pick<Pool, 'query'> | PoolClient;

function runner(q: Queryable, counted: { statements: number }): SqlRunner {
  const query = async <R>(sql: string, params: readonly SqlValue[] = []) => {
    counted.statements++;
    try {
      return await q.query<R & object>(numbered(sql), params as SqlValue[]);
    } catch (e) {
      throw unavailable(e);
    }
  };
  return {
    all: async <R>(sql: string, params?: readonly SqlValue[]) => (await query<R>(sql, params)).rows as R[],
    get: async <R>(sql: string, params?: readonly SqlValue[]) => (await query<R>(sql, params)).rows[0] as R | undefined,
    run: async (sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rowCount ?? 0,
  };
}

export class PostgresClient implements SqlClient {
  readonly dialect = 'postgres';
  statements = 0;
  private readonly direct: SqlRunner;

  constructor(readonly pool: Pool) {
    this.direct = runner(pool, this);
  }

  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.direct.all<R>(sql, params);
  }

  get<R>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined> {
    return this.direct.get<R>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw unavailable(e);
      }
      let broken = false;
      try {
        this.statements += 2;
        await client.query('BEGIN');
        const result = await fn(runner(client, this));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        broken = isUnavailable(e);
        if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (e as { code?: unknown }).code;
        const lostRace = e instanceof RetryTransaction || (typeof code === 'string' && RETRIED.has(code));
        if (!lostRace || attempt >= MAX_ATTEMPTS) throw unavailable(e);
        // A short random pause, so racing nodes do not collide again in step.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      } finally {
        client.release(broken);
      }
    }
  }

  async exclusively<T>(lock: number, fn: (tx: SqlRunner) => Promise<T>): Promise<T | undefined> {
    return this.transaction(async (tx) => {
      // Released with the transaction, whatever happens to this node.
      const got = await tx.get<{ got: boolean }>('SELECT pg_try_advisory_xact_lock(?) AS got', [lock]);
      return got?.got ? fn(tx) : undefined;
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

function newPool(url: string, maxConnections: number): Pool {
  const pool = new Pool({
    connectionString: url,
    max: maxConnections,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    application_name: 'cloudxlr',
  });
  // An idle connection dropped by a restarting server is an event, not a crash; the pool
  // replaces it on the next query.
  pool.on('error', () => undefined);
  return pool;
}

/** Applies the migrations this node knows, once, under the migration lock; answers the schema version. */
export async function migrate(pool: Pool, url: string, log: (line: string) => void = () => undefined): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version      INTEGER PRIMARY KEY,
           applied_at   TEXT NOT NULL,
           breaks_older BOOLEAN NOT NULL DEFAULT false
         )`,
      );
      const { rows } = await client.query<{ v: number; b: number }>(
        'SELECT COALESCE(MAX(version), 0) AS v, COALESCE(MAX(version) FILTER (WHERE breaks_older), 0) AS b FROM schema_migrations',
      );
      const known = POSTGRES_MIGRATIONS.length;
      const plan = schemaPlan(rows[0].v, rows[0].b, known);
      if (plan.kind === 'too-new') throw new DatabaseError(tooNewMessage(plan.database, known, describeDatabase(url)));
      if (plan.kind === 'newer-compatible') {
        log(`The database is at schema ${plan.database}; this node knows ${known} and runs on it unchanged.`);
        return plan.database;
      }
      if (plan.kind === 'current') return known;
      for (let v = plan.from; v < plan.to; v++) {
        const m = POSTGRES_MIGRATIONS[v];
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at, breaks_older) VALUES ($1, $2, $3)', [
            v + 1,
            new Date().toISOString(),
            m.breaksOlder === true,
          ]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
        log(`Database schema migrated to version ${v + 1}.`);
      }
      return known;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

/** Why a node could not reach or use the database, for a person (never the password). */
export function startProblem(url: string, e: unknown): string {
  if (e instanceof DatabaseError) return e.message;
  const code = String((e as { code?: unknown }).code ?? '');
  const where = describeDatabase(url);
  if (code === '28P01' || code === '28000')
    return `PostgreSQL at ${where} refused the user name or password. Check the --database URL.`;
  if (code === '3D000') return `The database named in ${where} does not exist. Create it (createdb) first.`;
  if (isUnavailable(e))
    return `PostgreSQL at ${where} cannot be reached (${code || 'no answer'}). Check that it runs and that the URL is right.`;
  return `PostgreSQL at ${where} could not be used (${code || (e instanceof Error ? e.name : 'unknown error')}).`;
}

/** Connects to PostgreSQL, migrates it under the lock if needed, and answers the cloud's storage. */
export async function openPostgresStorage(url: string, options: PostgresOptions = {}): Promise<Storage> {
  const problem = databaseUrlProblem(url);
  if (problem) throw new DatabaseError(problem);
  const pool = newPool(url, options.maxConnections ?? 10);
  try {
    await migrate(pool, url, options.log);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new DatabaseError(startProblem(url, e));
  }
  // This node hears its own changes as it commits them; its own announcements are skipped.
  const origin = randomBytes(8).toString('hex');
  const changes = new ChangeFeed(async (tx, change, id) => {
    await tx.get('SELECT pg_notify(?, ?)', [CHANGES_CHANNEL, JSON.stringify({ ...change, origin, id })]);
  }, false);
  const listener = listenForChanges(url, changes, origin);
  return sqlStorage(new PostgresClient(pool), 'postgres', changes, listener.stop);
}

/** How long a node waits before it tries to listen again after losing the connection. */
const RELISTEN_MS = 500;

/**
 * Keeps one connection LISTENing for other nodes' changes: the feed is live while it listens;
 * when the connection drops, the feed is not live (nothing is kept in memory) until a new
 * connection listens again.
 */
export function listenForChanges(url: string, feed: ChangeFeed, origin: string): { stop: () => Promise<void> } {
  let stopped = false;
  let client: Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  const lost = (c: Client): void => {
    if (client !== c) return;
    client = undefined;
    if (feed.trusted) feed.setLive(false);
    void c.end().catch(() => undefined);
    if (!stopped) timer = setTimeout(connect, RELISTEN_MS);
  };
  const connect = (): void => {
    timer = undefined;
    if (stopped) return;
    const c = new Client({ connectionString: url, application_name: 'cloudxlr-listener', keepAlive: true });
    client = c;
    c.on('notification', (n) => {
      const a = n.channel === CHANGES_CHANNEL ? parseAnnouncement(n.payload) : undefined;
      if (!a) return;
      if (a.origin === origin) feed.echoed(a.id);
      else feed.heard({ project: a.project, kind: a.kind, name: a.name });
    });
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    c.connect()
      .then(() => c.query(`LISTEN ${CHANGES_CHANNEL}`))
      .then(() => {
        // Listening from now on: whatever was read before may have missed a change.
        if (client === c && !stopped) feed.setLive(true);
      })
      .catch(() => lost(c));
  };
  connect();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      if (feed.trusted) feed.setLive(false);
      await c?.end().catch(() => undefined);
    },
  };
}

/** `cloudxlr cloud migrate`: brings the database to this version's schema and answers it. */
export async function migrateDatabase(url: string, log: (line: string) => void): Promise<number> {
  const problem = databaseUrlProblem(url);
  if (problem) throw new DatabaseError(problem);
  const pool = newPool(url, 1);
  try {
    return await migrate(pool, url, log);
  } catch (e) {
    throw new DatabaseError(startProblem(url, e));
  } finally {
    await pool.end().catch(() => undefined);
  }
}
