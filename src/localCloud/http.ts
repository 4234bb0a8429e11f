// Small helpers over node:http: JSON answers, the error format, a bounded body reader and a
// bounded JSON parser.
import type { IncomingMessage, ServerResponse } from 'http';
import type { Reservation } from './admission';
import { ApiError, invalidRequest, payloadTooLarge, serverBusy } from './errors';
import { MAX_BODY_BYTES } from './limits';

export { MAX_BODY_BYTES };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends JSON text already serialized (see `serializeJson`). */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
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
}

/**
 * Reads the whole body, at most `limit` bytes, else rejects with 413 (memory stays bounded:
 * the excess is discarded, and a body that goes on for too long gets the connection closed).
 * With a reservation, the bytes are counted against the shared budget first: a declared length
 * that does not fit is refused before anything is read.
 */
export function readBody(req: IncomingMessage, options: BodyOptions = {}): Promise<Buffer> {
  const limit = options.limit ?? MAX_BODY_BYTES;
  const reservation = options.reservation;
  return new Promise((resolve, reject) => {
    const header = req.headers['content-length'];
    const declared = header === undefined ? undefined : Number(header);
    if (declared !== undefined && declared > limit + DRAIN_BYTES) {
      reject(payloadTooLarge(limit, true));
      return;
    }
    if (declared !== undefined && declared <= limit && reservation && !reservation.grow(declared)) {
      reject(serverBusy());
      return;
    }
    let reserved = declared !== undefined && declared <= limit && reservation ? declared : 0;
    const chunks: Buffer[] = [];
    let size = 0;
    let refused: ApiError | undefined;
    let done = false;
    const finish = (err: unknown, value?: Buffer): void => {
      if (done) return;
      done = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      if (err) reject(err);
      else resolve(value as Buffer);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (!refused && size > limit) refused = payloadTooLarge(limit, false);
      if (!refused && reservation && size > reserved) {
        // A body without a length, or longer than it said: reserve as it comes.
        if (reservation.grow(size - reserved)) reserved = size;
        else refused = serverBusy();
      }
      if (refused) {
        chunks.length = 0;
        if (size > limit + DRAIN_BYTES) finish(payloadTooLarge(limit, true));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (refused) finish(refused);
      else finish(undefined, Buffer.concat(chunks, size));
    };
    const onError = (): void => finish(invalidRequest('The request body could not be read completely. Send it again.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
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
 * without parsing them, stopping as soon as a limit is passed. Linear, no recursion, no
 * allocation: it decides whether JSON.parse may run before it does.
 */
export function scanJson(bytes: Uint8Array, limits: JsonLimits): JsonShape & { over?: 'depth' | 'values' } {
  let depth = 0;
  let maxDepth = 0;
  let values = 1;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      // Skip the string: find its closing quote, one not escaped by an odd run of backslashes.
      let j = i + 1;
      for (;;) {
        j = bytes.indexOf(0x22, j);
        if (j === -1) return { depth: maxDepth, values };
        let k = j - 1;
        while (k > i && bytes[k] === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      values++;
      if (depth > maxDepth) maxDepth = depth;
      if (depth > limits.maxDepth) return { depth: maxDepth, values, over: 'depth' };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      values++;
      if (values > limits.maxValues) return { depth: maxDepth, values, over: 'values' };
    }
  }
  if (values > limits.maxValues) return { depth: maxDepth, values, over: 'values' };
  return { depth: maxDepth, values };
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
  if (shape.over === 'depth') {
    throw invalidRequest(`The JSON body is nested more than ${limits.maxDepth} levels deep. Send flatter data.`, { maxDepth: limits.maxDepth });
  }
  if (shape.over === 'values') {
    throw new ApiError(413, 'payload_too_large', `The JSON body holds more than ${limits.maxValues} values (array elements and object members). Send less data, or send it as text.`, {
      maxValues: limits.maxValues,
    });
  }
  if (reservation && !reservation.grow(parsedCostBytes(raw.length, shape))) throw serverBusy();
}

/** Decodes UTF-8 JSON bytes (checked with `checkJsonShape` first): 400 when they are not. */
export function decodeJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw invalidRequest('The request body is not valid UTF-8. Send JSON encoded as UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
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
export async function readJsonObject(req: IncomingMessage, limits: JsonLimits, options: BodyOptions = {}): Promise<Record<string, unknown>> {
  const raw = await readBody(req, options);
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

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
