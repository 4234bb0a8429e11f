// The client of the CloudXLR Cloud API (docs/cloud-api.md, types in src/api), free of `vscode`. It adds a
// timeout to every request, retries idempotent ones with backoff when the network or a proxy
// fails, checks the shape of every answer, and turns every failure into a CloudError whose
// message says what to do and never holds a key value or a token.
import * as http from 'http';
import * as https from 'https';
import nodeFetch from 'node-fetch';
import { digestOf } from '../shared/secretText';
import { Redactor } from '../shared/valueMatch';
import {
  apiPath,
  isObj,
  parseAnswer,
  parseJson,
  PERMISSION_PHRASE,
  type AuditEvent,
  type CreateServiceTokenRequest,
  type CreateServiceTokenResponse,
  type MeResponse,
  type Permission,
  type ReadyResponse,
  type ServiceTokenInfo,
  type ServiceTokenListResponse,
  type AuditResponse,
  type CloudErrorCode,
  type DeployFunctionRequest,
  type DeployFunctionResponse,
  type FunctionDetails,
  type FunctionListResponse,
  type FunctionLogsResponse,
  type FunctionSummary,
  type HealthResponse,
  type InvokeRequest,
  type InvokeResponse,
  type KeyDetails,
  type KeyListResponse,
  type KeySummary,
  type PutKeyRequest,
  type PutKeyResponse,
  type RollbackRequest,
  type RollbackResponse,
} from '../api';

/** The subset of fetch the client uses; node-fetch 2, undici's fetch or a fake all fit. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    agent?: unknown;
  },
) => Promise<FetchResponseLike>;

export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface CloudClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8787 (setting cloudxlr.cloud.endpoint). */
  endpoint: string;
  project: string;
  /** The project's token, or a function reading it (e.g. from SecretStorage) per request. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** Default node-fetch 2 with a keep-alive agent. */
  fetch?: FetchLike;
  /** Per attempt, including reading the answer. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra attempts of an idempotent request after a network error or 502/503/504. Default 2. */
  retries?: number;
  /** First backoff delay; doubles each retry, with jitter. Default 300 ms. */
  backoffMs?: number;
  /** Called when the cloud answers 403: the identity's role or scope changed, or never allowed it. */
  onForbidden?: (error: CloudError) => void;
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions<T> {
  body?: unknown;
  /** Safe to send twice: GET, DELETE, PUT with ifVersion. Only these are retried. */
  idempotent: boolean;
  /** Checks the shape of a 2xx JSON answer; undefined for an answer without a body (204). */
  parse?: (json: unknown) => T | undefined;
  /** Strings that must never appear in an error message (a value being sent). */
  secrets?: string[];
  /** Overrides the client's per-attempt timeout (e.g. for a function invocation). */
  timeoutMs?: number;
  /** false for the few routes without auth (health). Default true. */
  auth?: boolean;
}

/** Client-side status for failures that have no HTTP answer. */
export const NO_STATUS = 0;

export class CloudError extends Error {
  constructor(
    readonly code: CloudErrorCode | string,
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CloudError';
  }

  /** Whether the cloud could not be reached at all (down, offline, timed out). */
  get isUnreachable(): boolean {
    return this.code === 'unreachable' || this.code === 'timeout';
  }
}

const RETRY_STATUSES = new Set([502, 503, 504]);
/** An invocation runs up to the functions' 60 s limit; its answer may take a little longer. */
const INVOKE_TIMEOUT_MS = 75_000;

export class CloudClient {
  readonly endpoint: string;
  readonly project: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly agent: http.Agent | undefined;

  constructor(private readonly options: CloudClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.project = options.project;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 300;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    if (options.fetch) {
      this.fetch = options.fetch;
    } else {
      this.agent = this.endpoint.startsWith('https:')
        ? new https.Agent({ keepAlive: true })
        : new http.Agent({ keepAlive: true });
      this.fetch = nodeFetch as unknown as FetchLike;
    }
  }

  /** Frees the keep-alive connections. */
  dispose(): void {
    this.agent?.destroy();
  }

  // ---- Vault ----

  health(): Promise<HealthResponse> {
    return this.request<HealthResponse>('GET', apiPath.health(), {
      idempotent: true,
      parse: parseAnswer.health,
      auth: false,
    });
  }

  /** Whether the node can serve requests now (its database answers); 503 while it cannot. */
  ready(): Promise<ReadyResponse> {
    return this.request<ReadyResponse>('GET', apiPath.ready(), {
      idempotent: true,
      parse: parseAnswer.ready,
      auth: false,
    });
  }

  async listKeys(): Promise<KeySummary[]> {
    const r = await this.request<KeyListResponse>('GET', apiPath.keys(this.project), {
      idempotent: true,
      parse: parseAnswer.keyList,
    });
    return r.keys;
  }

  /** A key's metadata and versions, or undefined when the cloud has no such key. */
  async getKey(name: string): Promise<KeyDetails | undefined> {
    try {
      return await this.request<KeyDetails>('GET', apiPath.key(this.project, name), {
        idempotent: true,
        parse: parseAnswer.keyDetails,
      });
    } catch (e) {
      if (e instanceof CloudError && e.status === 404 && e.code === 'not_found') return undefined;
      throw e;
    }
  }

  /**
   * Stores a new version of a key. With `ifVersion` (0 = must not exist yet) it is a
   * compare-and-set, safe to retry: a retry that finds its own write already applied succeeds.
   */
  async putKey(name: string, value: string, ifVersion?: number): Promise<PutKeyResponse & { created: boolean }> {
    const body: PutKeyRequest = { value };
    if (ifVersion !== undefined) body.ifVersion = ifVersion;
    let attempts = 0;
    try {
      const { json, status } = await this.requestWithStatus<PutKeyResponse>('PUT', apiPath.key(this.project, name), {
        body,
        idempotent: ifVersion !== undefined,
        parse: parseAnswer.putKey,
        secrets: [value],
        onAttempt: (n) => (attempts = n),
      });
      return { ...(json as PutKeyResponse), created: status === 201 };
    } catch (e) {
      // An earlier attempt may have been applied, its answer lost: then the current version
      // is ifVersion + 1 and holds our digest.
      if (
        attempts > 1 &&
        e instanceof CloudError &&
        e.code === 'version_conflict' &&
        ifVersion !== undefined &&
        e.details.currentVersion === ifVersion + 1
      ) {
        const key = await this.getKey(name);
        if (key && key.version === ifVersion + 1 && key.digest === digestOf(value)) {
          return { name, version: key.version, digest: key.digest, created: ifVersion === 0 };
        }
      }
      throw e;
    }
  }

  /** Deletes a key. Without `force`, a key used by a function fails with code key_in_use. */
  async deleteKey(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.request<undefined>('DELETE', apiPath.key(this.project, name) + (options.force ? '?force=true' : ''), {
      idempotent: true,
    });
  }

  async audit(limit?: number): Promise<AuditEvent[]> {
    const q = limit !== undefined ? `?limit=${encodeURIComponent(String(limit))}` : '';
    const r = await this.request<AuditResponse>('GET', `${apiPath.audit(this.project)}${q}`, {
      idempotent: true,
      parse: parseAnswer.audit,
    });
    return r.events;
  }

  // ---- Cloud Functions ----

  /** Uploads a bundle and its key references (never values) as a new release. Not retried. */
  deployFunction(name: string, body: DeployFunctionRequest): Promise<DeployFunctionResponse> {
    return this.request('PUT', apiPath.function(this.project, name), {
      body,
      idempotent: false,
      parse: parseAnswer.deploy,
    });
  }

  async listFunctions(): Promise<FunctionSummary[]> {
    return (
      await this.request<FunctionListResponse>('GET', apiPath.functions(this.project), {
        idempotent: true,
        parse: parseAnswer.functionList,
      })
    ).functions;
  }

  /** A function with its releases (oldest first), or undefined when the cloud has none by that name. */
  async getFunction(name: string): Promise<FunctionDetails | undefined> {
    try {
      return await this.request('GET', apiPath.function(this.project, name), {
        idempotent: true,
        parse: parseAnswer.functionDetails,
      });
    } catch (e) {
      if (e instanceof CloudError && e.status === 404 && e.code === 'not_found') return undefined;
      throw e;
    }
  }

  /** Makes a new release from release `release`'s code and references. */
  rollback(name: string, release: number): Promise<RollbackResponse> {
    const body: RollbackRequest = { release };
    return this.request('POST', apiPath.rollback(this.project, name), {
      body,
      idempotent: false,
      parse: parseAnswer.rollback,
    });
  }

  async deleteFunction(name: string): Promise<void> {
    await this.request<undefined>('DELETE', apiPath.function(this.project, name), { idempotent: true });
  }

  /** Runs the function once with `payload` as the request body; waits up to its 60 s limit. */
  invoke(name: string, payload?: unknown): Promise<InvokeResponse> {
    const body: InvokeRequest = payload === undefined ? {} : { payload };
    // An invocation may run up to a minute: this request alone gets a longer timeout (and, like
    // every non-idempotent request, no retry).
    return this.request('POST', apiPath.invoke(this.project, name), {
      body,
      idempotent: false,
      parse: parseAnswer.invoke,
      timeoutMs: Math.max(this.timeoutMs, INVOKE_TIMEOUT_MS),
    });
  }

  /** The newest `limit` stored log lines (already redacted by the cloud), newest last. */
  async functionLogs(name: string, limit?: number): Promise<FunctionLogsResponse['logs']> {
    const q = limit !== undefined ? `?limit=${encodeURIComponent(String(limit))}` : '';
    return (
      await this.request('GET', `${apiPath.logs(this.project, name)}${q}`, {
        idempotent: true,
        parse: parseAnswer.functionLogs,
      })
    ).logs;
  }

  // ---- Identities ----

  /** Who the token stands for in the project: a member with a role, a service token or the project token. */
  me(): Promise<MeResponse> {
    return this.request<MeResponse>('GET', apiPath.me(this.project), { idempotent: true, parse: parseAnswer.me });
  }

  /** Creates a CI service token (owners). The answer holds the token once; the cloud keeps only its hash. Not retried. */
  createServiceToken(body: CreateServiceTokenRequest): Promise<CreateServiceTokenResponse> {
    return this.request<CreateServiceTokenResponse>('POST', apiPath.serviceTokens(this.project), {
      body,
      idempotent: false,
      parse: parseAnswer.createServiceToken,
    });
  }

  /** Every service token of the project (owners), revoked and expired ones included; never a token itself. */
  async listServiceTokens(): Promise<ServiceTokenInfo[]> {
    return (
      await this.request<ServiceTokenListResponse>('GET', apiPath.serviceTokens(this.project), {
        idempotent: true,
        parse: parseAnswer.serviceTokenList,
      })
    ).tokens;
  }

  async revokeServiceToken(id: string): Promise<void> {
    await this.request<undefined>('DELETE', apiPath.serviceToken(this.project, id), { idempotent: true });
  }

  // ---- Plumbing ----

  /** Sends one API request and returns its parsed answer; every failure is a CloudError. */
  async request<T>(method: string, path: string, opts: RequestOptions<T>): Promise<T> {
    return (await this.requestWithStatus<T>(method, path, opts)).json as T;
  }

  /** Like request(), with the answer's status (e.g. 201 created vs 200 updated). */
  async requestWithStatus<T>(
    method: string,
    path: string,
    opts: RequestOptions<T> & { onAttempt?: (n: number) => void },
  ): Promise<{ status: number; json: T | undefined }> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const secrets = [...(opts.secrets ?? [])];
    if (opts.auth !== false) {
      const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
      if (!token) {
        throw new CloudError(
          'unauthorized',
          NO_STATUS,
          `You are not signed in to the CloudXLR cloud at ${this.endpoint}. Sign in with the command “CloudXLR: Sign In”.`,
        );
      }
      headers.Authorization = `Bearer ${token}`;
      secrets.push(token);
    }
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    const attempts = opts.idempotent ? this.retries + 1 : 1;
    let last: CloudError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      opts.onAttempt?.(attempt);
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      try {
        return await this.attempt<T>(method, path, headers, body, opts, secrets);
      } catch (e) {
        if (!(e instanceof CloudError)) throw e;
        last = e;
        const retriable = e.code === 'unreachable' || e.code === 'timeout' || RETRY_STATUSES.has(e.status);
        if (e.status === 403) this.options.onForbidden?.(e);
        if (!retriable) throw e;
      }
    }
    throw last as CloudError;
  }

  private backoff(retry: number): number {
    const base = this.backoffMs * 2 ** (retry - 1);
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  private async attempt<T>(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    opts: RequestOptions<T>,
    secrets: string[],
  ): Promise<{ status: number; json: T | undefined }> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let text: string;
    let contentType: string;
    try {
      const init: Parameters<FetchLike>[1] = { method, headers, signal: controller.signal };
      if (body !== undefined) init.body = body;
      if (this.agent) init.agent = this.agent;
      const res = await this.fetch(this.endpoint + path, init);
      status = res.status;
      contentType = res.headers.get('content-type') ?? '';
      text = await res.text();
    } catch (e) {
      if (controller.signal.aborted) {
        throw new CloudError(
          'timeout',
          NO_STATUS,
          `The CloudXLR cloud at ${this.endpoint} did not answer within ${Math.round(timeoutMs / 100) / 10} s. ${this.startHint()}`,
        );
      }
      throw new CloudError(
        'unreachable',
        NO_STATUS,
        `The CloudXLR cloud at ${this.endpoint} is not reachable. ${this.startHint()}`,
        {
          cause: e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.name) : 'unknown',
        },
      );
    } finally {
      clearTimeout(timer);
    }

    if (status >= 200 && status < 300) {
      if (!opts.parse) return { status, json: undefined };
      const json = parseJson(text);
      const parsed = json === undefined ? undefined : opts.parse(json);
      if (parsed === undefined) throw this.badResponse(status, contentType);
      return { status, json: parsed };
    }
    throw this.errorFor(status, text, contentType, secrets);
  }

  private errorFor(status: number, text: string, contentType: string, secrets: string[]): CloudError {
    const json = parseJson(text);
    const err = isObj(json) && isObj(json.error) ? json.error : undefined;
    const code = err && typeof err.code === 'string' && /^[a-z_]{1,64}$/.test(err.code) ? err.code : undefined;
    // The request's own secrets (the value sent, the token) are masked in every form the shared
    // matcher knows, should a server echo them back.
    const redactor = new Redactor(secrets.map((value) => ({ name: '', value })));
    const serverMessage =
      err && typeof err.message === 'string'
        ? redactor.redact(err.message.slice(0, 2000), err.message.length > 2000)
        : undefined;
    const details = err && isObj(err.details) ? (redactor.redactDeep(err.details) as Record<string, unknown>) : {};

    if (status === 401) {
      return new CloudError(
        'unauthorized',
        401,
        `The CloudXLR cloud at ${this.endpoint} did not accept your token for project “${this.project}”. Sign in again with the command “CloudXLR: Sign In”.`,
        details,
      );
    }
    if (status === 403) {
      // The identity is known; its role or scope lacks what the route needs. The server's own
      // sentence names the role and what it cannot do; without one, the permission says it.
      const permission = typeof details.permission === 'string' ? details.permission : undefined;
      const phrase =
        permission && permission in PERMISSION_PHRASE ? PERMISSION_PHRASE[permission as Permission] : undefined;
      return new CloudError(
        'forbidden',
        403,
        serverMessage ??
          `Your identity in project “${this.project}” at ${this.endpoint} may not ${phrase ?? 'do this'}. Ask an owner of the project for the permission.`,
        details,
      );
    }
    if (RETRY_STATUSES.has(status) && !code) {
      return new CloudError(
        'unreachable',
        status,
        `The CloudXLR cloud at ${this.endpoint} is unavailable (HTTP ${status}). Try again in a moment. ${this.startHint()}`,
      );
    }
    if (!code || !serverMessage) return this.badResponse(status, contentType);
    switch (code) {
      case 'key_in_use': {
        const fns = Array.isArray(details.functions)
          ? details.functions.filter((f): f is string => typeof f === 'string')
          : [];
        return new CloudError(
          code,
          status,
          fns.length
            ? `The key is used by ${fns.length === 1 ? 'the function' : 'the functions'} ${fns.join(', ')}. Deploy ${fns.length === 1 ? 'it' : 'them'} without the key first, or delete with force.`
            : serverMessage,
          details,
        );
      }
      case 'internal':
        return new CloudError(
          code,
          status,
          `The CloudXLR cloud at ${this.endpoint} hit an internal error (HTTP ${status}). Try again; if it persists, check its log.`,
          details,
        );
      default:
        return new CloudError(code, status, serverMessage, details);
    }
  }

  private badResponse(status: number, contentType: string): CloudError {
    const type = contentType ? `, ${contentType.split(';')[0].slice(0, 60)}` : '';
    return new CloudError(
      'bad_response',
      status,
      `The server at ${this.endpoint} answered in a form a CloudXLR cloud does not use (HTTP ${status}${type}). Check the setting “cloudxlr.cloud.endpoint” points at a CloudXLR cloud.`,
    );
  }

  private startHint(): string {
    return isLoopback(this.endpoint)
      ? 'Start it with the command “CloudXLR: Start Local Cloud”, or run “npx cloudxlr cloud start” in a terminal.'
      : 'Check your network connection and the setting “cloudxlr.cloud.endpoint”.';
  }
}

/** Whether the endpoint is on this machine, where the local cloud can serve it. */
export function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}
