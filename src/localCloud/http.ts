// Small helpers over node:http: JSON answers, the error format and a bounded body reader.
import type { IncomingMessage, ServerResponse } from 'http';
import { ApiError, invalidRequest, payloadTooLarge } from './errors';

/** Request bodies are limited to 12 MiB by the contract. */
export const MAX_BODY_BYTES = 12 * 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
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

/**
 * Reads the whole body, at most `limit` bytes, else rejects with 413 (memory stays bounded:
 * the excess is discarded, and a body that goes on for too long gets the connection closed).
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit + DRAIN_BYTES) {
      reject(payloadTooLarge(limit, true));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
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
      if (size > limit) {
        chunks.length = 0;
        if (size > limit + DRAIN_BYTES) finish(payloadTooLarge(limit, true));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (size > limit) finish(payloadTooLarge(limit, false));
      else finish(undefined, Buffer.concat(chunks, size));
    };
    const onError = (): void => finish(invalidRequest('The request body could not be read completely. Send it again.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Reads a JSON object body: 400 for bytes that are not UTF-8 JSON or not an object. */
export async function readJsonObject(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) throw invalidRequest('The request needs a JSON body. Send an object such as {"value": "…"}.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw invalidRequest('The request body is not valid UTF-8. Send JSON encoded as UTF-8.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message can quote the body, which may hold a value: never pass it on.
    throw invalidRequest('The request body is not valid JSON. Check its syntax and send it again.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidRequest('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
