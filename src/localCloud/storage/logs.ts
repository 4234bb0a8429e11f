// Functions' stored log lines, already redacted by the runtime before they get here. Each
// function keeps its newest KEPT_LOG_LINES; older lines are dropped as new ones arrive, and
// lines past their retention by the housekeeping (housekeeping.ts).
import type { FunctionLogEntry } from '../../api';
import type { SqlClient } from './sql';

/** Log lines kept per function; older ones are dropped. */
export const KEPT_LOG_LINES = 2000;

export type StoredLogEntry = FunctionLogEntry & { requestId: string };

export interface LogStore {
  /** Appends log lines and drops the oldest beyond KEPT_LOG_LINES. */
  append(project: string, name: string, requestId: string, logs: readonly FunctionLogEntry[]): Promise<void>;
  /** The `limit` newest log lines, newest last. */
  list(project: string, name: string, limit: number): Promise<StoredLogEntry[]>;
}

export class SqlLogStore implements LogStore {
  constructor(private readonly sql: SqlClient) {}

  async append(project: string, name: string, requestId: string, logs: readonly FunctionLogEntry[]): Promise<void> {
    if (logs.length === 0) return;
    await this.sql.transaction(async (tx) => {
      for (const l of logs)
        await tx.run(
          'INSERT INTO function_logs (project, function, time, level, message, request_id) VALUES (?, ?, ?, ?, ?, ?)',
          [project, name, l.time, l.level, l.message, requestId],
        );
      await tx.run(
        `DELETE FROM function_logs WHERE project = ? AND function = ? AND id <= (
           SELECT id FROM function_logs WHERE project = ? AND function = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
        [project, name, project, name, KEPT_LOG_LINES],
      );
    });
  }

  async list(project: string, name: string, limit: number): Promise<StoredLogEntry[]> {
    const rows = await this.sql.all<{ time: string; level: string; message: string; request_id: string }>(
      'SELECT time, level, message, request_id FROM function_logs WHERE project = ? AND function = ? ORDER BY id DESC LIMIT ?',
      [project, name, limit],
    );
    return rows.reverse().map((r) => ({
      time: r.time,
      level: r.level as FunctionLogEntry['level'],
      message: r.message,
      requestId: r.request_id,
    }));
  }
}
