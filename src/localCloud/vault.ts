// The API Keys Manager: versioned, encrypted key values with compare-and-set, the in-use
// check against active function releases, and an audit event in the same transaction as each
// change. No method used by a route returns a value; readValue/readLatestValues exist for the
// functions runtime and the deploy check only.
import type { KeyDetails, KeySummary, KeyVersionInfo, PutKeyResponse } from '../api';
import { digestOf } from '../shared/secretText';
import type { AuditLog } from './audit';
import type { ValueCipher } from './crypto';
import type { Db } from './db';
import { ApiError } from './errors';

interface KeyRow {
  name: string;
  version: number;
  digest: string;
  created_at: string;
  updated_at: string;
}

export interface PutOutcome {
  created: boolean;
  result: PutKeyResponse;
}

export class Vault {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly cipher: ValueCipher,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {
    this.stmts = {
      list: db.prepare<[string], KeyRow>(
        `SELECT k.name, k.version, v.digest, k.created_at, k.updated_at
           FROM keys k JOIN key_versions v ON v.project = k.project AND v.name = k.name AND v.version = k.version
          WHERE k.project = ? AND k.deleted_at IS NULL ORDER BY k.name`,
      ),
      one: db.prepare<[string, string], KeyRow>(
        `SELECT k.name, k.version, v.digest, k.created_at, k.updated_at
           FROM keys k JOIN key_versions v ON v.project = k.project AND v.name = k.name AND v.version = k.version
          WHERE k.project = ? AND k.name = ? AND k.deleted_at IS NULL`,
      ),
      row: db.prepare<[string, string], { version: number; deleted_at: string | null }>(
        'SELECT version, deleted_at FROM keys WHERE project = ? AND name = ?',
      ),
      versions: db.prepare<[string, string], { version: number; digest: string; createdAt: string }>(
        'SELECT version, digest, created_at AS createdAt FROM key_versions WHERE project = ? AND name = ? ORDER BY version',
      ),
      insertKey: db.prepare('INSERT INTO keys (project, name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
      reviveKey: db.prepare(
        'UPDATE keys SET version = ?, created_at = ?, updated_at = ?, deleted_at = NULL WHERE project = ? AND name = ?',
      ),
      bumpKey: db.prepare('UPDATE keys SET version = ?, updated_at = ? WHERE project = ? AND name = ?'),
      insertVersion: db.prepare(
        'INSERT INTO key_versions (project, name, version, digest, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      eraseVersions: db.prepare('DELETE FROM key_versions WHERE project = ? AND name = ?'),
      markDeleted: db.prepare('UPDATE keys SET deleted_at = ? WHERE project = ? AND name = ?'),
      sealed: db.prepare<[string, string, number], { sealed: Buffer }>(
        'SELECT sealed FROM key_versions WHERE project = ? AND name = ? AND version = ?',
      ),
      latestSealed: db.prepare<[string], { name: string; version: number; sealed: Buffer }>(
        `SELECT k.name, k.version, v.sealed FROM keys k
           JOIN key_versions v ON v.project = k.project AND v.name = k.name AND v.version = k.version
          WHERE k.project = ? AND k.deleted_at IS NULL ORDER BY k.name`,
      ),
      usedByAll: db.prepare<[string], { key: string; fn: string }>(
        `SELECT DISTINCT json_extract(j.value, '$.name') AS key, f.name AS fn
           FROM functions f
           JOIN releases r ON r.project = f.project AND r.function = f.name AND r.release = f.active_release,
                json_each(r.secrets_json) j
          WHERE f.project = ? ORDER BY fn`,
      ),
      usedByOne: db.prepare<[string, string], { fn: string }>(
        `SELECT DISTINCT f.name AS fn
           FROM functions f
           JOIN releases r ON r.project = f.project AND r.function = f.name AND r.release = f.active_release,
                json_each(r.secrets_json) j
          WHERE f.project = ? AND json_extract(j.value, '$.name') = ? ORDER BY fn`,
      ),
    };
  }

  listKeys(project: string): KeySummary[] {
    const used = new Map<string, string[]>();
    for (const { key, fn } of this.stmts.usedByAll.all(project)) {
      const list = used.get(key);
      if (list) list.push(fn);
      else used.set(key, [fn]);
    }
    return this.stmts.list.all(project).map((r) => summary(r, used.get(r.name) ?? []));
  }

  getKey(project: string, name: string): KeyDetails | undefined {
    const row = this.stmts.one.get(project, name);
    if (!row) return undefined;
    const versions: KeyVersionInfo[] = this.stmts.versions.all(project, name);
    return { ...summary(row, this.usedBy(project, name)), versions };
  }

  /** Functions whose active release references the key, sorted by name. */
  usedBy(project: string, name: string): string[] {
    return this.stmts.usedByOne.all(project, name).map((r) => r.fn);
  }

  /**
   * Stores a new version. `ifVersion` is compare-and-set: 0 = must not exist, N = the current
   * version must be N; a mismatch throws 409 version_conflict and changes nothing.
   */
  putKey(project: string, name: string, value: string, ifVersion: number | undefined, tokenId: string): PutOutcome {
    return this.db.transaction((): PutOutcome => {
      const row = this.stmts.row.get(project, name);
      const exists = !!row && row.deleted_at === null;
      const current = exists ? row.version : 0;
      if (ifVersion !== undefined && ifVersion !== current) {
        throw new ApiError(
          409,
          'version_conflict',
          exists
            ? `The key ${name} is at version ${current}, not ${ifVersion}. Someone changed it; fetch it and decide again.`
            : `The key ${name} does not exist, so it is not at version ${ifVersion}.`,
          { currentVersion: current },
        );
      }
      const version = (row?.version ?? 0) + 1;
      const time = this.now().toISOString();
      const digest = digestOf(value);
      if (!row) this.stmts.insertKey.run(project, name, version, time, time);
      else if (!exists) this.stmts.reviveKey.run(version, time, time, project, name);
      else this.stmts.bumpKey.run(version, time, project, name);
      this.stmts.insertVersion.run(
        project,
        name,
        version,
        digest,
        this.cipher.seal(project, name, version, value),
        time,
      );
      this.audit.record(project, exists ? 'key.update' : 'key.create', name, tokenId);
      return { created: !exists, result: { name, version, digest } };
    })();
  }

  /** Deletes a key and erases all its values; 404 if absent, 409 key_in_use unless forced. */
  deleteKey(project: string, name: string, force: boolean, tokenId: string): void {
    this.db.transaction(() => {
      const row = this.stmts.row.get(project, name);
      if (!row || row.deleted_at !== null)
        throw new ApiError(404, 'not_found', `There is no key ${name} in this project.`);
      const functions = this.usedBy(project, name);
      if (functions.length > 0 && !force) {
        throw new ApiError(
          409,
          'key_in_use',
          `The key ${name} is used by ${functions.length === 1 ? 'the function' : 'the functions'} ${functions.join(', ')}. Deploy ${functions.length === 1 ? 'it' : 'them'} without the key first, or delete with force.`,
          { functions },
        );
      }
      this.stmts.eraseVersions.run(project, name);
      this.stmts.markDeleted.run(this.now().toISOString(), project, name);
      this.audit.record(project, functions.length > 0 ? 'key.delete.forced' : 'key.delete', name, tokenId);
    })();
  }

  /**
   * The value of a key, for the functions runtime only: never hand it to a route's answer.
   * `version` is a whole number or 'latest'; undefined when the key or version does not exist.
   */
  readValue(project: string, name: string, version: number | 'latest'): string | undefined {
    let v: number;
    if (version === 'latest') {
      const row = this.stmts.row.get(project, name);
      if (!row || row.deleted_at !== null) return undefined;
      v = row.version;
    } else {
      v = version;
    }
    const hit = this.stmts.sealed.get(project, name, v);
    return hit ? this.cipher.open(project, name, v, hit.sealed) : undefined;
  }

  /** The current value of every key of a project (for the deploy's secret_in_bundle check). */
  readLatestValues(project: string): Array<{ name: string; version: number; value: string }> {
    return this.stmts.latestSealed.all(project).map((r) => ({
      name: r.name,
      version: r.version,
      value: this.cipher.open(project, r.name, r.version, r.sealed),
    }));
  }

  /** The current version of a key, or undefined when it does not exist. */
  currentVersion(project: string, name: string): number | undefined {
    const row = this.stmts.row.get(project, name);
    return row && row.deleted_at === null ? row.version : undefined;
  }

  /** Whether a given version of a key exists (for pinned references). */
  hasVersion(project: string, name: string, version: number): boolean {
    return !!this.stmts.sealed.get(project, name, version);
  }

  /** Whether any sealed value is stored at all (a missing master key is then fatal). */
  static hasSealedValues(db: Db): boolean {
    return !!db.prepare('SELECT 1 FROM key_versions LIMIT 1').get();
  }
}

function summary(r: KeyRow, usedBy: string[]): KeySummary {
  return {
    name: r.name,
    version: r.version,
    digest: r.digest,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    usedBy,
  };
}
