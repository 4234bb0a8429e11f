// Deciding how to push a key: compare-and-set against the version this machine last saw, so
// a change made elsewhere in the meantime is reported as a conflict instead of overwritten.
import type { KeySyncRow } from '../keys/syncState';

export type PushPlan =
  | { kind: 'up-to-date' }
  | { kind: 'put'; ifVersion: number }
  | { kind: 'conflict'; cloudVersion: number; lastSeenVersion: number | undefined };

/**
 * @param lastSeenVersion the cloud version this machine's value was last pushed as or matched
 * @param row the key's current sync row (undefined: the cloud has not been listed yet)
 */
export function planPush(lastSeenVersion: number | undefined, row: KeySyncRow | undefined): PushPlan {
  if (!row?.cloud) return { kind: 'put', ifVersion: 0 };
  if (row.state === 'synced') return { kind: 'up-to-date' };
  if (lastSeenVersion === row.cloud.version) return { kind: 'put', ifVersion: row.cloud.version };
  return { kind: 'conflict', cloudVersion: row.cloud.version, lastSeenVersion };
}
