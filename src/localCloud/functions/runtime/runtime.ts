// The function runtime: runs a release's CommonJS bundle in a pool of warm worker processes,
// each in its own OS sandbox where the platform has one (sandbox.ts), and answers each
// invocation with its result and logs, redacted.
//
// The parts, one file per job:
// - sandbox.ts   starts one worker (bubblewrap + slirp4netns + seccomp, or a plain process);
// - pool.ts      which worker serves which call: warm reuse, fairness, budgets, retirement;
// - invocation.ts one call's logs, output, limits and redacted answer;
// - framing.ts / protocol.ts  what the server and a worker exchange, and how;
// - workerMain.ts the program inside the worker.
//
// Why processes rather than worker_threads: a function may call process.exit, crash the
// process natively, exhaust its heap or spin forever. In a process each of these ends that
// process only; the runtime sees the exit, answers that invocation with an "error" result and
// replaces the worker.
//
// Isolation between functions: a worker belongs to one (project, function) pair once it has
// run code, and is reused warm only for that function and only when its last call left nothing
// running. So module state, globals and any value a function kept cannot reach another
// function or another project.
//
// Keys: every key the release declares is resolved when the invocation starts ("latest" is
// looked up then, so a rotated key is used without a redeploy; a pinned version stays pinned),
// and ctx.secrets.get is answered for those names only.

import { DEFAULT_FUNCTION_TIMEOUT_MS, MAX_FUNCTION_TIMEOUT_MS, type SecretRef } from '../../../api';
import { randomUUID } from 'crypto';
import * as os from 'os';
import { Invocation, type InvocationLimits, type InvocationResult, type Outcome } from './invocation';
import { PoolBusyError, WorkerPool, type PoolStats, type PoolWorker } from './pool';
import type { FunctionRequest, ParentMessage, WorkerLimits, WorkerMessage } from './protocol';
import type { IsolationInfo } from './sandbox';
import { WORKER_SOURCE } from './workerMain';

export type { InvocationResult, LogEntry } from './invocation';

// The contract's timeouts and key references, under the names the runtime has always used.
export const DEFAULT_TIMEOUT_MS = DEFAULT_FUNCTION_TIMEOUT_MS;
export const MAX_TIMEOUT_MS = MAX_FUNCTION_TIMEOUT_MS;
/** Key requests one invocation may make. */
const MAX_SECRET_REQUESTS = 10_000;

export type { SecretRef };

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
export type SecretReader = (
  name: string,
  version: 'latest' | number,
) => string | undefined | Promise<string | undefined>;

export interface RuntimeOptions {
  /** Worker processes at most (busy and idle). Default: twice the number of CPUs, at least 4. */
  maxWorkers?: number;
  /** Busy workers one project may hold. Default: half of maxWorkers (at least 1). */
  maxPerProject?: number;
  /** Busy workers one function may hold. Default: maxPerProject. */
  maxPerFunction?: number;
  /** Blank workers kept started ahead of demand. Default 1. */
  prewarm?: number;
  /** V8 heap limit of a worker, in MiB. Default 128. */
  memoryLimitMb?: number;
  /** Idle owned workers are ended after this long. Default 5 minutes. */
  idleTimeoutMs?: number;
  /** Invocations waiting for a worker at most; more are answered as busy. Default 256. */
  maxQueue?: number;
  /** Invocations of one function waiting at most. Default 64. */
  maxQueuePerFunction?: number;
  /** The Node.js executable for workers. Default: this process's, as plain Node. */
  nodePath?: string;
  maxLogBytes?: number;
  maxLogEntries?: number;
  maxMessageBytes?: number;
  maxResultBytes?: number;
  maxResultDepth?: number;
  maxCachedBundles?: number;
  /** Time a new worker may take to start. Default 15 s. */
  startTimeoutMs?: number;
  /**
   * 'auto' (default): each worker in its own OS sandbox where the platform has one (Linux with
   * bubblewrap), else a child process under Node's permission model. 'off': never the OS
   * sandbox (the previous design; for comparison in the bench).
   */
  isolation?: 'auto' | 'off';
  /**
   * Node's permission model inside the worker (no file system, no child processes). Default:
   * on when the Node.js running the workers supports it.
   */
  permissionModel?: boolean;
  /**
   * For tests and local mock services only: the sandbox's gateway (HOST_LOOPBACK_GATEWAY)
   * reaches the host's 127.0.0.1, which includes the cloud's own port. Default: off, unless
   * the environment variable HOST_LOOPBACK_ENV is "1".
   */
  gatewayToHostLoopback?: boolean;
}

/** Set to "1" to let sandboxed functions reach the host's loopback through the gateway. */
export const HOST_LOOPBACK_ENV = 'CLOUDXLR_FUNCTIONS_HOST_LOOPBACK';
/** The address at which a sandboxed function reaches the host's 127.0.0.1, when allowed. */
export const HOST_LOOPBACK_GATEWAY = '10.0.2.2';

/**
 * Where a function reaches a service the host runs on 127.0.0.1 when host loopback is allowed:
 * the gateway inside the OS sandbox, 127.0.0.1 itself without one.
 */
export function hostLoopbackFor(isolation: IsolationInfo): string {
  return isolation.network === 'nat' ? HOST_LOOPBACK_GATEWAY : '127.0.0.1';
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

function clampTimeout(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(Math.floor(ms), MAX_TIMEOUT_MS);
}

export class FunctionRuntime {
  private readonly pool: WorkerPool;
  private readonly limits: InvocationLimits;
  private readonly maxCachedBundles: number;

  constructor(options: RuntimeOptions = {}) {
    const maxWorkers = Math.max(1, options.maxWorkers ?? Math.max(4, os.cpus().length * 2));
    const maxPerProject = Math.max(1, Math.min(maxWorkers, options.maxPerProject ?? Math.ceil(maxWorkers / 2)));
    this.limits = {
      maxLogBytes: options.maxLogBytes ?? 256 * 1024,
      maxLogEntries: options.maxLogEntries ?? 1000,
      maxMessageBytes: options.maxMessageBytes ?? 8 * 1024,
      maxResultBytes: options.maxResultBytes ?? 6 * 1024 * 1024,
      maxResultDepth: options.maxResultDepth ?? 256,
    };
    this.maxCachedBundles = options.maxCachedBundles ?? 16;
    const memoryLimitMb = options.memoryLimitMb ?? 128;
    // Another Node.js (nodePath) may lack the permission model: used there only when asked.
    const permission = options.permissionModel ?? options.nodePath === undefined;
    const w = this.workerLimits();
    this.pool = new WorkerPool({
      maxWorkers,
      maxPerProject,
      maxPerFunction: Math.max(1, Math.min(maxPerProject, options.maxPerFunction ?? maxPerProject)),
      prewarm: Math.max(0, options.prewarm ?? 1),
      memoryLimitMb,
      idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
      maxQueue: options.maxQueue ?? 256,
      maxQueuePerFunction: options.maxQueuePerFunction ?? 64,
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
      // A result travels as a JSON string inside a frame: escaping may double it.
      maxFrameBytes: 2 * w.maxResultBytes + 2 * w.maxMessageBytes + 64 * 1024,
      maxCallBytes: 2 * w.maxResultBytes + 4 * w.maxLogBytes + 8 * w.maxMessageBytes + 4 * 1024 * 1024,
      sandbox: {
        nodePath: options.nodePath ?? process.execPath,
        nodeFlags: [`--max-old-space-size=${memoryLimitMb}`, ...(permission ? sandboxFlags() : [])],
        program: WORKER_SOURCE,
        mode: options.isolation ?? 'auto',
        gatewayToHostLoopback: options.gatewayToHostLoopback ?? process.env[HOST_LOOPBACK_ENV] === '1',
      },
    });
  }

  /** How functions are isolated on this machine (for the startup log and GET /v1/health). */
  get isolation(): IsolationInfo {
    return this.pool.isolation;
  }

  /** Ends the workers of a function (after a new release, a rollback or a delete). */
  retire(project: string, functionName: string): void {
    this.pool.retire({ project, functionName });
  }

  get isClosed(): boolean {
    return this.pool.isClosed;
  }

  /** Worker counts, for tests and the bench. */
  stats(): PoolStats {
    return this.pool.stats();
  }

  /** Resolves once the pool's counts satisfy `test` (tests wait on state, not on the clock). */
  waitFor(test: (s: PoolStats) => boolean, timeoutMs?: number): Promise<void> {
    return this.pool.waitFor(test, timeoutMs);
  }

  /** Runs one invocation of a release. Never rejects for anything the function does. */
  async invoke(
    spec: ReleaseSpec,
    request: FunctionRequest,
    readSecret: SecretReader,
    requestId: string = randomUUID(),
  ): Promise<InvocationResult & { busy?: true }> {
    const timeoutMs = clampTimeout(spec.timeoutMs);

    // Resolve every declared key now: "latest" means the version current at this invocation.
    const values = new Map<string, string>();
    const missing = new Map<string, string>();
    for (const ref of spec.secrets) {
      try {
        const v = await readSecret(ref.name, ref.version);
        if (typeof v === 'string') values.set(ref.name, v);
        else
          missing.set(
            ref.name,
            ref.version === 'latest'
              ? `Key "${ref.name}" does not exist in the vault any more.`
              : `Version ${ref.version} of key "${ref.name}" does not exist in the vault.`,
          );
      } catch {
        missing.set(ref.name, `Key "${ref.name}" could not be read from the vault.`);
      }
    }
    const inv = new Invocation(requestId, this.limits, values);
    if (this.pool.isClosed) return inv.fail('The function runtime is shutting down.');

    const owner = { project: spec.project, functionName: spec.functionName };
    let worker: PoolWorker;
    try {
      worker = await this.pool.acquire(owner, spec.sha256);
    } catch (e) {
      const answer = inv.fail(e instanceof Error ? e.message : String(e));
      return e instanceof PoolBusyError ? { ...answer, busy: true } : answer;
    }

    let code: string | undefined;
    if (!worker.loaded.has(spec.sha256)) {
      try {
        code = await spec.loadCode();
      } catch {
        this.pool.release(worker, true);
        return inv.fail("The release's code could not be loaded.");
      }
    }

    let secretRequests = 0;
    let clean = false;
    const outcome = await new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (o: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const timer = setTimeout(() => {
        settle({
          ok: false,
          message: `The function did not finish within its timeout of ${timeoutMs} ms.`,
          cut: false,
        });
        this.pool.kill(worker);
      }, timeoutMs);
      const onMessage = (m: Exclude<WorkerMessage, { t: 'ready' }>): void => {
        if (settled || m.inv !== inv.id) return;
        switch (m.t) {
          case 'secret': {
            if (++secretRequests > MAX_SECRET_REQUESTS) {
              settle({
                ok: false,
                message: `The function asked for keys more than ${MAX_SECRET_REQUESTS} times in one invocation and was ended.`,
                cut: false,
              });
              this.pool.kill(worker);
              return;
            }
            const value = values.get(m.name);
            if (value !== undefined) worker.remember(m.name, value);
            worker.send(this.secretReply(spec, m.req, m.name, value, missing));
            return;
          }
          case 'log':
            inv.pushLog(m.level, m.message, m.cut);
            return;
          case 'done':
            clean = (m.leftovers ?? []).length === 0;
            if (!clean) {
              inv.pushLog(
                'warn',
                `The function left work running after it returned (${[...new Set(m.leftovers)].join(', ').slice(0, 200)}); its worker was ended instead of being reused. Await every timer, request and stream before returning.`,
                false,
              );
            }
            settle(
              m.ok
                ? { ok: true, json: m.json }
                : { ok: false, message: m.message, cut: m.cut === true, stack: m.stack },
            );
            return;
        }
      };
      const message: ParentMessage = {
        t: 'run',
        inv: inv.id,
        sha256: spec.sha256,
        request,
        env: { ...spec.env },
        functionName: spec.functionName,
        limits: this.workerLimits(),
      };
      if (code !== undefined) message.code = code;
      this.pool.startCall(worker, message, {
        onMessage,
        onStream: (which, data) => {
          if (!settled) inv.pushStream(which, data);
        },
        onEnded: (why, outOfMemory) => {
          if (outOfMemory) inv.markOutOfMemory();
          settle({ ok: false, message: why, cut: false });
        },
      });
    });
    if (code !== undefined && !worker.dead) worker.loaded.add(spec.sha256);
    const given = worker.givenValues();
    this.pool.release(worker, clean);
    return inv.finish(outcome, given);
  }

  /** Ends every worker (none is left running, also one still starting) and refuses new work. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private secretReply(
    spec: ReleaseSpec,
    req: number,
    name: string,
    value: string | undefined,
    missing: ReadonlyMap<string, string>,
  ): ParentMessage {
    if (value !== undefined) return { t: 'secret', req, ok: true, value };
    const gone = missing.get(name);
    if (gone !== undefined) return { t: 'secret', req, ok: false, message: gone };
    const shown = name.length > 128 ? `${name.slice(0, 128)}…` : name;
    return {
      t: 'secret',
      req,
      ok: false,
      message: `Key "${shown}" is undeclared: release ${spec.release} of function "${spec.functionName}" does not reference it. Read it with ctx.secrets.get("${shown}") in the function's source and deploy again.`,
    };
  }

  private workerLimits(): WorkerLimits {
    // The worker may send a little more than the parent keeps: the parent redacts first and
    // cuts afterwards, so a value is never cut in half before it could be recognised.
    return {
      maxLogBytes: this.limits.maxLogBytes * 2,
      maxMessageBytes: this.limits.maxMessageBytes * 4 + 128 * 1024,
      maxResultBytes: this.limits.maxResultBytes,
      maxCachedBundles: this.maxCachedBundles,
    };
  }
}
