// Small helpers over node:http: JSON answers, the error format, a bounded body reader and a
// bounded JSON parser.
import { isUtf8 } from 'buffer';
import type { IncomingMessage, ServerResponse } from 'http';
import type { Reservation } from './admission';
import { ApiError, invalidRequest, payloadTooLarge, serverBusy } from './errors';
import { MAX_BODY_BYTES } from './limits';

export { MAX_BODY_BYTES };

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends JSON text already serialized (see `serializeJson`). */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
  res.end();
}

export function sendError(res: ServerResponse, err: ApiError): void {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.details) error.details = err.details;
  sendJson(res, err.status, { error }, err.headers);
}

/**
 * Past the limit a body is no longer buffered, only counted and discarded, for up to this many
 * more bytes, so that an ordinary client sending a slightly oversized body can still read the
 * 413 answer (closing on a client that is still sending makes its kernel drop the answer).
 * Beyond that the server stops reading and closes the connection.
 */
export const DRAIN_BYTES = 64 * 1024 * 1024;

export interface BodyOptions {
  /** Largest body accepted (413 past it). Default 12 MiB. */
  limit?: number;
  /** Memory the body's bytes are counted against; 503 when it cannot hold them. */
  reservation?: Reservation;
  /** Scan the body as JSON while it arrives and refuse it (400/413) once past these limits. */
  json?: JsonLimits;
}

/**
 * Reads the whole body, at most `limit` bytes. Memory stays bounded: with a reservation the
 * bytes are counted against the shared budget first (a declared length that does not fit is
 * refused before anything is read), and a body refused midway (413 past the limit, 503 past the
 * budget, 400/413 past the JSON limits) is answered at once; what it still sends is read and
 * discarded for up to DRAIN_BYTES, so the client can read the answer, then its connection closes.
 */
/**
 * The 413 for a request whose declared body is beyond what the server reads at all, else
 * undefined. The router asks before it checks the token, so that answer does not wait for the
 * database.
 */
export function oversizedBody(req: IncomingMessage, limit: number): ApiError | undefined {
  const header = req.headers['content-length'];
  return header !== undefined && Number(header) > limit + DRAIN_BYTES ? payloadTooLarge(limit, true) : undefined;
}

export function readBody(req: IncomingMessage, options: BodyOptions = {}): Promise<Buffer> {
  const limit = options.limit ?? MAX_BODY_BYTES;
  const reservation = options.reservation;
  const scanner = options.json ? new JsonScanner(options.json) : undefined;
  return new Promise((resolve, reject) => {
    const oversized = oversizedBody(req, limit);
    if (oversized) {
      reject(oversized);
      return;
    }
    const header = req.headers['content-length'];
    const declared = header === undefined ? undefined : Number(header);
    if (declared !== undefined && declared > limit) {
      // Answered at once; the body is discarded as it comes (see below).
      refuse(req, payloadTooLarge(limit, false), 0, limit, reject);
      return;
    }
    if (declared !== undefined && reservation && !reservation.grow(declared)) {
      refuse(req, serverBusy(), 0, limit, reject);
      return;
    }
    let reserved = declared !== undefined && reservation ? declared : 0;
    // With a declared length the body is copied into one buffer as it arrives: no list of
    // chunks and no large copy at the end, which would stall the event loop for every request.
    const whole = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const stopListening = (): void => {
      done = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
    };
    const fail = (err: ApiError): void => {
      stopListening();
      chunks.length = 0;
      refuse(req, err, size, limit, reject);
    };
    const onData = (chunk: Buffer): void => {
      if (done) return;
      size += chunk.length;
      if (size > limit) return fail(payloadTooLarge(limit, false));
      if (reservation && size > reserved) {
        // A body without a length: reserve as it comes.
        if (!reservation.grow(size - reserved)) return fail(serverBusy());
        reserved = size;
      }
      if (scanner && !scanner.feed(chunk))
        return fail(jsonLimitError(scanner.over as 'depth' | 'values', options.json as JsonLimits));
      if (whole && size <= whole.length) chunk.copy(whole, size - chunk.length);
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      stopListening();
      if (whole) resolve(size === whole.length ? whole : whole.subarray(0, size));
      else resolve(Buffer.concat(chunks, size));
    };
    const onError = (): void => {
      stopListening();
      reject(invalidRequest('The request body could not be read completely. Send it again.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Answers a refused body at once and discards the rest of it as it arrives; past DRAIN_BYTES
 * more the connection is closed (a client that keeps sending does not hold the server).
 */
function refuse(
  req: IncomingMessage,
  err: ApiError,
  alreadyRead: number,
  limit: number,
  reject: (e: unknown) => void,
): void {
  let discarded = alreadyRead;
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > limit + DRAIN_BYTES) {
      req.removeListener('data', onData);
      req.socket.destroy();
    }
  };
  if (!req.complete) {
    req.on('data', onData);
    req.once('end', () => req.removeListener('data', onData));
  }
  reject(err);
}

export interface JsonLimits {
  maxDepth: number;
  maxValues: number;
}

/** What a JSON text holds, found by a scan that builds nothing. */
export interface JsonShape {
  depth: number;
  values: number;
}

/**
 * Measures nesting depth and value count (array elements and object members) of JSON bytes
 * without parsing them, chunk by chunk as a body arrives, and stops as soon as a limit is
 * passed. Linear, no recursion, no allocation: it decides whether JSON.parse may run, and lets
 * a hostile body be refused after its first few hundred kilobytes.
 */
export class JsonScanner {
  depth = 0;
  maxDepth = 0;
  values = 1;
  over: 'depth' | 'values' | undefined;
  private inString = false;
  /** The last chunk ended inside a string on an odd run of backslashes. */
  private escaped = false;

  constructor(private readonly limits: JsonLimits) {}

  /** Scans the next bytes; false once a limit is passed. */
  feed(bytes: Uint8Array): boolean {
    if (this.over) return false;
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      if (this.inString) {
        i = this.skipString(bytes, i);
        continue;
      }
      const c = bytes[i++];
      if (c === 0x22) {
        this.inString = true;
      } else if (c === 0x7b || c === 0x5b) {
        this.depth++;
        this.values++;
        if (this.depth > this.maxDepth) this.maxDepth = this.depth;
        if (this.depth > this.limits.maxDepth) {
          this.over = 'depth';
          return false;
        }
      } else if (c === 0x7d || c === 0x5d) {
        this.depth--;
      } else if (c === 0x2c) {
        this.values++;
        if (this.values > this.limits.maxValues) {
          this.over = 'values';
          return false;
        }
      }
    }
    return true;
  }

  /** Moves past the string's closing quote (one not escaped), or to the chunk's end. */
  private skipString(bytes: Uint8Array, from: number): number {
    let i = from;
    for (;;) {
      const q = bytes.indexOf(0x22, i);
      const stop = q === -1 ? bytes.length : q;
      // The run of backslashes right before `stop`, plus the one carried from the last chunk
      // when the run reaches back to its start.
      let k = stop - 1;
      while (k >= from && bytes[k] === 0x5c) k--;
      let run = stop - 1 - k;
      if (k < from && this.escaped) run++;
      if (q === -1) {
        this.escaped = run % 2 === 1;
        return bytes.length;
      }
      this.escaped = false;
      if (run % 2 === 0) {
        this.inString = false;
        return q + 1;
      }
      // An escaped quote: the string goes on.
      i = q + 1;
      from = i;
    }
  }
}

/** Scans whole JSON bytes (see JsonScanner). */
export function scanJson(bytes: Uint8Array, limits: JsonLimits): JsonShape & { over?: 'depth' | 'values' } {
  const scanner = new JsonScanner(limits);
  scanner.feed(bytes);
  return { depth: scanner.maxDepth, values: scanner.values, over: scanner.over };
}

/** The 400/413 answer for JSON past the limits. */
export function jsonLimitError(over: 'depth' | 'values', limits: JsonLimits): ApiError {
  if (over === 'depth') {
    return invalidRequest(`The JSON body is nested more than ${limits.maxDepth} levels deep. Send flatter data.`, {
      maxDepth: limits.maxDepth,
    });
  }
  return new ApiError(
    413,
    'payload_too_large',
    `The JSON body holds more than ${limits.maxValues} values (array elements and object members). Send less data, or send it as text.`,
    {
      maxValues: limits.maxValues,
    },
  );
}

/** Bytes a parsed JSON text may take in memory, for the body budget: a string copy and its values. */
export function parsedCostBytes(bytes: number, shape: JsonShape): number {
  return bytes * 2 + shape.values * 64;
}

/**
 * Checks JSON bytes against the limits before any parsing: 400 when nested deeper than
 * `maxDepth`, 413 for more than `maxValues` values. With a reservation, the parsed form's
 * estimated size is counted against the body budget (503 if it is full).
 */
export function checkJsonShape(raw: Buffer, limits: JsonLimits, reservation?: Reservation): void {
  const shape = scanJson(raw, limits);
  if (shape.over) throw jsonLimitError(shape.over, limits);
  if (reservation && !reservation.grow(parsedCostBytes(raw.length, shape))) throw serverBusy();
}

/** Decodes UTF-8 JSON bytes (checked with `checkJsonShape` first): 400 when they are not. */
export function decodeJson(raw: Buffer): unknown {
  // isUtf8 validates natively, several times faster than a fatal TextDecoder on large bodies.
  if (!isUtf8(raw)) throw invalidRequest('The request body is not valid UTF-8. Send JSON encoded as UTF-8.');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    // The parser's message can quote the body, which may hold a value: never pass it on.
    throw invalidRequest('The request body is not valid JSON. Check its syntax and send it again.');
  }
}

/**
 * Parses JSON bytes within limits (see `checkJsonShape`), so a hostile body can neither exhaust
 * the stack nor take seconds or gigabytes.
 */
export function parseJson(raw: Buffer, limits: JsonLimits, reservation?: Reservation): unknown {
  checkJsonShape(raw, limits, reservation);
  return decodeJson(raw);
}

/** Reads a JSON object body: 400 for bytes that are not UTF-8 JSON or not an object. */
export async function readJsonObject(
  req: IncomingMessage,
  limits: JsonLimits,
  options: BodyOptions = {},
): Promise<Record<string, unknown>> {
  const raw = await readBody(req, { ...options, json: limits });
  if (raw.length === 0) throw invalidRequest('The request needs a JSON body. Send an object such as {"value": "…"}.');
  const parsed = parseJson(raw, limits, options.reservation);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidRequest('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Serializes an answer that came from elsewhere (a function's result): undefined when it
 * cannot be (nested too deeply for the serializer, or a BigInt), so the caller can answer with
 * a clear error instead of a crash.
 */
export function serializeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value ?? null);
  } catch {
    return undefined;
  }
}

let lastTurn: Promise<void> = Promise.resolve();

/**
 * Waits for a turn of the event loop of its own before a large synchronous step of a request
 * (parsing a body of megabytes, or handing it to a worker, takes tens of milliseconds). Turns
 * are taken one after another, each in a later loop iteration, so that between two such steps
 * the server reads its sockets and answers the cheap requests (a health check) in between,
 * instead of running every large step of a burst back to back.
 */
export function yieldToEventLoop(): Promise<void> {
  const turn = lastTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  lastTurn = turn;
  return turn;
}
