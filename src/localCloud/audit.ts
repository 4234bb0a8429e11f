// The audit log: who (a token id) did what (an action) to which key or function (a name).
// It never holds a value or a token; callers pass names only.
import type { AuditEvent } from '../api';
import type { Db } from './db';

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

export class AuditLog {
  private readonly insert;
  private readonly latest;

  constructor(
    db: Db,
    private readonly now: () => Date,
  ) {
    this.insert = db.prepare('INSERT INTO audit (project, time, action, target, token_id) VALUES (?, ?, ?, ?, ?)');
    this.latest = db.prepare<[string, number], { time: string; action: string; target: string; token: string }>(
      'SELECT time, action, target, token_id AS token FROM audit WHERE project = ? ORDER BY id DESC LIMIT ?',
    );
  }

  /** Records an event; call it inside the transaction of the change it describes. */
  record(project: string, action: string, target: string, tokenId: string): void {
    this.insert.run(project, this.now().toISOString(), action, target, tokenId);
  }

  /** The `limit` most recent events of a project, oldest first (newest last). */
  list(project: string, limit = DEFAULT_AUDIT_LIMIT): AuditEvent[] {
    return this.latest.all(project, limit).reverse();
  }
}
