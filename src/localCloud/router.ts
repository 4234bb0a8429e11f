// A small router: routes are (method, pattern, handler) with `:param` segments, registered by
// route modules listed in routes/index.ts. Patterns match the raw path segment by segment, and
// each parameter is percent-decoded on its own, so "A%2FB" is one parameter "A/B" (which the
// name rules then reject) and "A/B" is simply no route (404).
import type { IncomingMessage, ServerResponse } from 'http';
import type { Permission } from '../api';
import type { MemoryBudget, Reservation } from './admission';
import type { AuditKey } from './auditKey';
import type { TrustedProxies } from './clientAddress';
import { ApiError, forbidden, invalidRequest, notFound, unauthorized } from './errors';
import { oversizedBody, readBody, readJsonObject, sendEmpty, sendJson } from './http';
import type { EdgeLimits } from './limits';
import type { Identities } from './identities';
import type { KeptReads } from './kept';
import type { RateLimits } from './rateLimits';
import type { AuditActor, Storage } from './storage';
import { bearerToken, type Principal, type Tokens } from './tokens';
import type { Vault } from './vault';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'HEAD';

/** The local cloud's services, shared by every route. */
export interface CloudServices {
  /** Every table of the cloud, on the embedded engine or PostgreSQL. */
  storage: Storage;
  /** What this node keeps in memory between changes (functions' releases, sealed values, tokens). */
  kept: KeptReads;
  vault: Vault;
  tokens: Tokens;
  /** Members and service tokens, as owners manage them. */
  identities: Identities;
  dataDir: string;
  now: () => Date;
  /** The server's own base URL (e.g. http://127.0.0.1:8787), known once it listens. */
  baseUrl: () => string;
  /** Registers cleanup run when the cloud closes (before the database closes), e.g. a worker pool. */
  onClose: (fn: () => void | Promise<void>) => void;
  /** The edge's limits (body size, JSON shape, per-function places, timeouts). */
  limits: EdgeLimits;
  /** Memory shared by every request body held at one time. */
  bodyBudget: MemoryBudget;
  /** The install's key for HMAC'd audit fields. */
  auditKey: AuditKey;
  /** The proxies whose X-Forwarded-For names the client (--trusted-proxy). */
  trustedProxies: TrustedProxies;
  /** This node's token buckets: per identity, per public function, per client address. */
  rateLimits: RateLimits;
}

export interface RouteContext extends CloudServices {
  req: IncomingMessage;
  res: ServerResponse;
  method: Method;
  /** Percent-decoded path parameters. */
  params: Record<string, string>;
  query: URLSearchParams;
  /**
   * The client's address: the connection's peer, or the address a trusted proxy forwarded
   * (X-Forwarded-For read from the right). What rate limits count by; the audit stores it
   * HMAC'd only.
   */
  clientAddress: string;
  /**
   * Reads a JSON object body: 400 for malformed or too deeply nested JSON, 413 past the byte
   * limit (12 MiB by default) or the value limit, 503 when the body budget is full.
   */
  readJson(limitBytes?: number): Promise<Record<string, unknown>>;
  /**
   * Reads the raw body (413 past the limit, 503 when the body budget is full). With `json`, the
   * body is scanned as it arrives and refused once past the JSON depth or value limits.
   */
  readBody(limitBytes?: number, options?: { json?: boolean }): Promise<Buffer>;
  /** This request's share of the body budget, released when its answer is done. */
  reservation: Reservation;
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  empty(status: number, headers?: Record<string, string>): void;
}

/** The context of a route that requires a token of the project. */
export interface ProjectRouteContext extends RouteContext {
  /** The identity the request's token stands for in this project. */
  principal: Principal;
  /** Same as principal.project: the project named by the `:project` path parameter. */
  project: string;
  /** The principal as the audit names it: id, name and the HMAC'd client address. */
  actor: AuditActor;
}

/** What a project route needs: one permission, or only a valid identity of the project (`/me`). */
export type RoutePermission = Permission | typeof ANY_IDENTITY;
export const ANY_IDENTITY = 'any identity';

export type Handler<C extends RouteContext = RouteContext> = (ctx: C) => void | Promise<void>;

interface Route {
  methods: Method[];
  segments: string[];
  auth: boolean;
  permission?: RoutePermission;
  handler: Handler<never>;
}

export class Router {
  private readonly routes: Route[] = [];

  /** A route anyone may call (health, the public function trigger). */
  public(method: Method | Method[], pattern: string, handler: Handler<RouteContext>): this {
    return this.add(method, pattern, undefined, handler);
  }

  /**
   * A route of one project: the pattern must contain `:project`, and the request must carry a
   * token of that project, else 401 with the same answer whether or not the project exists.
   * The token's identity must hold `permission`, else 403 saying what its role cannot do.
   */
  project(
    method: Method | Method[],
    pattern: string,
    permission: RoutePermission,
    handler: Handler<ProjectRouteContext>,
  ): this {
    if (!pattern.includes('/:project')) throw new Error(`A project route needs a :project segment: ${pattern}`);
    return this.add(method, pattern, permission, handler);
  }

  private add(
    method: Method | Method[],
    pattern: string,
    permission: RoutePermission | undefined,
    handler: Handler<never>,
  ): this {
    this.routes.push({
      methods: Array.isArray(method) ? method : [method],
      segments: split(pattern),
      auth: permission !== undefined,
      permission,
      handler,
    });
    return this;
  }

  /** Every route, for tests that try each one. */
  list(): Array<{ methods: Method[]; pattern: string; auth: boolean; permission?: RoutePermission }> {
    return this.routes.map((r) => ({
      methods: [...r.methods],
      pattern: `/${r.segments.join('/')}`,
      auth: r.auth,
      permission: r.permission,
    }));
  }

  async dispatch(services: CloudServices, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    const parts = split(rawPath);
    const method = (req.method ?? 'GET').toUpperCase() as Method;

    const allowed = new Set<Method>();
    for (const route of this.routes) {
      const params = match(route.segments, parts);
      if (!params) continue;
      // HEAD is answered as GET without a body (node:http drops the body of a HEAD answer).
      if (!route.methods.includes(method) && !(method === 'HEAD' && route.methods.includes('GET'))) {
        route.methods.forEach((m) => allowed.add(m));
        continue;
      }
      const reservation = services.bodyBudget.reservation();
      res.once('close', () => reservation.release());
      const json = { maxDepth: services.limits.maxJsonDepth, maxValues: services.limits.maxJsonValues };
      const body = (limit: number | undefined, scan = false) => ({
        limit: limit ?? services.limits.maxBodyBytes,
        reservation,
        json: scan ? json : undefined,
      });
      const ctx: RouteContext = {
        ...services,
        req,
        res,
        method,
        params,
        query,
        clientAddress: services.trustedProxies.clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for']),
        readJson: (limit) => readJsonObject(req, json, body(limit)),
        readBody: (limit, options) => readBody(req, body(limit, options?.json === true)),
        reservation,
        json: (status, body, headers) => sendJson(res, status, body, headers),
        empty: (status, headers) => sendEmpty(res, status, headers),
      };
      if (route.auth) {
        const oversized = oversizedBody(req, services.limits.maxBodyBytes);
        if (oversized) throw oversized;
        // An address that keeps sending bad tokens is refused before its token is checked.
        services.rateLimits.checkAuthFailures(ctx.clientAddress);
        const principal = await services.tokens.verify(params.project, bearerToken(req.headers.authorization));
        if (!principal || 'refused' in principal) {
          services.rateLimits.authenticationFailed(ctx.clientAddress);
          throw unauthorized(principal?.refused);
        }
        services.rateLimits.identity(principal.id, method !== 'GET' && method !== 'HEAD');
        if (route.permission !== ANY_IDENTITY && !principal.permissions.includes(route.permission as Permission))
          throw forbidden(principal, route.permission as Permission);
        const actor: AuditActor = {
          id: principal.id,
          name: principal.name,
          // Hashed only when a change is audited, not on every read.
          get source() {
            return services.auditKey.hash(ctx.clientAddress);
          },
        };
        const pctx: ProjectRouteContext = { ...ctx, principal, project: principal.project, actor };
        await (route.handler as Handler<ProjectRouteContext>)(pctx);
      } else {
        await (route.handler as Handler<RouteContext>)(ctx);
      }
      return;
    }
    if (allowed.size > 0) {
      const allow = [...allowed].join(', ');
      throw new ApiError(
        405,
        'method_not_allowed',
        `This address does not accept ${method}; it accepts ${allow}.`,
        undefined,
        {
          Allow: allow,
        },
      );
    }
    throw notFound();
  }
}

function split(path: string): string[] {
  return path.split('/').slice(1);
}

function match(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      if (parts[i] === '') return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(parts[i]);
      } catch {
        throw invalidRequest('The address contains invalid percent-encoding. Encode names with encodeURIComponent.');
      }
      params[p.slice(1)] = decoded;
    } else if (p !== parts[i]) {
      return undefined;
    }
  }
  return params;
}
