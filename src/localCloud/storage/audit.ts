// The audit log's storage: who (an identity, today a token id) did what (an action) to which key
// or function (a name). It never holds a value or a token; callers pass names only. An event is
// written in the transaction of the change it describes.
import type { AuditEvent } from '../../api';
import type { SqlClient, SqlRunner } from './sql';

export interface AuditEntry {
  project: string;
  action: string;
  target: string;
  /** The identity that acted (today the token's id). */
  actor: string;
}

export interface AuditStore {
  /** Records an event on its own (changes record theirs in their own transaction). */
  record(entry: AuditEntry, time: string): Promise<void>;
  /** The `limit` most recent events of a project, oldest first (newest last). */
  list(project: string, limit: number): Promise<AuditEvent[]>;
}

/** Writes one audit event with `tx` (inside the change's own transaction). */
export async function recordAudit(tx: SqlRunner, entry: AuditEntry, time: string): Promise<void> {
  await tx.run('INSERT INTO audit (project, time, action, target, token_id) VALUES (?, ?, ?, ?, ?)', [
    entry.project,
    time,
    entry.action,
    entry.target,
    entry.actor,
  ]);
}

export class SqlAuditStore implements AuditStore {
  constructor(private readonly sql: SqlClient) {}

  record(entry: AuditEntry, time: string): Promise<void> {
    return recordAudit(this.sql, entry, time);
  }

  async list(project: string, limit: number): Promise<AuditEvent[]> {
    const rows = await this.sql.all<AuditEvent>(
      'SELECT time, action, target, token_id AS token FROM audit WHERE project = ? ORDER BY id DESC LIMIT ?',
      [project, limit],
    );
    return rows.reverse();
  }
}
