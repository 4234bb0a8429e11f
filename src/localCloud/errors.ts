// The contract's error answer: {"error":{"code","message","details"}} with a matching status.
// Handlers throw an ApiError; the server turns it into the answer. Anything else thrown is a
// bug and becomes `500 internal` without its message or stack (which could hold a value).
import { PERMISSION_PHRASE, type CloudErrorCode, type Permission, type Problem } from '../api';
import type { Principal } from './tokens';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: CloudErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, e.g. Allow for 405. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 401: no token of the project; `message` only when the token is known to be expired or revoked. */
export const unauthorized = (
  message = 'The request needs a valid token for this project. Sign in again and retry.',
): ApiError => new ApiError(401, 'unauthorized', message);

/** 403: the identity is the project's, but neither its role nor its scope allows `permission`. */
export function forbidden(principal: Principal, permission: Permission): ApiError {
  const what = PERMISSION_PHRASE[permission];
  const message = principal.role
    ? `Your role in project ${principal.project} is ${principal.role}, which cannot ${what}. Ask an owner of the project.`
    : `The service token "${principal.name}" cannot ${what} in project ${principal.project}: it may only ${listPhrases(principal.permissions)}. Ask an owner of the project for a token that can.`;
  return new ApiError(
    403,
    'forbidden',
    message,
    principal.role ? { permission, role: principal.role } : { permission },
  );
}

function listPhrases(permissions: readonly Permission[]): string {
  const phrases = permissions.map((p) => PERMISSION_PHRASE[p]);
  return phrases.length <= 1
    ? (phrases[0] ?? 'do nothing')
    : `${phrases.slice(0, -1).join(', ')} and ${phrases.at(-1)}`;
}

export const notFound = (message = 'Nothing is here. Check the URL.'): ApiError =>
  new ApiError(404, 'not_found', message);

export const invalidRequest = (message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError(400, 'invalid_request', message, details);

/** 413; `close` also ends the connection (the server stopped reading the body midway). */
export const payloadTooLarge = (limit: number, close = false): ApiError =>
  new ApiError(
    413,
    'payload_too_large',
    `The request body is larger than ${Math.round(limit / (1024 * 1024))} MiB. Send less data.`,
    { limitBytes: limit },
    close ? { Connection: 'close' } : undefined,
  );

/** Seconds a refused client should wait before it tries again (429, 503). */
export const RETRY_AFTER_SECONDS = 1;

/** 503: the memory set aside for request bodies is in use; nothing was read or changed. */
export const serverBusy = (): ApiError =>
  new ApiError(
    503,
    'server_busy',
    'The cloud is handling as much request data as it holds at once. Retry in a moment.',
    undefined,
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );

/** 503: the node cannot reach its database (restarting, say); it recovers by itself. */
export const unavailable = (): ApiError =>
  new ApiError(
    503,
    'unavailable',
    'The cloud cannot reach its database right now. Retry in a few seconds; a compare-and-set retry tells whether an unanswered write was applied.',
    undefined,
    { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
  );

/** Seconds to wait before retrying while the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** 429: every running and waiting place of this function is taken. */
export const tooManyRequests = (what: string): ApiError =>
  new ApiError(
    429,
    'too_many_requests',
    `${what} is already handling as many calls as it queues. Retry in a moment.`,
    undefined,
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );

/**
 * One answer for every problem of a request. A shape problem (400) outranks the 422 ones, but
 * all problems are listed in details.problems so a client can fix everything in one go.
 */
export function validationError(problems: Problem[]): ApiError {
  const shape = problems.find((p) => p.code === 'invalid_request');
  const first = shape ?? problems[0];
  const status = shape ? 400 : 422;
  const message =
    problems.length === 1 ? first.message : `${problems.length} problems: ${problems.map((p) => p.message).join(' ')}`;
  return new ApiError(status, first.code, message, { problems });
}
