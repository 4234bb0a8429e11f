// Changes to what functions run with (a key, a function's active release, a project's tokens),
// announced to every node so that each can drop what it keeps in memory. An announcement is
// only a hint: it never carries a value or a version, only which name changed, and a node
// then reads the database again. On the embedded engine the one process sees its own writes;
// on PostgreSQL each node LISTENs, and after a lost connection it drops everything it kept
// (announcements may have been missed meanwhile) and keeps nothing until it listens again.
// The node that made a change answers only once its own announcement has come back to it, so
// by then PostgreSQL has handed it to every listening node as well.
import type { SqlRunner } from './sql';

export type ChangeKind = 'key' | 'function' | 'tokens';

export interface Change {
  project: string;
  kind: ChangeKind;
  /** The key or function name ('' for tokens). */
  name: string;
}

/** The PostgreSQL channel changes are announced on. */
export const CHANGES_CHANNEL = 'cloudxlr_changes';

/** How long a writer waits for its announcement to come back before it answers anyway. */
const ECHO_TIMEOUT_MS = 1000;

export class ChangeFeed {
  private readonly listeners = new Set<(change: Change | undefined) => void>();
  private seen = 0;
  private era = 0;
  private live: boolean;
  private announced = 0;
  private readonly echoes = new Map<number, () => void>();
  /** Announcements that came back before their writer started waiting (the commit's answer came second). */
  private readonly early = new Set<number>();

  /**
   * `announce` writes announcement `id` inside the change's transaction (delivered on commit),
   * or is undefined where there is no one to announce to; `live` says whether announcements
   * from other writers reach this node from the start.
   */
  constructor(
    private readonly announce: ((tx: SqlRunner, change: Change, id: number) => Promise<void>) | undefined,
    live: boolean,
  ) {
    this.live = live;
  }

  /** Whether memory may be trusted now: every change since `epoch()` has been announced here. */
  get trusted(): boolean {
    return this.live;
  }

  /** Grows when announcements may have been missed: whatever was kept before is stale. */
  epoch(): number {
    return this.era;
  }

  /** Grows with every change heard; a read that saw it move must not be kept. */
  sequence(): number {
    return this.seen;
  }

  /** `fn` hears each change, and `undefined` when everything kept must be dropped. */
  subscribe(fn: (change: Change | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Announces `change` to the other nodes, in the transaction that makes it; answers its id. */
  async inTransaction(tx: SqlRunner, change: Change): Promise<number> {
    const id = ++this.announced;
    if (this.announce) await this.announce(tx, change, id);
    return id;
  }

  /**
   * `change` (announced as `id`) is committed: this node drops what it kept at once, then
   * waits (briefly) until the announcement has come back, that is, reached the other nodes.
   */
  async committed(change: Change, id: number): Promise<void> {
    this.heard(change);
    if (!this.announce || !this.live || this.early.delete(id)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.echoes.delete(id);
        resolve();
      }, ECHO_TIMEOUT_MS);
      this.echoes.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** This node's own announcement `id` came back. */
  echoed(id: number): void {
    const done = this.echoes.get(id);
    if (!done) {
      if (this.early.size > 10_000) this.early.clear();
      this.early.add(id);
      return;
    }
    this.echoes.delete(id);
    done();
  }

  /** A change committed here or announced by another node. */
  heard(change: Change): void {
    this.seen++;
    for (const fn of this.listeners) fn(change);
  }

  /** The announcements stopped (false) or flow again (true): everything kept is dropped. */
  setLive(live: boolean): void {
    this.live = live;
    this.era++;
    this.seen++;
    for (const fn of this.listeners) fn(undefined);
    // Nothing comes back while not listening: writers stop waiting.
    if (!live) for (const id of [...this.echoes.keys()]) this.echoed(id);
    this.early.clear();
  }
}

/** An announcement as sent: the change, the announcing node and its number there. */
export interface Announcement extends Change {
  origin: string;
  id: number;
}

/** Parses an announcement's payload; undefined for anything else on the channel. */
export function parseAnnouncement(payload: string | undefined): Announcement | undefined {
  try {
    const c = JSON.parse(payload ?? '') as Partial<Announcement>;
    if (typeof c.origin !== 'string' || typeof c.id !== 'number') return undefined;
    if (
      typeof c.project === 'string' &&
      typeof c.name === 'string' &&
      ['key', 'function', 'tokens'].includes(c.kind ?? '')
    )
      return { project: c.project, kind: c.kind as ChangeKind, name: c.name, origin: c.origin, id: c.id };
  } catch {
    // not ours
  }
  return undefined;
}
