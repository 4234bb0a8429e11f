// Background work of the cloud: function log lines and audit events past their retention are
// removed. Every node schedules it; it runs once per interval for the whole cluster, in a
// transaction holding a cluster-wide lock, and the time of the last run is kept in the database
// so that a node started later does not run it again too soon.
import type { SqlClient } from './sql';

/** pg_advisory_xact_lock key of the housekeeping: "cxlh" in ASCII. */
export const HOUSEKEEPING_LOCK = 0x63786c68;
const LAST_RUN = 'housekeeping_last_run';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionPolicy {
  /** Days a function's log line is kept (besides the newest lines per function). */
  logDays: number;
  /** Days an audit event is kept. */
  auditDays: number;
  /** How often the work runs, across all nodes. */
  intervalMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { logDays: 30, auditDays: 365, intervalMs: 60 * 60 * 1000 };

export interface HousekeepingResult {
  logLines: number;
  auditEvents: number;
}

/** Runs the work if it is due and no other node is running it; undefined when it was not this node's turn. */
export function runHousekeeping(
  sql: SqlClient,
  now: Date,
  policy: RetentionPolicy,
): Promise<HousekeepingResult | undefined> {
  return sql.exclusively(HOUSEKEEPING_LOCK, async (tx): Promise<HousekeepingResult | undefined> => {
    const last = await tx.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [LAST_RUN]);
    if (last && now.getTime() - Date.parse(last.value) < policy.intervalMs) return undefined;
    const logBefore = new Date(now.getTime() - policy.logDays * DAY_MS).toISOString();
    const auditBefore = new Date(now.getTime() - policy.auditDays * DAY_MS).toISOString();
    const logLines = await tx.run('DELETE FROM function_logs WHERE time < ?', [logBefore]);
    const auditEvents = await tx.run('DELETE FROM audit WHERE time < ?', [auditBefore]);
    await tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      LAST_RUN,
      now.toISOString(),
    ]);
    return { logLines, auditEvents };
  });
}
