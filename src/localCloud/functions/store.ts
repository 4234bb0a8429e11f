// Functions, releases and stored logs in the local cloud's SQLite database. The functions and
// releases tables belong to the cloud's schema; the log table is this module's own, created
// on first use. Release code is stored as deployed; logs are stored already redacted.
import type { Db } from '../db';
import type { FunctionLogEntry, ReleaseInfo, SecretRef } from '../../api';

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

/** Log lines kept per function; older ones are dropped. */
export const KEPT_LOG_LINES = 2000;

const LOG_TABLE = `
  CREATE TABLE IF NOT EXISTS function_logs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project    TEXT NOT NULL,
    function   TEXT NOT NULL,
    time       TEXT NOT NULL,
    level      TEXT NOT NULL,
    message    TEXT NOT NULL,
    request_id TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS function_logs_by_function ON function_logs(project, function, id);
`;

function parseSecrets(json: string): SecretRef[] {
  const raw = JSON.parse(json) as Array<{ name: string; version: 'latest' | number }>;
  return raw.map((r) => ({ name: r.name, version: r.version }));
}

export class FunctionStore {
  private readonly s;

  constructor(private readonly db: Db) {
    db.exec(LOG_TABLE);
    this.s = {
      list: db.prepare<[string], { name: string; active_release: number; created_at: string; updated_at: string }>(
        'SELECT name, active_release, created_at, updated_at FROM functions WHERE project = ? AND active_release IS NOT NULL ORDER BY name',
      ),
      one: db.prepare<
        [string, string],
        { name: string; active_release: number | null; created_at: string; updated_at: string }
      >('SELECT name, active_release, created_at, updated_at FROM functions WHERE project = ? AND name = ?'),
      releases: db.prepare<
        [string, string],
        {
          release: number;
          created_at: string;
          runtime: string;
          sha256: string;
          secrets_json: string;
          env_json: string;
          timeout_ms: number;
        }
      >(
        'SELECT release, created_at, runtime, sha256, secrets_json, env_json, timeout_ms FROM releases WHERE project = ? AND function = ? ORDER BY release',
      ),
      release: db.prepare<
        [string, string, number],
        {
          release: number;
          created_at: string;
          runtime: string;
          sha256: string;
          secrets_json: string;
          env_json: string;
          timeout_ms: number;
        }
      >(
        'SELECT release, created_at, runtime, sha256, secrets_json, env_json, timeout_ms FROM releases WHERE project = ? AND function = ? AND release = ?',
      ),
      code: db.prepare<[string, string, number], { code: string }>(
        'SELECT code FROM releases WHERE project = ? AND function = ? AND release = ?',
      ),
      maxRelease: db.prepare<[string, string], { m: number | null }>(
        'SELECT MAX(release) AS m FROM releases WHERE project = ? AND function = ?',
      ),
      insertFunction: db.prepare(
        'INSERT INTO functions (project, name, active_release, created_at, updated_at) VALUES (?, ?, NULL, ?, ?)',
      ),
      activate: db.prepare('UPDATE functions SET active_release = ?, updated_at = ? WHERE project = ? AND name = ?'),
      insertRelease: db.prepare(
        'INSERT INTO releases (project, function, release, created_at, runtime, code, sha256, secrets_json, env_json, timeout_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteFunction: db.prepare('DELETE FROM functions WHERE project = ? AND name = ?'),
      deleteLogs: db.prepare('DELETE FROM function_logs WHERE project = ? AND function = ?'),
      insertLog: db.prepare(
        'INSERT INTO function_logs (project, function, time, level, message, request_id) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      pruneLogs: db.prepare(
        `DELETE FROM function_logs WHERE project = ? AND function = ? AND id <= (
           SELECT id FROM function_logs WHERE project = ? AND function = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
      logs: db.prepare<[string, string, number], { time: string; level: string; message: string; request_id: string }>(
        'SELECT time, level, message, request_id FROM function_logs WHERE project = ? AND function = ? ORDER BY id DESC LIMIT ?',
      ),
    };
  }

  list(project: string): FunctionRow[] {
    return this.s.list.all(project).map((r) => ({
      name: r.name,
      activeRelease: r.active_release,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  get(project: string, name: string): FunctionRow | undefined {
    const r = this.s.one.get(project, name);
    if (!r || r.active_release === null) return undefined;
    return { name: r.name, activeRelease: r.active_release, createdAt: r.created_at, updatedAt: r.updated_at };
  }

  release(project: string, name: string, release: number): ReleaseRow | undefined {
    const r = this.s.release.get(project, name, release);
    return r ? toRelease(r) : undefined;
  }

  releases(project: string, name: string): ReleaseInfo[] {
    return this.s.releases.all(project, name).map((r) => ({
      release: r.release,
      createdAt: r.created_at,
      sha256: r.sha256,
      secrets: parseSecrets(r.secrets_json),
    }));
  }

  code(project: string, name: string, release: number): string {
    const r = this.s.code.get(project, name, release);
    if (!r) throw new Error('release code not found');
    return r.code;
  }

  /** Stores a new release and makes it active. Call inside a transaction. */
  addRelease(project: string, name: string, rel: NewRelease, time: string): { release: number; created: boolean } {
    const existing = this.s.one.get(project, name);
    if (!existing) this.s.insertFunction.run(project, name, time, time);
    const release = (this.s.maxRelease.get(project, name)?.m ?? 0) + 1;
    this.s.insertRelease.run(
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
    );
    this.s.activate.run(release, time, project, name);
    return { release, created: !existing || existing.active_release === null };
  }

  /** Deletes a function, its releases and its logs. Call inside a transaction. */
  delete(project: string, name: string): void {
    this.s.deleteFunction.run(project, name);
    this.s.deleteLogs.run(project, name);
  }

  /** Appends already redacted log lines and drops the oldest beyond KEPT_LOG_LINES. */
  appendLogs(project: string, name: string, requestId: string, logs: readonly FunctionLogEntry[]): void {
    if (logs.length === 0) return;
    this.db.transaction(() => {
      for (const l of logs) this.s.insertLog.run(project, name, l.time, l.level, l.message, requestId);
      this.s.pruneLogs.run(project, name, project, name, KEPT_LOG_LINES);
    })();
  }

  /** The `limit` newest log lines, newest last. */
  logs(project: string, name: string, limit: number): Array<FunctionLogEntry & { requestId: string }> {
    return this.s.logs
      .all(project, name, limit)
      .reverse()
      .map((r) => ({
        time: r.time,
        level: r.level as FunctionLogEntry['level'],
        message: r.message,
        requestId: r.request_id,
      }));
  }
}

function toRelease(r: {
  release: number;
  created_at: string;
  runtime: string;
  sha256: string;
  secrets_json: string;
  env_json: string;
  timeout_ms: number;
}): ReleaseRow {
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
