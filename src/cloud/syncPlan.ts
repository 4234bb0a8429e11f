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

/**
 * What a refused push tells the person, by what actually happened: a key this machine never
 * synced (added, or deleted and re-added, here) is not a change made in the cloud.
 */
export function conflictMessage(name: string, cloudVersion: number, lastSeenVersion: number | undefined): string {
  const kept = 'Your value is kept on this machine and the cloud was not overwritten.';
  if (lastSeenVersion === undefined) {
    return `The cloud already holds a different value of ${name} (version ${cloudVersion}), and the copy on this machine was never synced with it (added here). ${kept} Push Anyway makes this machine's value the cloud's.`;
  }
  return `${name} changed in the cloud (now version ${cloudVersion}, this machine last synced version ${lastSeenVersion}). ${kept}`;
}
