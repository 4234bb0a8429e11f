// The audit log's storage: who (an identity: its id, its name, where the request came from,
// HMAC'd) did what (an action) to which key, function, member or token (a name). It never holds a value or a token; callers pass names only. An event is
// written in the transaction of the change it describes.
import type { AuditEvent } from '../../api';
import type { SqlClient, SqlRunner } from './sql';

/** Who acted: an identity's id (`mem_…`, `svc_…`, `tok_…`), its name, the HMAC'd client address. */
export interface AuditActor {
  id: string;
  name?: string;
  /** `hmac-sha256:<hex>` of the client address (never the address itself). */
  source?: string;
}

export interface AuditEntry {
  project: string;
  action: string;
  target: string;
  actor: AuditActor;
}

export interface AuditStore {
  /** Records an event on its own (changes record theirs in their own transaction). */
  record(entry: AuditEntry, time: string): Promise<void>;
  /** The `limit` most recent events of a project, oldest first (newest last). */
  list(project: string, limit: number): Promise<AuditEvent[]>;
}

/** Writes one audit event with `tx` (inside the change's own transaction). */
export async function recordAudit(tx: SqlRunner, entry: AuditEntry, time: string): Promise<void> {
  await tx.run(
    'INSERT INTO audit (project, time, action, target, token_id, actor, source) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [
      entry.project,
      time,
      entry.action,
      entry.target,
      entry.actor.id,
      entry.actor.name ?? null,
      entry.actor.source ?? null,
    ],
  );
}

export class SqlAuditStore implements AuditStore {
  constructor(private readonly sql: SqlClient) {}

  record(entry: AuditEntry, time: string): Promise<void> {
    return recordAudit(this.sql, entry, time);
  }

  async list(project: string, limit: number): Promise<AuditEvent[]> {
    const rows = await this.sql.all<AuditEvent & { actor: string | null; source: string | null }>(
      'SELECT time, action, target, token_id AS token, actor, source FROM audit WHERE project = ? ORDER BY id DESC LIMIT ?',
      [project, limit],
    );
    return rows.reverse().map(({ actor, source, ...e }) => ({
      ...e,
      ...(actor !== null ? { actor } : {}),
      ...(source !== null ? { source } : {}),
    }));
  }
}
