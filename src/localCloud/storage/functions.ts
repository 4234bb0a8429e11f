// Cloud Functions and their releases. Release code is stored as deployed; a function's active
// release is the one it runs. Release numbers only grow; two deploys racing through different
// nodes each get their own number (the loser of the race on a number is run again).
import type { ReleaseInfo, SecretRef } from '../../api';
import { recordAudit, type AuditActor } from './audit';
import type { ChangeFeed } from './changes';
import type { SqlClient } from './sql';

export interface ReleaseRow {
  release: number;
  createdAt: string;
  runtime: string;
  sha256: string;
  secrets: SecretRef[];
  env: Record<string, string>;
  timeoutMs: number;
}

export interface FunctionRow {
  name: string;
  activeRelease: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewRelease {
  runtime: string;
  code: string;
  sha256: string;
  secrets: SecretRef[];
  env: Record<string, string>;
  timeoutMs: number;
}

export interface FunctionStore {
  /** Deployed functions of a project, sorted by name. */
  list(project: string): Promise<FunctionRow[]>;
  get(project: string, name: string): Promise<FunctionRow | undefined>;
  release(project: string, name: string, release: number): Promise<ReleaseRow | undefined>;
  releases(project: string, name: string): Promise<ReleaseInfo[]>;
  code(project: string, name: string, release: number): Promise<string>;
  /**
   * Stores a new release, makes it active and records `action`, in one transaction; when the
   * active release already runs exactly this (`unchanged`), nothing is written.
   */
  addRelease(
    project: string,
    name: string,
    rel: NewRelease,
    action: string,
    actor: AuditActor,
    time: string,
  ): Promise<{ release: number; created: boolean; unchanged: boolean }>;
  /** Deletes a function, its releases and its logs; false when there was none. */
  delete(project: string, name: string, actor: AuditActor, time: string): Promise<boolean>;
}

interface ReleaseDbRow {
  release: number;
  created_at: string;
  runtime: string;
  sha256: string;
  secrets_json: string;
  env_json: string;
  timeout_ms: number;
}

const RELEASE_COLUMNS = 'release, created_at, runtime, sha256, secrets_json, env_json, timeout_ms';

export class SqlFunctionStore implements FunctionStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly feed: ChangeFeed,
  ) {}

  async list(project: string): Promise<FunctionRow[]> {
    const rows = await this.sql.all<{ name: string; active_release: number; created_at: string; updated_at: string }>(
      'SELECT name, active_release, created_at, updated_at FROM functions WHERE project = ? AND active_release IS NOT NULL ORDER BY name',
      [project],
    );
    return rows.map((r) => ({
      name: r.name,
      activeRelease: r.active_release,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async get(project: string, name: string): Promise<FunctionRow | undefined> {
    const r = await this.sql.get<{
      name: string;
      active_release: number | null;
      created_at: string;
      updated_at: string;
    }>('SELECT name, active_release, created_at, updated_at FROM functions WHERE project = ? AND name = ?', [
      project,
      name,
    ]);
    if (!r || r.active_release === null) return undefined;
    return { name: r.name, activeRelease: r.active_release, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  async release(project: string, name: string, release: number): Promise<ReleaseRow | undefined> {
    const r = await this.sql.get<ReleaseDbRow>(
      `SELECT ${RELEASE_COLUMNS} FROM releases WHERE project = ? AND function = ? AND release = ?`,
      [project, name, release],
    );
    return r ? toRelease(r) : undefined;
  }

  async releases(project: string, name: string): Promise<ReleaseInfo[]> {
    const rows = await this.sql.all<ReleaseDbRow>(
      `SELECT ${RELEASE_COLUMNS} FROM releases WHERE project = ? AND function = ? ORDER BY release`,
      [project, name],
    );
    return rows.map((r) => ({
      release: r.release,
      createdAt: r.created_at,
      sha256: r.sha256,
      secrets: parseSecrets(r.secrets_json),
    }));
  }

  async code(project: string, name: string, release: number): Promise<string> {
    const r = await this.sql.get<{ code: string }>(
      'SELECT code FROM releases WHERE project = ? AND function = ? AND release = ?',
      [project, name, release],
    );
    if (!r) throw new Error('release code not found');
    return r.code;
  }

  async addRelease(
    project: string,
    name: string,
    rel: NewRelease,
    action: string,
    actor: AuditActor,
    time: string,
  ): Promise<{ release: number; created: boolean; unchanged: boolean }> {
    let announced = 0;
    const change = { project, kind: 'function' as const, name };
    const result = await this.sql.transaction(async (tx) => {
      const existing = await tx.get<{ active_release: number | null }>(
        'SELECT active_release FROM functions WHERE project = ? AND name = ?',
        [project, name],
      );
      if (existing && existing.active_release !== null) {
        const active = await tx.get<ReleaseDbRow>(
          `SELECT ${RELEASE_COLUMNS} FROM releases WHERE project = ? AND function = ? AND release = ?`,
          [project, name, existing.active_release],
        );
        if (active && sameRelease(toRelease(active), rel))
          return { release: active.release, created: false, unchanged: true };
      }
      if (!existing)
        await tx.run(
          'INSERT INTO functions (project, name, active_release, created_at, updated_at) VALUES (?, ?, NULL, ?, ?)',
          [project, name, time, time],
        );
      const max = await tx.get<{ m: number | null }>(
        'SELECT MAX(release) AS m FROM releases WHERE project = ? AND function = ?',
        [project, name],
      );
      const release = (max?.m ?? 0) + 1;
      await tx.run(
        `INSERT INTO releases (project, function, release, created_at, runtime, code, sha256, secrets_json, env_json, timeout_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          project,
          name,
          release,
          time,
          rel.runtime,
          rel.code,
          rel.sha256,
          JSON.stringify(rel.secrets),
          JSON.stringify(rel.env),
          rel.timeoutMs,
        ],
      );
      await tx.run('UPDATE functions SET active_release = ?, updated_at = ? WHERE project = ? AND name = ?', [
        release,
        time,
        project,
        name,
      ]);
      await recordAudit(tx, { project, action, target: name, actor }, time);
      announced = await this.feed.inTransaction(tx, change);
      return { release, created: !existing || existing.active_release === null, unchanged: false };
    });
    if (!result.unchanged) await this.feed.committed(change, announced);
    return result;
  }

  async delete(project: string, name: string, actor: AuditActor, time: string): Promise<boolean> {
    let announced = 0;
    const change = { project, kind: 'function' as const, name };
    const deleted = await this.sql.transaction(async (tx) => {
      const changed = await tx.run(
        'DELETE FROM functions WHERE project = ? AND name = ? AND active_release IS NOT NULL',
        [project, name],
      );
      if (changed === 0) return false;
      await tx.run('DELETE FROM function_logs WHERE project = ? AND function = ?', [project, name]);
      await recordAudit(tx, { project, action: 'function.delete', target: name, actor }, time);
      announced = await this.feed.inTransaction(tx, change);
      return true;
    });
    if (deleted) await this.feed.committed(change, announced);
    return deleted;
  }
}

function parseSecrets(json: string): SecretRef[] {
  const raw = JSON.parse(json) as Array<{ name: string; version: 'latest' | number }>;
  return raw.map((r) => ({ name: r.name, version: r.version }));
}

function toRelease(r: ReleaseDbRow): ReleaseRow {
  return {
    release: r.release,
    createdAt: r.created_at,
    runtime: r.runtime,
    sha256: r.sha256,
    secrets: parseSecrets(r.secrets_json),
    env: JSON.parse(r.env_json) as Record<string, string>,
    timeoutMs: r.timeout_ms,
  };
}

/** Whether a deploy would run exactly what a release runs (code, key references, env, timeout). */
function sameRelease(current: ReleaseRow, next: NewRelease): boolean {
  const sortedEnv = (env: Record<string, string>): string => JSON.stringify(Object.entries(env).sort());
  return (
    current.runtime === next.runtime &&
    current.sha256 === next.sha256 &&
    current.timeoutMs === next.timeoutMs &&
    JSON.stringify(current.secrets.map((r) => [r.name, r.version])) ===
      JSON.stringify(next.secrets.map((r) => [r.name, r.version])) &&
    sortedEnv(current.env) === sortedEnv(next.env)
  );
}
