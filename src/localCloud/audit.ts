// The audit log's limits as the API offers them; the log itself is the storage's (storage/audit.ts).
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;
