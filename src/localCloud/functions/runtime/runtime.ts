// The function runtime: runs a release's CommonJS bundle in a pool of warm child processes,
// isolated from the local cloud's own process.
//
// Why child processes rather than worker_threads: a function may call process.exit, crash the
// process natively, exhaust its heap or spin forever. In a child process each of these ends that
// process only; the runtime sees the exit, answers that invocation with an "error" result and
// replaces the worker. The memory limit is V8's --max-old-space-size of the child (plus, on
// Linux, a resident-size watchdog for memory outside the V8 heap), the timeout a SIGKILL.
//
// Isolation between functions: a worker belongs to one (project, function) pair once it has
// run code. It is reused warm only for that same function; another function never gets it,
// it gets a fresh worker (the old one is ended if the pool is full). So module state, globals
// and any value a function kept cannot reach another function or another project.
//
// Keys: the parent resolves every key the release declares when the invocation starts
// ("latest" is looked up then, so a rotated key is used without a redeploy; a pinned version
// stays pinned) and answers ctx.secrets.get requests for those names only. Redaction of logs,
// errors and results happens here in the parent, never trusted to the worker.

import { ChildProcess, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import { readFile } from 'fs/promises';
import * as os from 'os';
import { FunctionRequest, isWorkerMessage, LogLevel, ParentMessage, WorkerLimits, WorkerMessage } from './protocol';
import { Redactor } from './redact';
import { WORKER_SOURCE } from './workerMain';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 60_000;

export interface SecretRef {
  name: string;
  version: 'latest' | number;
}

export interface LogEntry {
  time: string;
  level: LogLevel;
  message: string;
}

export interface InvocationResult {
  status: 'ok' | 'error';
  result: unknown;
  error?: { message: string };
  logs: LogEntry[];
  durationMs: number;
  requestId: string;
}

/** What the runtime needs to know about the release it runs. */
export interface ReleaseSpec {
  project: string;
  functionName: string;
  release: number;
  sha256: string;
  /** Called only when no warm worker of this function has the bundle loaded. */
  loadCode: () => string | Promise<string>;
  secrets: readonly SecretRef[];
  env: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

/**
 * Reads a key's value from the vault, or returns undefined when that key (or pinned version)
 * does not exist. Called in the runtime's process only.
 */
export type SecretReader = (name: string, version: 'latest' | number) => string | undefined | Promise<string | undefined>;

export interface RuntimeOptions {
  /** Worker processes at most (busy and idle). Default: the number of CPUs, at least 2. */
  maxWorkers?: number;
  /** Blank workers kept started ahead of demand. Default 1. */
  prewarm?: number;
  /** V8 heap limit of a worker, in MiB. Default 128. */
  memoryLimitMb?: number;
  /** Idle owned workers are ended after this long. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** Invocations waiting for a worker at most; more are answered with an error. Default 256. */
  maxQueue?: number;
  /** The Node.js executable for workers. Default: this process's, as plain Node. */
  nodePath?: string;
  maxLogBytes?: number;
  maxLogEntries?: number;
  maxMessageBytes?: number;
  maxResultBytes?: number;
  maxCachedBundles?: number;
  /** Time a new worker may take to start. Default 15 s. */
  startTimeoutMs?: number;
  /**
   * Run workers under Node's permission model: no file system, no child processes, no
   * worker threads (network stays open). Default: on when the Node.js running the workers
   * supports it (Node 20+).
   */
  sandbox?: boolean;
}

/** Node's permission-model flags, when this Node.js has them. */
export function sandboxFlags(): string[] {
  const flags = process.allowedNodeEnvironmentFlags;
  const out: string[] = [];
  if (flags.has('--permission')) out.push('--permission');
  else if (flags.has('--experimental-permission')) out.push('--experimental-permission');
  else return [];
  if (flags.has('--disable-warning')) out.push('--disable-warning=ExperimentalWarning');
  return out;
}

interface Invocation {
  id: string;
  spec: ReleaseSpec;
  values: Map<string, string>;
  missing: Map<string, string>;
  redactor: Redactor;
  logs: Array<{ time: string; level: LogLevel; message: string; cut: boolean }>;
  logBytes: number;
  logsDropped: boolean;
  stream: { out: string; err: string; cut: boolean };
  settle: (r: { ok: true; json: string } | { ok: false; message: string; cut: boolean; stack?: string }) => void;
  settled: boolean;
  outOfMemory?: boolean;
}

class PoolWorker {
  readonly child: ChildProcess;
  owner: string | undefined;
  readonly loaded = new Set<string>();
  busy = false;
  dead = false;
  /** Why the runtime ended this worker, if it did. */
  endReason: 'timeout' | 'memory' | undefined;
  current: Invocation | undefined;
  readonly ready: Promise<void>;
  stderrTail = '';
  idleTimer: NodeJS.Timeout | undefined;
  lastUsed = Date.now();
  private markReady!: () => void;
  private failReady!: (e: Error) => void;

  constructor(child: ChildProcess) {
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    // Avoid an unhandled rejection when nobody waits for a worker that fails to start.
    this.ready.catch(() => undefined);
  }

  onReady(): void {
    this.markReady();
  }

  onFailedStart(e: Error): void {
    this.failReady(e);
  }
}

function minimalEnv(): NodeJS.ProcessEnv {
  // Workers never inherit the server's environment: it may hold the master key or tokens.
  const env: NodeJS.ProcessEnv = {};
  if (process.platform === 'win32' && process.env.SystemRoot) env.SystemRoot = process.env.SystemRoot;
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  return env;
}

function clampTimeout(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(Math.floor(ms), MAX_TIMEOUT_MS);
}

export class FunctionRuntime {
  private readonly workers = new Set<PoolWorker>();
  private readonly queue: Array<{ owner: string; sha256: string; grant: (w: PoolWorker) => void; fail: (e: Error) => void }> = [];
  private readonly opts: Required<Omit<RuntimeOptions, 'nodePath' | 'sandbox'>> & { nodePath: string };
  private readonly sandbox: string[];
  private closed = false;
  private readonly memWatch: NodeJS.Timeout | undefined;

  constructor(options: RuntimeOptions = {}) {
    this.opts = {
      maxWorkers: Math.max(1, options.maxWorkers ?? Math.max(2, os.cpus().length)),
      prewarm: Math.max(0, options.prewarm ?? 1),
      memoryLimitMb: options.memoryLimitMb ?? 128,
      idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
      maxQueue: options.maxQueue ?? 256,
      nodePath: options.nodePath ?? process.execPath,
      maxLogBytes: options.maxLogBytes ?? 256 * 1024,
      maxLogEntries: options.maxLogEntries ?? 1000,
      maxMessageBytes: options.maxMessageBytes ?? 8 * 1024,
      maxResultBytes: options.maxResultBytes ?? 6 * 1024 * 1024,
      maxCachedBundles: options.maxCachedBundles ?? 16,
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
    };
    // Another Node.js (nodePath) may lack the permission model: sandboxed there only when asked.
    this.sandbox = options.sandbox ?? options.nodePath === undefined ? sandboxFlags() : [];
    if (process.platform === 'linux') {
      this.memWatch = setInterval(() => void this.checkMemory(), 200);
      this.memWatch.unref();
    }
    this.topUpPrewarm();
  }

  /** Ends the idle workers of a function (after a new release, a rollback or a delete). */
  retire(project: string, functionName: string): void {
    const owner = `${project}\u0000${functionName}`;
    for (const w of this.workers) if (w.owner === owner && !w.busy) this.kill(w);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Worker counts, for tests and the bench. */
  stats(): { workers: number; busy: number; blank: number; queued: number } {
    let busy = 0;
    let blank = 0;
    for (const w of this.workers) {
      if (w.busy) busy++;
      if (!w.owner) blank++;
    }
    return { workers: this.workers.size, busy, blank, queued: this.queue.length };
  }

  /** Runs one invocation of a release. Never rejects for anything the function does. */
  async invoke(spec: ReleaseSpec, request: FunctionRequest, readSecret: SecretReader, requestId: string = randomUUID()): Promise<InvocationResult> {
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number((process.hrtime.bigint() - started) / 1000n) / 1000;
    const timeoutMs = clampTimeout(spec.timeoutMs);

    // Resolve every declared key now: "latest" means the version current at this invocation.
    const values = new Map<string, string>();
    const missing = new Map<string, string>();
    for (const ref of spec.secrets) {
      try {
        const v = await readSecret(ref.name, ref.version);
        if (typeof v === 'string') values.set(ref.name, v);
        else missing.set(ref.name, ref.version === 'latest' ? `Key "${ref.name}" does not exist in the vault any more.` : `Version ${ref.version} of key "${ref.name}" does not exist in the vault.`);
      } catch {
        missing.set(ref.name, `Key "${ref.name}" could not be read from the vault.`);
      }
    }
    const redactor = new Redactor([...values].map(([name, value]) => ({ name, value })));
    const inv: Invocation = {
      id: requestId,
      spec,
      values,
      missing,
      redactor,
      logs: [],
      logBytes: 0,
      logsDropped: false,
      stream: { out: '', err: '', cut: false },
      settle: () => undefined,
      settled: false,
    };

    const finish = (status: 'ok' | 'error', result: unknown, message?: string, cut = false): InvocationResult => {
      const logs = this.finishLogs(inv);
      const out: InvocationResult = { status, result, logs, durationMs: Math.round(elapsed() * 100) / 100, requestId };
      if (status === 'error') out.error = { message: this.cutText(redactor.redact(message ?? 'The function failed.', cut), this.opts.maxMessageBytes) };
      return out;
    };

    if (this.closed) return finish('error', null, 'The function runtime is shutting down.');
    const owner = `${spec.project}\u0000${spec.functionName}`;
    let worker: PoolWorker;
    try {
      worker = await this.acquire(owner, spec.sha256);
    } catch (e) {
      return finish('error', null, e instanceof Error ? e.message : String(e));
    }

    let code: string | undefined;
    if (!worker.loaded.has(spec.sha256)) {
      try {
        code = await spec.loadCode();
      } catch {
        this.release(worker);
        return finish('error', null, 'The release\'s code could not be loaded.');
      }
    }

    const outcome = await new Promise<{ ok: true; json: string } | { ok: false; message: string; cut: boolean; stack?: string }>((resolve) => {
      inv.settle = (r) => {
        if (inv.settled) return;
        inv.settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        worker.endReason = 'timeout';
        inv.settle({ ok: false, message: `The function did not finish within its timeout of ${timeoutMs} ms.`, cut: false });
        this.kill(worker);
      }, timeoutMs);
      worker.current = inv;
      const msg: ParentMessage = {
        t: 'run',
        inv: inv.id,
        sha256: spec.sha256,
        request,
        env: { ...spec.env },
        functionName: spec.functionName,
        limits: this.workerLimits(),
      };
      if (code !== undefined) msg.code = code;
      try {
        worker.child.send(msg, (err) => {
          if (err) inv.settle({ ok: false, message: 'The function could not be started in its worker.', cut: false });
        });
      } catch {
        inv.settle({ ok: false, message: 'The function could not be started in its worker.', cut: false });
      }
    });
    if (code !== undefined && outcome.ok) worker.loaded.add(spec.sha256);
    worker.current = undefined;
    this.release(worker);

    if (outcome.ok) {
      let result: unknown;
      try {
        result = JSON.parse(outcome.json);
      } catch {
        return finish('error', null, 'The function returned a result that is not JSON.');
      }
      return finish('ok', redactor.redactDeep(result));
    }
    if (outcome.stack) this.pushLog(inv, 'error', outcome.stack, outcome.cut);
    return finish('error', null, outcome.message, outcome.cut);
  }

  /** Ends every worker. Invocations still running end with an "error" result. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.memWatch) clearInterval(this.memWatch);
    for (const q of this.queue.splice(0)) q.fail(new Error('The function runtime is shutting down.'));
    const exits: Array<Promise<void>> = [];
    for (const w of [...this.workers]) {
      if (!w.dead) exits.push(new Promise<void>((r) => w.child.once('exit', () => r())));
      this.kill(w);
    }
    // The grace timer stays referenced: workers are unref'd, so without it the event loop
    // could empty while close() is awaited and the process would exit before its caller resumes.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise((r) => (grace = setTimeout(r, 2000)))]);
    clearTimeout(grace);
  }

  // ---- workers ---------------------------------------------------------------------------

  private workerLimits(): WorkerLimits {
    // The worker may send a little more than the parent keeps: the parent redacts first and
    // cuts afterwards, so a value is never cut in half before it could be recognised.
    return {
      maxLogBytes: this.opts.maxLogBytes * 2,
      maxMessageBytes: this.opts.maxMessageBytes * 4 + 128 * 1024,
      maxResultBytes: this.opts.maxResultBytes,
      maxCachedBundles: this.opts.maxCachedBundles,
    };
  }

  private spawnWorker(): PoolWorker {
    const child = spawn(
      this.opts.nodePath,
      [`--max-old-space-size=${this.opts.memoryLimitMb}`, ...this.sandbox, '-e', WORKER_SOURCE],
      { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: minimalEnv(), cwd: os.tmpdir(), windowsHide: true, serialization: 'json' },
    );
    const w = new PoolWorker(child);
    this.workers.add(w);
    // Workers never keep the process alive on their own: an invocation in flight does (through
    // its timeout timer), and the start-up timer does until the worker is ready.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    const startTimer = setTimeout(() => {
      w.onFailedStart(new Error('A function worker did not start in time.'));
      this.kill(w);
    }, this.opts.startTimeoutMs);
    child.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      if (m.t === 'ready') {
        clearTimeout(startTimer);
        w.onReady();
        return;
      }
      this.onWorkerMessage(w, m);
    });
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => this.onStream(w, 'out', d));
    child.stderr?.on('data', (d: string) => {
      w.stderrTail = (w.stderrTail + d).slice(-4096);
      this.onStream(w, 'err', d);
    });
    child.on('error', () => {
      clearTimeout(startTimer);
      w.onFailedStart(new Error('A function worker could not be started.'));
      this.onWorkerExit(w, null, null);
    });
    // 'close' comes after the last stderr output (which tells an out-of-memory end apart);
    // 'exit' is the fallback when a grandchild process keeps the pipes open.
    const ended = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(startTimer);
      w.onFailedStart(new Error('A function worker ended while starting.'));
      this.onWorkerExit(w, code, signal);
    };
    child.on('exit', (code, signal) => setTimeout(() => ended(code, signal), 200).unref());
    child.on('close', (code, signal) => ended(code, signal));
    return w;
  }

  private onWorkerExit(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    if (w.dead && !this.workers.has(w)) return;
    w.dead = true;
    this.workers.delete(w);
    if (w.idleTimer) clearTimeout(w.idleTimer);
    const inv = w.current;
    if (inv && !inv.settled) {
      let message: string;
      if (w.endReason === 'memory' || /heap out of memory|Allocation failed/i.test(w.stderrTail)) {
        message = `The function ran out of memory (limit ${this.opts.memoryLimitMb} MiB).`;
        inv.outOfMemory = true;
      } else if (signal) {
        message = `The function's process was ended by signal ${signal} before it returned.`;
      } else {
        message = `The function's process exited (code ${code ?? 'unknown'}) before it returned. A function must return (or throw) instead of calling process.exit, and must not crash its process.`;
      }
      inv.settle({ ok: false, message, cut: false });
    }
    this.pump();
    this.topUpPrewarm();
  }

  private kill(w: PoolWorker): void {
    if (!w.dead) {
      try {
        w.child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // The exit event removes it from the pool; mark it so nobody picks it meanwhile.
    w.dead = true;
    w.busy = true;
  }

  private async acquire(owner: string, sha256: string): Promise<PoolWorker> {
    let failedStarts = 0;
    const failed = (e: unknown): void => {
      if (++failedStarts >= 3) throw new Error(`Function workers cannot be started (${e instanceof Error ? e.message : String(e)}). Check the Node.js used for the local cloud.`);
    };
    for (;;) {
      const w = this.pick(owner, sha256);
      if (w) {
        try {
          await w.ready;
          if (w.dead) continue;
          return w;
        } catch (e) {
          failed(e);
          continue;
        }
      }
      if (this.queue.length >= this.opts.maxQueue) {
        throw new Error('Too many invocations are waiting for a worker; try again shortly.');
      }
      const granted = await new Promise<PoolWorker>((grant, fail) => this.queue.push({ owner, sha256, grant, fail }));
      try {
        await granted.ready;
        if (!granted.dead) return granted;
      } catch (e) {
        failed(e);
      }
    }
  }

  /** Takes a worker for `owner` if one can be had now, marking it busy. */
  private pick(owner: string, sha256: string): PoolWorker | undefined {
    const live = [...this.workers].filter((w) => !w.dead);
    const idle = live.filter((w) => !w.busy);
    const claim = (w: PoolWorker): PoolWorker => {
      w.busy = true;
      w.owner = owner;
      w.lastUsed = Date.now();
      if (w.idleTimer) clearTimeout(w.idleTimer);
      w.idleTimer = undefined;
      return w;
    };
    const own = idle.filter((w) => w.owner === owner);
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
    const other = idle.filter((w) => w.owner !== owner).sort((a, b) => a.lastUsed - b.lastUsed)[0];
    if (other) {
      this.kill(other);
      this.workers.delete(other);
      return claim(this.spawnWorker());
    }
    return undefined;
  }

  private release(w: PoolWorker): void {
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
    this.pump();
  }

  /** Hands freed capacity to waiting invocations, oldest first. */
  private pump(): void {
    while (this.queue.length && !this.closed) {
      const next = this.queue[0];
      const w = this.pick(next.owner, next.sha256);
      if (!w) return;
      this.queue.shift();
      next.grant(w);
    }
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
      if (!w.busy || w.dead || !w.child.pid) continue;
      try {
        const statm = await readFile(`/proc/${w.child.pid}/statm`, 'utf8');
        const rssPages = Number(statm.split(' ')[1]);
        if (rssPages * 4096 > limitBytes) {
          w.endReason = 'memory';
          this.kill(w);
        }
      } catch {
        // The process is gone already.
      }
    }
  }

  // ---- messages and logs -----------------------------------------------------------------

  private onWorkerMessage(w: PoolWorker, m: WorkerMessage): void {
    const inv = w.current;
    if (!inv || inv.settled) return;
    switch (m.t) {
      case 'secret': {
        if (m.inv !== inv.id) return;
        let reply: ParentMessage;
        const value = inv.values.get(m.name);
        if (value !== undefined) reply = { t: 'secret', req: m.req, ok: true, value };
        else if (inv.missing.has(m.name)) reply = { t: 'secret', req: m.req, ok: false, message: inv.missing.get(m.name) as string };
        else {
          const shown = m.name.length > 128 ? `${m.name.slice(0, 128)}…` : m.name;
          reply = {
            t: 'secret',
            req: m.req,
            ok: false,
            message: `Key "${shown}" is undeclared: release ${inv.spec.release} of function "${inv.spec.functionName}" does not reference it. Read it with ctx.secrets.get("${shown}") in the function's source and deploy again.`,
          };
        }
        w.child.send(reply, () => undefined);
        return;
      }
      case 'log':
        if (m.inv === inv.id) this.pushLog(inv, m.level, m.message, m.cut);
        return;
      case 'done':
        if (m.inv !== inv.id) return;
        if (m.ok) inv.settle({ ok: true, json: m.json });
        else inv.settle({ ok: false, message: m.message, cut: m.cut === true, stack: typeof m.stack === 'string' ? m.stack : undefined });
        return;
      default:
        return;
    }
  }

  private onStream(w: PoolWorker, which: 'out' | 'err', data: string): void {
    const inv = w.current;
    if (!inv || inv.settled) return;
    const s = inv.stream;
    const room = this.opts.maxLogBytes * 2 - s.out.length - s.err.length;
    if (room <= 0) {
      s.cut = true;
      return;
    }
    if (data.length > room) s.cut = true;
    s[which] += data.slice(0, room);
  }

  private pushLog(inv: Invocation, level: LogLevel, message: string, cut: boolean): void {
    if (inv.logs.length >= this.opts.maxLogEntries * 2) {
      inv.logsDropped = true;
      return;
    }
    inv.logs.push({ time: new Date().toISOString(), level, message, cut });
  }

  /** Redacts, then applies the limits, so that no cut ever splits a value before redaction. */
  private finishLogs(inv: Invocation): LogEntry[] {
    const r = inv.redactor;
    const entries: LogEntry[] = [];
    let bytes = 0;
    let dropped = inv.logsDropped;
    const add = (time: string, level: LogLevel, raw: string, cut: boolean): void => {
      if (dropped) return;
      const message = this.cutText(r.redact(raw, cut), this.opts.maxMessageBytes);
      if (entries.length >= this.opts.maxLogEntries || bytes + message.length > this.opts.maxLogBytes) {
        dropped = true;
        return;
      }
      bytes += message.length;
      entries.push({ time, level, message });
    };
    for (const l of inv.logs) add(l.time, l.level, l.message, l.cut);
    // Anything written straight to stdout/stderr: redacted as a whole, then split in lines.
    const now = new Date().toISOString();
    // After an out-of-memory end, stderr holds only V8's diagnostics: the error says it all.
    const streams = inv.outOfMemory ? ([['out', 'info']] as const) : ([['out', 'info'], ['err', 'error']] as const);
    for (const [which, level] of streams) {
      const text = inv.stream[which];
      if (!text) continue;
      for (const line of r.redact(text, inv.stream.cut).split(/\r?\n/)) {
        if (line.trim()) add(now, level, line, false);
      }
    }
    if (dropped) {
      entries.push({ time: now, level: 'warn', message: 'Further log output of this invocation was dropped: the log limit was reached.' });
    }
    return entries;
  }

  private cutText(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max)}… [cut at ${max} characters]` : text;
  }
}
