// The vault's storage: one row per key name ever used in a project, and its versions, each
// value sealed by the caller before it gets here. Compare-and-set is a conditional write
// (UPDATE … WHERE version = the version read), so it stays exact when several nodes write to
// one PostgreSQL: of racing writers with the same expected version, one changes the row and
// the others see the new version and conflict.
import type { KeyVersionInfo } from '../../api';
import { recordAudit, type AuditActor } from './audit';
import type { ChangeFeed } from './changes';
import { RetryTransaction, type SqlClient, type SqlRunner } from './sql';

export interface KeyRecord {
  name: string;
  version: number;
  digest: string;
  createdAt: string;
  updatedAt: string;
}

export interface SealedValue {
  name: string;
  version: number;
  sealed: Buffer;
  /** The data key that sealed it; null for the master-derived key of earlier versions. */
  dataKeyId: string | null;
}

/** A new value: its digest, and its sealing, which binds the version the store gives it. */
export interface NewValue {
  digest: string;
  /** The data key `seal` seals with. */
  dataKeyId: string;
  seal(version: number): Buffer;
}

export type PutResult =
  { kind: 'stored'; version: number; created: boolean } | { kind: 'conflict'; currentVersion: number; exists: boolean };

export type DeleteResult = { kind: 'missing' } | { kind: 'in_use'; functions: string[] } | { kind: 'deleted' };

export interface KeyStore {
  /** Live keys of a project, sorted by name. */
  list(project: string): Promise<KeyRecord[]>;
  get(project: string, name: string): Promise<KeyRecord | undefined>;
  versions(project: string, name: string): Promise<KeyVersionInfo[]>;
  /** Functions whose active release references each key: key name → function names, sorted. */
  usedBy(project: string): Promise<Map<string, string[]>>;
  /**
   * Stores a new version and its audit event in one transaction, committed before it
   * resolves. `ifVersion`: 0 = must not exist, N = the current version must be N.
   */
  put(
    project: string,
    name: string,
    value: NewValue,
    ifVersion: number | undefined,
    actor: AuditActor,
    time: string,
  ): Promise<PutResult>;
  /** Erases every value of a key (unless in use and not forced) and records the event. */
  delete(project: string, name: string, force: boolean, actor: AuditActor, time: string): Promise<DeleteResult>;
  /** A sealed value: a given version, or the current one. */
  sealed(project: string, name: string, version: number | 'latest'): Promise<SealedValue | undefined>;
  /** The sealed current value of every live key of a project. */
  latestSealed(project: string): Promise<SealedValue[]>;
  /** Whether any sealed value is stored at all (a missing master key is then fatal). */
  hasSealedValues(): Promise<boolean>;
}

interface KeyRow {
  name: string;
  version: number;
  digest: string;
  created_at: string;
  updated_at: string;
}

const SELECT_KEY = `SELECT k.name, k.version, v.digest, k.created_at, k.updated_at
  FROM keys k JOIN key_versions v ON v.project = k.project AND v.name = k.name AND v.version = k.version`;

export class SqlKeyStore implements KeyStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly feed: ChangeFeed,
  ) {}

  async list(project: string): Promise<KeyRecord[]> {
    const rows = await this.sql.all<KeyRow>(
      `${SELECT_KEY} WHERE k.project = ? AND k.deleted_at IS NULL ORDER BY k.name`,
      [project],
    );
    return rows.map(record);
  }

  async get(project: string, name: string): Promise<KeyRecord | undefined> {
    const row = await this.sql.get<KeyRow>(
      `${SELECT_KEY} WHERE k.project = ? AND k.name = ? AND k.deleted_at IS NULL`,
      [project, name],
    );
    return row && record(row);
  }

  versions(project: string, name: string): Promise<KeyVersionInfo[]> {
    return this.sql.all<KeyVersionInfo>(
      'SELECT version, digest, created_at AS "createdAt" FROM key_versions WHERE project = ? AND name = ? ORDER BY version',
      [project, name],
    );
  }

  usedBy(project: string): Promise<Map<string, string[]>> {
    return usedByIn(this.sql, project);
  }

  async put(
    project: string,
    name: string,
    value: NewValue,
    ifVersion: number | undefined,
    actor: AuditActor,
    time: string,
  ): Promise<PutResult> {
    let announced = 0;
    const change = { project, kind: 'key' as const, name };
    const result = await this.sql.transaction(async (tx): Promise<PutResult> => {
      const row = await tx.get<{ version: number; deleted_at: string | null }>(
        'SELECT version, deleted_at FROM keys WHERE project = ? AND name = ?',
        [project, name],
      );
      const exists = !!row && row.deleted_at === null;
      const current = exists ? row.version : 0;
      if (ifVersion !== undefined && ifVersion !== current)
        return { kind: 'conflict', currentVersion: current, exists };
      const version = (row?.version ?? 0) + 1;
      if (!row) {
        // A writer that inserted the same name meanwhile makes this a unique violation: retried.
        await tx.run('INSERT INTO keys (project, name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
          project,
          name,
          version,
          time,
          time,
        ]);
      } else {
        const changed = await tx.run(
          exists
            ? 'UPDATE keys SET version = ?, updated_at = ? WHERE project = ? AND name = ? AND version = ? AND deleted_at IS NULL'
            : 'UPDATE keys SET version = ?, created_at = ?, updated_at = ?, deleted_at = NULL WHERE project = ? AND name = ? AND version = ? AND deleted_at IS NOT NULL',
          exists ? [version, time, project, name, row.version] : [version, time, time, project, name, row.version],
        );
        // Another node wrote first: read again, and conflict or write on top of it.
        if (changed !== 1) throw new RetryTransaction();
      }
      await tx.run(
        'INSERT INTO key_versions (project, name, version, digest, sealed, data_key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [project, name, version, value.digest, value.seal(version), value.dataKeyId, time],
      );
      await recordAudit(tx, { project, action: exists ? 'key.update' : 'key.create', target: name, actor }, time);
      announced = await this.feed.inTransaction(tx, change);
      return { kind: 'stored', version, created: !exists };
    });
    if (result.kind === 'stored') await this.feed.committed(change, announced);
    return result;
  }

  async delete(project: string, name: string, force: boolean, actor: AuditActor, time: string): Promise<DeleteResult> {
    let announced = 0;
    const change = { project, kind: 'key' as const, name };
    const result = await this.sql.transaction(async (tx): Promise<DeleteResult> => {
      const row = await tx.get<{ version: number; deleted_at: string | null }>(
        'SELECT version, deleted_at FROM keys WHERE project = ? AND name = ?',
        [project, name],
      );
      if (!row || row.deleted_at !== null) return { kind: 'missing' };
      const functions = (await usedByIn(tx, project)).get(name) ?? [];
      if (functions.length > 0 && !force) return { kind: 'in_use', functions };
      const changed = await tx.run(
        'UPDATE keys SET deleted_at = ? WHERE project = ? AND name = ? AND version = ? AND deleted_at IS NULL',
        [time, project, name, row.version],
      );
      if (changed !== 1) throw new RetryTransaction();
      await tx.run('DELETE FROM key_versions WHERE project = ? AND name = ?', [project, name]);
      const action = functions.length > 0 ? 'key.delete.forced' : 'key.delete';
      await recordAudit(tx, { project, action, target: name, actor }, time);
      announced = await this.feed.inTransaction(tx, change);
      return { kind: 'deleted' };
    });
    if (result.kind === 'deleted') await this.feed.committed(change, announced);
    return result;
  }

  async sealed(project: string, name: string, version: number | 'latest'): Promise<SealedValue | undefined> {
    const row =
      version === 'latest'
        ? await this.sql.get<SealedValue>(
            `SELECT k.name, k.version, v.sealed, v.data_key_id AS "dataKeyId" FROM keys k
               JOIN key_versions v ON v.project = k.project AND v.name = k.name AND v.version = k.version
              WHERE k.project = ? AND k.name = ? AND k.deleted_at IS NULL`,
            [project, name],
          )
        : await this.sql.get<SealedValue>(
            'SELECT name, version, sealed, data_key_id AS "dataKeyId" FROM key_versions WHERE project = ? AND name = ? AND version = ?',
            [project, name, version],
          );
    return row;
  }

  latestSealed(project: string): Promise<SealedValue[]> {
    return this.sql.all<SealedValue>(
      `SELECT k.name, k.version, v.sealed, v.data_key_id AS "dataKeyId" FROM keys k
         JOIN key_versions v ON v.project = k.project AND v.name = k.name AND v.version = k.version
        WHERE k.project = ? AND k.deleted_at IS NULL ORDER BY k.name`,
      [project],
    );
  }

  async hasSealedValues(): Promise<boolean> {
    return !!(await this.sql.get('SELECT 1 AS one FROM key_versions LIMIT 1'));
  }
}

function record(r: KeyRow): KeyRecord {
  return { name: r.name, version: r.version, digest: r.digest, createdAt: r.created_at, updatedAt: r.updated_at };
}

/**
 * Key name → functions whose active release references it. The references are read from the
 * releases' JSON here rather than in SQL, so both engines run the same query.
 */
async function usedByIn(sql: SqlRunner, project: string): Promise<Map<string, string[]>> {
  const rows = await sql.all<{ fn: string; secrets_json: string }>(
    `SELECT f.name AS fn, r.secrets_json FROM functions f
       JOIN releases r ON r.project = f.project AND r.function = f.name AND r.release = f.active_release
      WHERE f.project = ? ORDER BY f.name`,
    [project],
  );
  const used = new Map<string, string[]>();
  for (const { fn, secrets_json } of rows) {
    const names = new Set((JSON.parse(secrets_json) as Array<{ name: string }>).map((r) => r.name));
    for (const key of names) {
      const list = used.get(key);
      if (list) list.push(fn);
      else used.set(key, [fn]);
    }
  }
  return used;
}
