// Messages between the runtime (the local cloud's process) and a function worker, sent as
// length-prefixed JSON frames (framing.ts) on the worker's fd 3. A worker is untrusted once it
// has loaded user code: the parent checks every message's shape and size, and never relies on
// the worker for redaction, limits or key access.

import type { LogLevel } from '../../../api';

export type { LogLevel };

/** What a function receives as its first argument. */
export interface FunctionRequest {
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

/** Limits the worker applies on its side (the parent applies its own as well). */
export interface WorkerLimits {
  /** Bytes of log text one invocation may send; later messages are dropped. */
  maxLogBytes: number;
  /** Bytes of one log message or error message before it is cut. */
  maxMessageBytes: number;
  /** Bytes of the JSON result. */
  maxResultBytes: number;
  /** Bundles kept loaded in one worker. */
  maxCachedBundles: number;
}

export type ParentMessage =
  | {
      t: 'run';
      inv: string;
      sha256: string;
      /** Present only when the worker has not loaded this bundle yet. */
      code?: string;
      request: FunctionRequest;
      env: Record<string, string>;
      functionName: string;
      limits: WorkerLimits;
    }
  | { t: 'secret'; req: number; ok: true; value: string }
  | { t: 'secret'; req: number; ok: false; message: string };

export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'secret'; inv: string; req: number; name: string }
  | { t: 'log'; inv: string; level: LogLevel; message: string; cut: boolean }
  | { t: 'done'; inv: string; ok: true; json: string; leftovers?: string[] }
  | { t: 'done'; inv: string; ok: false; message: string; cut: boolean; stack?: string; leftovers?: string[] };

/** Checks the shape of a message from a worker; anything else is ignored. */
export function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  switch (o.t) {
    case 'ready':
      return true;
    case 'secret':
      return typeof o.inv === 'string' && Number.isSafeInteger(o.req) && typeof o.name === 'string';
    case 'log':
      return (
        typeof o.inv === 'string' &&
        typeof o.message === 'string' &&
        (o.level === 'info' || o.level === 'warn' || o.level === 'error')
      );
    case 'done':
      if (o.leftovers !== undefined && !(Array.isArray(o.leftovers) && o.leftovers.every((x) => typeof x === 'string')))
        return false;
      if (o.stack !== undefined && typeof o.stack !== 'string') return false;
      return (
        typeof o.inv === 'string' &&
        (o.ok === true ? typeof o.json === 'string' : o.ok === false && typeof o.message === 'string')
      );
    default:
      return false;
  }
}
