// Sync state of each key, from digests: the cloud never returns a value, so comparing the
// SHA-256 of this machine's value with the cloud's digest is how the two are compared.

export type SyncState = 'synced' | 'local-only' | 'cloud-only' | 'differs';

export interface CloudKeyInfo {
  name: string;
  version: number;
  digest: string;
  updatedAt: string;
  usedBy: string[];
}

export interface KeySyncRow {
  name: string;
  state: SyncState;
  cloud?: CloudKeyInfo;
}

/** Merges local digests (name → digest, undefined when the value is missing) with the cloud's list. */
export function computeSyncStates(
  local: ReadonlyMap<string, string | undefined>,
  cloud: readonly CloudKeyInfo[],
): Map<string, KeySyncRow> {
  const rows = new Map<string, KeySyncRow>();
  const byName = new Map(cloud.map((k) => [k.name, k]));
  for (const [name, digest] of local) {
    const c = byName.get(name);
    if (!c) rows.set(name, { name, state: 'local-only' });
    else rows.set(name, { name, state: digest === c.digest ? 'synced' : 'differs', cloud: c });
  }
  for (const c of cloud) {
    if (!rows.has(c.name)) rows.set(c.name, { name: c.name, state: 'cloud-only', cloud: c });
  }
  return rows;
}

export const SYNC_LABEL: Record<SyncState, string> = {
  synced: 'synced',
  'local-only': 'local only',
  'cloud-only': 'cloud only',
  differs: 'differs from cloud',
};
