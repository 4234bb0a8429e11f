// Admission control: a memory budget shared by every request body, and per-function places
// (running + waiting). Both answer at once: a request that does not fit is refused, never left
// to pile up in memory.

/** A budget of bytes shared by all requests; each request holds one Reservation. */
export class MemoryBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  get usedBytes(): number {
    return this.used;
  }

  reservation(): Reservation {
    return new Reservation(this);
  }

  /** @internal */
  take(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  /** @internal */
  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** The bytes one request holds; released once, when its answer is done. */
export class Reservation {
  private bytes = 0;
  private released = false;

  constructor(private readonly budget: MemoryBudget) {}

  get heldBytes(): number {
    return this.bytes;
  }

  /** Takes `bytes` more, or returns false (taking nothing) when the budget cannot give them. */
  grow(bytes: number): boolean {
    if (this.released) return false;
    if (bytes <= 0) return true;
    if (!this.budget.take(bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.bytes);
    this.bytes = 0;
  }
}

/** A request's place in one function's line: waiting, then running, then gone. */
export interface Place {
  /** Resolves when this request may run (at once when a running place is free). */
  turn(): Promise<void>;
  /** Gives the place back (idempotent); a waiting request behind it moves up. */
  leave(): void;
}

/** Per-key (one function) places: `concurrency` running and `queue` waiting at most. */
export class Admission {
  private readonly lines = new Map<string, { running: number; admitted: number; waiting: Array<() => void> }>();

  constructor(
    private readonly concurrency: number,
    private readonly queue: number,
  ) {}

  /** A place for `key`, or undefined when all its running and waiting places are taken. */
  enter(key: string): Place | undefined {
    let line = this.lines.get(key);
    if (!line) {
      line = { running: 0, admitted: 0, waiting: [] };
      this.lines.set(key, line);
    }
    if (line.admitted >= this.concurrency + this.queue) return undefined;
    line.admitted++;
    const l = line;
    let state: 'admitted' | 'waiting' | 'running' | 'gone' = 'admitted';
    let wake: (() => void) | undefined;
    return {
      turn: () => {
        if (state !== 'admitted') return Promise.resolve();
        if (l.running < this.concurrency) {
          l.running++;
          state = 'running';
          return Promise.resolve();
        }
        state = 'waiting';
        return new Promise<void>((resolve) => {
          wake = () => {
            state = 'running';
            resolve();
          };
          l.waiting.push(wake);
        });
      },
      leave: () => {
        if (state === 'gone') return;
        if (state === 'waiting' && wake) {
          const i = l.waiting.indexOf(wake);
          if (i !== -1) l.waiting.splice(i, 1);
        }
        const wasRunning = state === 'running';
        state = 'gone';
        l.admitted--;
        if (wasRunning) {
          const next = l.waiting.shift();
          if (next) next();
          else l.running--;
        }
        if (l.admitted === 0) this.lines.delete(key);
      },
    };
  }
}
