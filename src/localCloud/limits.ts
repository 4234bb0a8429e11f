// The limits at the cloud's edge: what one request, one function and all requests together may
// take from the server before anything runs. Defaults suit a developer's machine; tests and the
// command line may lower or raise them.
import * as fs from 'fs';

export interface EdgeLimits {
  /** Largest request body in bytes (the contract's 12 MiB). */
  maxBodyBytes: number;
  /**
   * Memory every request body held at one time may take together: the raw bytes plus an
   * estimate of their parsed form. A request that does not fit is answered 503 at once.
   */
  bodyBudgetBytes: number;
  /** Deepest nesting of arrays and objects a JSON body may have. */
  maxJsonDepth: number;
  /** Most values (array elements and object members) a JSON body may hold. */
  maxJsonValues: number;
  /** Open connections at most; past it the oldest idle one is closed to make room. */
  maxConnections: number;
  /** Time a client has to send its request headers. */
  headersTimeoutMs: number;
  /** Time a client has to send its whole request, body included. */
  requestTimeoutMs: number;
  /** Time an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Invocations of one function running at once (a body is parsed only when its turn comes). */
  functionConcurrency: number;
  /** Invocations of one function waiting for their turn; more are answered 429 at once. */
  functionQueue: number;
}

export const MAX_BODY_BYTES = 12 * 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<EdgeLimits> = {
  maxBodyBytes: MAX_BODY_BYTES,
  bodyBudgetBytes: 128 * 1024 * 1024,
  maxJsonDepth: 100,
  maxJsonValues: 200_000,
  maxConnections: defaultMaxConnections(),
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  functionConcurrency: 4,
  functionQueue: 16,
};

export function resolveLimits(overrides: Partial<EdgeLimits> = {}): EdgeLimits {
  const out: EdgeLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(overrides) as Array<[keyof EdgeLimits, number | undefined]>) {
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v < 1) throw new RangeError(`The limit ${k} must be a positive number.`);
    out[k] = Math.floor(v);
  }
  return out;
}

/**
 * Half the process's open-file limit (the rest is for the database, function workers and their
 * pipes), at most 1024. Reaching the file limit would make the server refuse every connection,
 * the health check included; staying under it lets the connection cap decide who goes.
 */
function defaultMaxConnections(): number {
  if (process.platform !== 'linux') return 200;
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (!m || m[1] === 'unlimited') return 1024;
    return Math.max(16, Math.min(1024, Math.floor((Number(m[1]) - 64) / 2)));
  } catch {
    return 200;
  }
}
