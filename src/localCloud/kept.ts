// Reads a node keeps in memory so that a warm invocation costs no database round trip when
// nothing changed: a function's active release and code, the sealed values (by version) its
// keys resolve to, a project's token hashes, members' and service tokens' identities. Each entry belongs to one changeable thing (a key,
// a function, a project's tokens) and is dropped when a change to it is heard; everything is
// dropped, and nothing kept, while announcements may be missed (storage/changes.ts). The
// database stays the source of truth: an entry is only ever filled from it.
import type { Change, ChangeFeed } from './storage';

/** Entries kept at most; past that, everything is dropped and refilled on demand. */
const MAX_ENTRIES = 20_000;

export class KeptReads {
  private readonly groups = new Map<string, Map<string, { value: unknown }>>();
  private size = 0;

  constructor(private readonly feed: ChangeFeed) {
    feed.subscribe((change) => {
      if (change) this.drop(groupOf(change));
      else this.clear();
    });
  }

  /**
   * The kept answer of `load` for `sub` of `what`, or a fresh one (kept unless a change was heard
   * meanwhile, or `keep` says no: say, an unknown token, which would only fill memory).
   */
  async read<T>(what: Change, sub: string, load: () => Promise<T>, keep?: (value: T) => boolean): Promise<T> {
    if (!this.feed.trusted) return load();
    const group = groupOf(what);
    const hit = this.groups.get(group)?.get(sub);
    if (hit) return hit.value as T;
    const before = this.feed.sequence();
    const era = this.feed.epoch();
    const value = await load();
    // A change heard while loading may be newer than what was read: not kept.
    if (this.feed.trusted && this.feed.sequence() === before && this.feed.epoch() === era && (keep?.(value) ?? true)) {
      if (this.size >= MAX_ENTRIES) this.clear();
      let entries = this.groups.get(group);
      if (!entries) this.groups.set(group, (entries = new Map()));
      if (!entries.has(sub)) this.size++;
      entries.set(sub, { value });
    }
    return value;
  }

  private drop(group: string): void {
    const entries = this.groups.get(group);
    if (!entries) return;
    this.size -= entries.size;
    this.groups.delete(group);
  }

  private clear(): void {
    this.groups.clear();
    this.size = 0;
  }
}

function groupOf(c: Change): string {
  return `${c.kind}\u0000${c.project}\u0000${c.name}`;
}
