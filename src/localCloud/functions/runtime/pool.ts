// The worker pool: starts workers through the sandbox launcher, hands them to invocations
// fairly, reuses a worker only for the function it already ran and only when it is clean, and
// ends workers that misbehave, idle too long, belong to a retired release, or run over their
// memory, time or byte budgets.
//
// Fair sharing: a project holds at most `maxPerProject` busy workers and a function at most
// `maxPerFunction`; waiting invocations are served oldest first among those still under
// their limits, so a project saturating its share never keeps another project waiting.
// Each function has its own bounded queue as well.
//
// Everything a worker sends is hostile input: it arrives as frames (framing.ts) read with a
// per-frame budget, and the bytes of one call are counted against a per-call budget. Any
// violation (a frame too large, not JSON, not a known message, more bytes than the budget,
// anything sent while the worker is idle) ends the worker and answers the call with an error.

import { EventEmitter } from 'events';
import { readFile } from 'fs/promises';
import { encodeFrame, FrameDecoder, FrameError } from './framing';
import { isWorkerMessage, type ParentMessage, type WorkerMessage } from './protocol';
import type { NamedValue } from './redact';
import { launchWorker, probeIsolation, type IsolationInfo, type LaunchedWorker, type SandboxConfig } from './sandbox';

export interface PoolOptions {
  maxWorkers: number;
  maxPerProject: number;
  maxPerFunction: number;
  prewarm: number;
  memoryLimitMb: number;
  idleTimeoutMs: number;
  maxQueue: number;
  maxQueuePerFunction: number;
  startTimeoutMs: number;
  /** The largest frame a worker may send (a result, escaped as a JSON string, plus room). */
  maxFrameBytes: number;
  /** Bytes a worker may send during one call, all frames together. */
  maxCallBytes: number;
  sandbox: SandboxConfig;
}

export interface Owner {
  project: string;
  functionName: string;
}

/** Raised when an invocation cannot get a worker because too many are waiting. */
export class PoolBusyError extends Error {}

export interface CallHandlers {
  onMessage(m: Exclude<WorkerMessage, { t: 'ready' }>): void;
  onStream(which: 'out' | 'err', data: string): void;
  /** The worker ended while the call ran; the message says why, for the caller. */
  onEnded(message: string, outOfMemory: boolean): void;
}

const ownerKey = (o: Owner): string => `${o.project}\u0000${o.functionName}`;

export class PoolWorker {
  owner: Owner | undefined;
  readonly loaded = new Set<string>();
  /** Every key value this worker has been handed, by name: all are redacted in its answers. */
  readonly given = new Map<string, Set<string>>();
  busy = false;
  dead = false;
  retiring = false;
  started = false;
  /** Why the pool ended this worker, told to the call it was running. */
  endMessage: string | undefined;
  outOfMemory = false;
  call: CallHandlers | undefined;
  callBytes = 0;
  stderrTail = '';
  idleTimer: NodeJS.Timeout | undefined;
  lastUsed = Date.now();
  readonly ready: Promise<void>;
  markReady!: () => void;
  failReady!: (e: Error) => void;

  constructor(readonly launched: LaunchedWorker) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    // Avoid an unhandled rejection when nobody waits for a worker that fails to start.
    this.ready.catch(() => undefined);
  }

  send(m: ParentMessage): void {
    if (this.dead) return;
    try {
      this.launched.channel.write(encodeFrame(m));
    } catch {
      // The exit handler answers the call.
    }
  }

  givenValues(): NamedValue[] {
    const out: NamedValue[] = [];
    for (const [name, values] of this.given) for (const value of values) out.push({ name, value });
    return out;
  }

  remember(name: string, value: string): void {
    let set = this.given.get(name);
    if (!set) this.given.set(name, (set = new Set()));
    set.add(value);
  }
}

export interface PoolStats {
  workers: number;
  busy: number;
  blank: number;
  starting: number;
  queued: number;
}

interface Waiting {
  owner: Owner;
  sha256: string;
  grant: (w: PoolWorker) => void;
  fail: (e: Error) => void;
}

export class WorkerPool {
  private readonly workers = new Set<PoolWorker>();
  private readonly queue: Waiting[] = [];
  private readonly events = new EventEmitter();
  private readonly exits = new Set<Promise<void>>();
  private closed = false;
  private readonly memWatch: NodeJS.Timeout | undefined;
  readonly isolation: IsolationInfo;

  constructor(private readonly opts: PoolOptions) {
    this.isolation = probeIsolation(opts.sandbox).info;
    this.events.setMaxListeners(0);
    if (process.platform === 'linux') {
      this.memWatch = setInterval(() => void this.checkMemory(), 200);
      this.memWatch.unref();
    }
    this.topUpPrewarm();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): PoolStats {
    let busy = 0;
    let blank = 0;
    let starting = 0;
    for (const w of this.workers) {
      if (w.busy) busy++;
      if (!w.owner) blank++;
      if (!w.started) starting++;
    }
    return { workers: this.workers.size, busy, blank, starting, queued: this.queue.length };
  }

  /** Resolves once `test(stats())` holds: tests wait on the pool's state, not on the clock. */
  waitFor(test: (s: PoolStats) => boolean, timeoutMs = 20_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!test(this.stats())) return;
        this.events.off('change', check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('change', check);
        reject(
          new Error(
            `The worker pool did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(this.stats())}`,
          ),
        );
      }, timeoutMs);
      this.events.on('change', check);
      check();
    });
  }

  /** Ends the idle workers of a function and, when their calls end, the busy ones. */
  retire(owner: Owner): void {
    const key = ownerKey(owner);
    for (const w of this.workers) {
      if (!w.owner || ownerKey(w.owner) !== key) continue;
      if (w.busy) w.retiring = true;
      else this.kill(w);
    }
  }

  /** A worker for `owner`, warm with `sha256` when one is; waits in the function's queue otherwise. */
  async acquire(owner: Owner, sha256: string): Promise<PoolWorker> {
    let failedStarts = 0;
    for (;;) {
      if (this.closed) throw new Error('The function runtime is shutting down.');
      let w = this.pick(owner, sha256);
      if (!w) {
        const key = ownerKey(owner);
        if (
          this.queue.length >= this.opts.maxQueue ||
          this.queue.filter((q) => ownerKey(q.owner) === key).length >= this.opts.maxQueuePerFunction
        ) {
          throw new PoolBusyError('Too many invocations of this function are waiting for a worker; try again shortly.');
        }
        w = await new Promise<PoolWorker>((grant, fail) => {
          this.queue.push({ owner, sha256, grant, fail });
          this.changed();
        });
      }
      try {
        await w.ready;
      } catch (e) {
        if (++failedStarts >= 3) {
          throw new Error(
            `Function workers cannot be started (${e instanceof Error ? e.message : String(e)}). Check the Node.js used for the local cloud.`,
          );
        }
        continue;
      }
      if (this.closed) {
        this.kill(w);
        throw new Error('The function runtime is shutting down.');
      }
      if (!w.dead) return w;
    }
  }

  /** Runs one call on a worker taken with acquire(); `handlers` receive what it sends. */
  startCall(w: PoolWorker, message: ParentMessage, handlers: CallHandlers): void {
    w.call = handlers;
    w.callBytes = 0;
    w.send(message);
  }

  /** Gives a worker back after a call. `clean` false (or a retired release) ends it instead. */
  release(w: PoolWorker, clean: boolean): void {
    w.call = undefined;
    if (!clean || w.retiring) this.kill(w);
    if (w.dead) {
      this.pump();
      return;
    }
    w.busy = false;
    w.lastUsed = Date.now();
    w.idleTimer = setTimeout(() => {
      if (!w.busy) this.kill(w);
    }, this.opts.idleTimeoutMs);
    w.idleTimer.unref();
    this.changed();
    this.pump();
  }

  /** Ends a worker; `why` is what its running call is told. */
  kill(w: PoolWorker, why?: string): void {
    if (why && !w.endMessage) w.endMessage = why;
    if (!w.dead) w.launched.kill();
    // The exit event removes it from the pool; mark it so nobody picks it meanwhile.
    w.dead = true;
    w.busy = true;
    this.changed();
  }

  /** Ends every worker and refuses new work. Resolves when every worker process has exited. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.memWatch) clearInterval(this.memWatch);
    for (const q of this.queue.splice(0)) q.fail(new Error('The function runtime is shutting down.'));
    for (const w of [...this.workers]) this.kill(w, 'The function runtime is shutting down.');
    // The grace timer stays referenced: workers are unref'd, so without it the event loop
    // could empty while close() is awaited and the process would exit before its caller resumes.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.exits]), new Promise((r) => (grace = setTimeout(r, 5000)))]);
    clearTimeout(grace);
    this.changed();
  }

  // ---- workers ---------------------------------------------------------------------------

  private changed(): void {
    this.events.emit('change');
  }

  private spawnWorker(): PoolWorker {
    const launched = launchWorker(this.opts.sandbox);
    const w = new PoolWorker(launched);
    const { child, channel } = launched;
    this.workers.add(w);
    // Workers never keep the process alive on their own: an invocation in flight does (through
    // its timeout timer), and the start-up timer does until the worker is ready.
    child.unref();
    for (const s of [channel, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    const startTimer = setTimeout(() => {
      w.failReady(new Error('A function worker did not start in time.'));
      this.kill(w);
    }, this.opts.startTimeoutMs);
    let frameReady = false;
    let sandboxReady = false;
    const maybeReady = (): void => {
      if (!frameReady || !sandboxReady || w.dead) return;
      clearTimeout(startTimer);
      w.started = true;
      w.markReady();
      this.changed();
    };
    launched.ready.then(
      () => {
        sandboxReady = true;
        maybeReady();
      },
      (e: unknown) => {
        w.failReady(e instanceof Error ? e : new Error(String(e)));
        this.kill(w);
      },
    );
    const decoder = new FrameDecoder(this.opts.maxFrameBytes);
    const violation = (what: string): void => {
      this.kill(w, `The function's worker broke the protocol (${what}) and was ended.`);
    };
    channel.on('data', (chunk: Buffer) => {
      if (w.dead) return;
      w.callBytes += chunk.length;
      if (w.call && w.callBytes > this.opts.maxCallBytes) {
        violation(`it sent more than ${this.opts.maxCallBytes} bytes during one call`);
        return;
      }
      let messages: unknown[];
      try {
        messages = decoder.push(chunk);
      } catch (e) {
        violation(e instanceof FrameError ? e.message : 'unreadable frame');
        return;
      }
      for (const m of messages) {
        if (w.dead) return;
        if (!isWorkerMessage(m)) {
          violation('a message of unknown shape');
          return;
        }
        if (m.t === 'ready') {
          if (frameReady) {
            violation('a second ready message');
            return;
          }
          frameReady = true;
          maybeReady();
          continue;
        }
        if (!w.call) {
          violation('a message while no call was running');
          return;
        }
        w.call.onMessage(m);
      }
    });
    channel.on('error', () => this.kill(w));
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    // Output outside a call is dropped: nothing a function writes reaches the server's own
    // stdout/stderr, and within a call it goes to the function's (redacted) logs only.
    child.stdout?.on('data', (d: string) => w.call?.onStream('out', d));
    child.stderr?.on('data', (d: string) => {
      w.stderrTail = (w.stderrTail + d).slice(-4096);
      w.call?.onStream('err', d);
    });
    const exited = new Promise<void>((resolve) => {
      let done = false;
      const ended = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        clearTimeout(startTimer);
        launched.kill();
        w.failReady(new Error('A function worker ended while starting.'));
        this.onWorkerExit(w, code, signal);
        resolve();
      };
      child.on('error', () => ended(null, null));
      // 'close' comes after the last stderr output (which tells an out-of-memory end apart);
      // 'exit' is the fallback when something else keeps the pipes open.
      child.on('exit', (code, signal) => setTimeout(() => ended(code, signal), 200).unref());
      child.on('close', (code, signal) => ended(code, signal));
    });
    this.exits.add(exited);
    void exited.then(() => this.exits.delete(exited));
    this.changed();
    return w;
  }

  private onWorkerExit(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    w.dead = true;
    this.workers.delete(w);
    if (w.idleTimer) clearTimeout(w.idleTimer);
    const call = w.call;
    w.call = undefined;
    if (call) {
      const oom = w.outOfMemory || /heap out of memory|Allocation failed/i.test(w.stderrTail);
      let message: string;
      if (oom) message = `The function ran out of memory (limit ${this.opts.memoryLimitMb} MiB).`;
      else if (w.endMessage) message = w.endMessage;
      else if (signal || (code !== null && code >= 128))
        message = `The function's process was ended by a signal (${signal ?? (code ?? 0) - 128}) before it returned.`;
      else
        message = `The function's process exited (code ${code ?? 'unknown'}) before it returned. A function must return (or throw) instead of calling process.exit, and must not crash its process.`;
      call.onEnded(message, oom);
    }
    this.changed();
    this.pump();
    this.topUpPrewarm();
  }

  private busyCounts(owner: Owner): { project: number; fn: number } {
    const key = ownerKey(owner);
    let project = 0;
    let fn = 0;
    for (const w of this.workers) {
      if (!w.busy || w.dead || !w.owner) continue;
      if (w.owner.project === owner.project) project++;
      if (ownerKey(w.owner) === key) fn++;
    }
    return { project, fn };
  }

  /** Takes a worker for `owner` if one can be had now, marking it busy. */
  private pick(owner: Owner, sha256: string): PoolWorker | undefined {
    if (this.closed) return undefined;
    const counts = this.busyCounts(owner);
    if (counts.project >= this.opts.maxPerProject || counts.fn >= this.opts.maxPerFunction) return undefined;
    const key = ownerKey(owner);
    const live = [...this.workers].filter((w) => !w.dead);
    const idle = live.filter((w) => !w.busy);
    const claim = (w: PoolWorker): PoolWorker => {
      w.busy = true;
      w.owner = owner;
      w.lastUsed = Date.now();
      if (w.idleTimer) clearTimeout(w.idleTimer);
      w.idleTimer = undefined;
      this.changed();
      return w;
    };
    const own = idle.filter((w) => w.owner && ownerKey(w.owner) === key);
    const warm = own.find((w) => w.loaded.has(sha256)) ?? own[0];
    if (warm) return claim(warm);
    const blank = idle.find((w) => !w.owner);
    if (blank) {
      const w = claim(blank);
      this.topUpPrewarm();
      return w;
    }
    if (live.length < this.opts.maxWorkers) return claim(this.spawnWorker());
    // The pool is full: end the least recently used idle worker of another function.
    const other = idle.filter((w) => !w.owner || ownerKey(w.owner) !== key).sort((a, b) => a.lastUsed - b.lastUsed)[0];
    if (other) {
      this.kill(other);
      this.workers.delete(other);
      return claim(this.spawnWorker());
    }
    return undefined;
  }

  /** Hands freed capacity to waiting invocations: oldest first among those under their limits. */
  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.queue.length;) {
      const next = this.queue[i];
      const w = this.pick(next.owner, next.sha256);
      if (!w) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      next.grant(w);
    }
    this.changed();
  }

  private topUpPrewarm(): void {
    if (this.closed) return;
    let blank = 0;
    let live = 0;
    for (const w of this.workers) {
      if (w.dead) continue;
      live++;
      if (!w.owner) blank++;
    }
    while (blank < this.opts.prewarm && live < this.opts.maxWorkers && this.queue.length === 0) {
      this.spawnWorker();
      blank++;
      live++;
    }
  }

  private async checkMemory(): Promise<void> {
    // V8's heap limit does not cover Buffers and other memory outside the heap; on Linux the
    // resident size of each busy worker is checked as well.
    const limitBytes = (this.opts.memoryLimitMb * 2 + 128) * 1024 * 1024;
    for (const w of this.workers) {
      if (!w.busy || w.dead) continue;
      let rss = 0;
      for (const pid of w.launched.memoryPids()) {
        try {
          const statm = await readFile(`/proc/${pid}/statm`, 'utf8');
          rss += Number(statm.split(' ')[1]) * 4096;
        } catch {
          // The process is gone already.
        }
      }
      if (rss > limitBytes) {
        w.outOfMemory = true;
        this.kill(w);
      }
    }
  }
}
