// Cloud Functions routes of the local cloud: deploy with full validation, releases, rollback,
// delete, invoke, logs, and the public trigger /fn/{project}/{name} with CORS.
//
// Each local cloud (one database) gets one FunctionRuntime, created on first use and closed
// when the cloud's database closes. Invocations resolve the release's key references in the
// vault at the moment they run; nothing here ever puts a value in an answer, a log or the
// audit log.
//
// The edge of an invocation (both the public trigger and POST …/invoke) is ordered so that an
// anonymous flood costs little: the function is looked up first (404 without reading the body),
// then it takes one of the function's places (429 with Retry-After at once when they are all
// taken), then the body is read against the cloud's body budget (503 when full) and kept as raw
// bytes while it waits; it is parsed, within depth and value limits, only when its turn to run
// comes.
import type { IncomingHttpHeaders } from 'http';
import {
  apiPath,
  functionUrl,
  Route,
  type DeployFunctionResponse,
  type FunctionDetails,
  type FunctionListResponse,
  type FunctionLogsResponse,
  type FunctionSummary,
  type InvokeResponse,
  type ResolvedSecretRef,
  type RollbackResponse,
  type SecretRef,
} from '../../api';
import { functionNameProblem } from '../../shared/names';
import { Admission, type Place } from '../admission';
import {
  ApiError,
  invalidRequest,
  notFound,
  RETRY_AFTER_SECONDS,
  serverBusy,
  tooManyRequests,
  unavailable,
  validationError,
} from '../errors';
import { StorageUnavailable } from '../storage/sql';
import { checkJsonShape, decodeJson, parseJson, sendJsonText, serializeJson, yieldToEventLoop } from '../http';
import type { ProjectRouteContext, RouteContext, Router } from '../router';
import type { Vault } from '../vault';
import { FunctionRuntime, type FunctionRequest, type InvocationResult, type RuntimeOptions } from './runtime';
import type { FunctionRow, FunctionStore, ReleaseRow, Storage } from '../storage';
import { valueNamesIn } from '../../shared/valueMatch';
import { deployError, validateDeploy, type VaultView } from './validate';

export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;

/** CORS for the public trigger: any page may call a function (it holds no credentials). */
const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Max-Age': '600',
  'Access-Control-Expose-Headers': 'X-Request-Id',
};

interface Services {
  store: FunctionStore;
  storage: Storage;
  runtime: FunctionRuntime;
  /** Running and waiting places of each function. */
  admission: Admission;
}

/**
 * A route module with its own runtime options (tests use short limits). The runtime and store
 * are created per cloud database, on first use, and closed when the database closes.
 */
export function createFunctionRoutes(runtimeOptions: RuntimeOptions = {}): (router: Router) => void {
  const perCloud = new WeakMap<Storage, Services>();
  const services = (ctx: RouteContext): Services => {
    let s = perCloud.get(ctx.storage);
    if (!s || s.runtime.isClosed) {
      const runtime = new FunctionRuntime(runtimeOptions);
      s = {
        store: ctx.storage.functions,
        storage: ctx.storage,
        runtime,
        admission: new Admission(ctx.limits.functionConcurrency, ctx.limits.functionQueue),
      };
      perCloud.set(ctx.storage, s);
      ctx.onClose(() => runtime.close());
    }
    return s;
  };

  return (router: Router): void => {
    router.project('GET', Route.functions, 'functions.describe', async (ctx) => {
      const { store } = services(ctx);
      const body: FunctionListResponse = {
        functions: await Promise.all(
          (await store.list(ctx.project)).map((f) => summary(ctx, store, f.name, f.activeRelease, f.updatedAt)),
        ),
      };
      ctx.json(200, body);
    });

    router.project('GET', Route.function, 'functions.describe', async (ctx) => {
      const name = validName(ctx);
      const { store } = services(ctx);
      const f = await store.get(ctx.project, name);
      if (!f) throw noFunction(name);
      const body: FunctionDetails = {
        ...(await summary(ctx, store, name, f.activeRelease, f.updatedAt)),
        releases: await store.releases(ctx.project, name),
      };
      ctx.json(200, body);
    });

    router.project('PUT', Route.function, 'functions.deploy', async (ctx) => {
      const { store, runtime } = services(ctx);
      const name = ctx.params.name;
      const body = await ctx.readJson();
      const { release } = validateDeploy(name, body, await vaultView(ctx.vault, ctx.project, body.secrets));
      const time = ctx.now().toISOString();
      const outcome = await store.addRelease(ctx.project, name, release, 'function.deploy', ctx.actor, time);
      // The same code, references and settings as the active release: nothing was released.
      if (!outcome.unchanged) runtime.retire(ctx.project, name);
      const answer: DeployFunctionResponse = {
        name,
        release: outcome.release,
        url: functionUrl(ctx.baseUrl(), ctx.project, name),
        secrets: await resolve(ctx.vault, ctx.project, release.secrets),
        unchanged: outcome.unchanged,
      };
      ctx.json(
        outcome.created ? 201 : 200,
        answer,
        outcome.created ? { Location: apiPath.function(ctx.project, name) } : {},
      );
    });

    router.project('POST', Route.rollback, 'functions.deploy', async (ctx) => {
      const name = validName(ctx);
      const { store, runtime } = services(ctx);
      const body = await ctx.readJson();
      const problems = Object.keys(body)
        .filter((k) => k !== 'release')
        .map((k) => ({
          field: k.slice(0, 40),
          code: 'invalid_request' as const,
          message: `The field "${k.slice(0, 40)}" is not part of a rollback; send only "release".`,
        }));
      const n = body.release;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
        problems.push({
          field: 'release',
          code: 'invalid_request',
          message: 'The field "release" must be a release number from 1 up.',
        });
      }
      if (problems.length) throw validationError(problems);
      const f = await store.get(ctx.project, name);
      if (!f) throw noFunction(name);
      const target = await store.release(ctx.project, name, n as number);
      if (!target)
        throw notFound(
          `The function ${name} has no release ${n as number}; its releases are 1 to ${(await store.releases(ctx.project, name)).at(-1)?.release ?? 0}.`,
        );
      const code = await store.code(ctx.project, name, target.release);
      // The same checks as a deploy: the keys must still exist and the code must hold no value.
      await revalidate(ctx, target.secrets, code);
      const time = ctx.now().toISOString();
      const outcome = await store.addRelease(
        ctx.project,
        name,
        {
          runtime: target.runtime,
          code,
          sha256: target.sha256,
          secrets: target.secrets,
          env: target.env,
          timeoutMs: target.timeoutMs,
        },
        'function.rollback',
        ctx.actor,
        time,
      );
      runtime.retire(ctx.project, name);
      const answer: RollbackResponse = { name, release: outcome.release };
      ctx.json(200, answer);
    });

    router.project('DELETE', Route.function, 'functions.deploy', async (ctx) => {
      const name = validName(ctx);
      const { store, runtime } = services(ctx);
      if (!(await store.delete(ctx.project, name, ctx.actor, ctx.now().toISOString()))) throw noFunction(name);
      runtime.retire(ctx.project, name);
      ctx.empty(204);
    });

    router.project('POST', Route.invoke, 'functions.invoke', async (ctx) => {
      const name = validName(ctx);
      const s = services(ctx);
      if (!(await active(ctx, s, ctx.project, name))) throw noFunction(name);
      const place = enter(ctx, s, ctx.project, name);
      const raw = await ctx.readBody(undefined, { json: true });
      await place.turn();
      await yieldToEventLoop();
      if (raw.length === 0)
        throw invalidRequest('The request needs a JSON body. Send an object such as {"payload": …}.');
      const body = parseJson(raw, jsonLimits(ctx), ctx.reservation);
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw invalidRequest('The request body must be a JSON object.');
      const fields = body as Record<string, unknown>;
      const extra = Object.keys(fields).filter((k) => k !== 'payload');
      if (extra.length)
        throw invalidRequest(`The field "${extra[0].slice(0, 40)}" is not part of an invocation; send only "payload".`);
      await yieldToEventLoop();
      const result = await invoke(ctx, s, ctx.project, name, {
        method: 'POST',
        headers: {},
        query: {},
        body: fields.payload === undefined ? null : fields.payload,
      });
      const answer: InvokeResponse = result;
      sendJsonText(ctx.res, 200, serializeResult(answer), { 'X-Request-Id': result.requestId });
    });

    router.project('GET', Route.logs, 'logs.read', async (ctx) => {
      const name = validName(ctx);
      const { store, storage } = services(ctx);
      const raw = ctx.query.get('limit');
      let limit = DEFAULT_LOG_LIMIT;
      if (raw !== null) {
        if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1)
          throw invalidRequest(`The parameter "limit" must be a whole number from 1 to ${MAX_LOG_LIMIT}.`);
        limit = Math.min(Number(raw), MAX_LOG_LIMIT);
      }
      if (!(await store.get(ctx.project, name))) throw noFunction(name);
      const body: FunctionLogsResponse = { logs: await storage.logs.list(ctx.project, name, limit) };
      ctx.json(200, body);
    });

    // The public trigger: no token; any origin may call it.
    router.public(['GET', 'POST', 'OPTIONS'], Route.trigger, async (ctx) => {
      const { project, name } = ctx.params;
      if (ctx.method === 'OPTIONS') {
        const requested = ctx.req.headers['access-control-request-headers'];
        ctx.empty(204, {
          ...CORS,
          'Access-Control-Allow-Headers':
            typeof requested === 'string' && /^[A-Za-z0-9\-_, ]{0,500}$/.test(requested) ? requested : 'Content-Type',
          Vary: 'Access-Control-Request-Headers',
        });
        return;
      }
      try {
        ctx.rateLimits.publicClient(ctx.clientAddress);
        if (functionNameProblem(name)) throw noFunction(name);
        const s = services(ctx);
        if (!(await active(ctx, s, project, name))) throw noFunction(name);
        ctx.rateLimits.publicFunction(project, name);
        const place = enter(ctx, s, project, name);
        const contentType = ctx.req.headers['content-type'];
        const raw =
          ctx.method === 'POST' ? await ctx.readBody(undefined, { json: isJson(contentType) }) : Buffer.alloc(0);
        await place.turn();
        if (raw.length > 0) await yieldToEventLoop();
        const request: FunctionRequest = {
          method: ctx.method,
          headers: plainHeaders(ctx.req.headers),
          query: Object.fromEntries(ctx.query),
          body: parseBody(raw, contentType, ctx),
        };
        if (raw.length > 0) await yieldToEventLoop();
        const result = await invoke(ctx, s, project, name, request);
        const headers = { ...CORS, 'X-Request-Id': result.requestId };
        if (result.status === 'ok') {
          sendJsonText(ctx.res, 200, serializeResult(result.result), headers);
        } else {
          // The cloud is the function's gateway: whatever the function did wrong (threw, timed
          // out, returned something that cannot be sent) is a bad answer from upstream.
          ctx.json(
            502,
            { error: { code: 'function_error', message: result.error?.message ?? 'The function failed.' } },
            headers,
          );
        }
      } catch (e) {
        // Errors of the trigger itself (unknown function, body too large, too busy, the
        // database away) carry CORS as well, so the calling page can read them.
        const err = e instanceof StorageUnavailable ? unavailable() : e;
        if (err instanceof ApiError)
          throw new ApiError(err.status, err.code, err.message, err.details, { ...(err.headers ?? {}), ...CORS });
        throw e;
      }
    });
  };
}

/** The route module registered in the local cloud, with the default runtime limits. */
export const registerFunctionRoutes = createFunctionRoutes();

/** The function's active release as this node keeps it: read again only after a change to it. */
function active(ctx: RouteContext, s: Services, project: string, name: string): Promise<FunctionRow | undefined> {
  return ctx.kept.read({ project, kind: 'function', name }, 'active', () => s.store.get(project, name));
}

/** Takes one of the function's places for this request (given back when its answer is done), or 429. */
function enter(ctx: RouteContext, s: Services, project: string, name: string): Place {
  const place = s.admission.enter(`${project}\u0000${name}`);
  if (!place) throw tooManyRequests(`The function ${name}`);
  ctx.res.once('close', () => place.leave());
  return place;
}

function jsonLimits(ctx: RouteContext): { maxDepth: number; maxValues: number } {
  return { maxDepth: ctx.limits.maxJsonDepth, maxValues: ctx.limits.maxJsonValues };
}

/** A function's result as JSON text, or 502 when it cannot be sent (nested too deeply, say). */
function serializeResult(value: unknown): string {
  const text = serializeJson(value);
  if (text === undefined) throw unusableResult();
  return text;
}

function unusableResult(): ApiError {
  return new ApiError(
    502,
    'function_error',
    'The function returned a result the cloud cannot send (for example one nested too deeply, or one that refers to itself). Return plain JSON data.',
  );
}

async function invoke(
  ctx: RouteContext,
  s: Services,
  project: string,
  name: string,
  request: FunctionRequest,
): Promise<InvocationResult> {
  const f = await active(ctx, s, project, name);
  if (!f) throw noFunction(name);
  const rel = await ctx.kept.read({ project, kind: 'function', name }, `release:${f.activeRelease}`, () =>
    s.store.release(project, name, f.activeRelease),
  );
  if (!rel) throw noFunction(name);
  const vault = ctx.vault;
  const result = await runInvocation(s, project, name, rel, request, vault);
  // Every worker this project or function may use is busy and its queue is full: like any busy
  // service, 503 with Retry-After (nothing ran, so there is nothing to log).
  if (result.busy)
    throw new ApiError(
      503,
      'server_busy',
      result.error?.message ?? 'The function is busy. Retry in a moment.',
      undefined,
      { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    );
  const stored = [...result.logs];
  // A thrown error's stack is logged already, its message included: not a second time.
  const error = result.error;
  if (
    result.status === 'error' &&
    error &&
    !stored.some((l) => l.level === 'error' && l.message.includes(error.message))
  ) {
    stored.push({
      time: new Date().toISOString(),
      level: 'error',
      message: `Invocation failed: ${error.message}`,
    });
  }
  try {
    // The function may have been deleted meanwhile; then its logs go with it.
    if (await active(ctx, s, project, name)) await s.storage.logs.append(project, name, result.requestId, stored);
  } catch {
    // Logs are best effort; the invocation's answer still goes out.
  }
  return result;
}

/**
 * The runtime's answer; whatever it fails with (a result it could not take apart, say) becomes
 * a 502 with a message rather than a crash of the route.
 */
async function runInvocation(
  s: Services,
  project: string,
  name: string,
  rel: ReleaseRow,
  request: FunctionRequest,
  vault: Vault,
): Promise<InvocationResult & { busy?: true }> {
  try {
    return await s.runtime.invoke(
      {
        project,
        functionName: name,
        release: rel.release,
        sha256: rel.sha256,
        loadCode: () => s.store.code(project, name, rel.release),
        secrets: rel.secrets,
        env: rel.env,
        timeoutMs: rel.timeoutMs,
      },
      request,
      (key, version) => vault.readValue(project, key, version),
    );
  } catch {
    throw unusableResult();
  }
}

async function summary(
  ctx: ProjectRouteContext,
  store: FunctionStore,
  name: string,
  release: number,
  updatedAt: string,
): Promise<FunctionSummary> {
  const rel = await store.release(ctx.project, name, release);
  return {
    name,
    release,
    url: functionUrl(ctx.baseUrl(), ctx.project, name),
    secrets: await resolve(ctx.vault, ctx.project, rel?.secrets ?? []),
    updatedAt,
  };
}

function resolve(vault: Vault, project: string, refs: readonly SecretRef[]): Promise<ResolvedSecretRef[]> {
  return Promise.all(
    refs.map(async (r): Promise<ResolvedSecretRef> => {
      if (r.version === 'latest')
        return {
          name: r.name,
          version: r.version,
          resolvedVersion: (await vault.currentVersion(project, r.name)) ?? null,
        };
      return {
        name: r.name,
        version: r.version,
        resolvedVersion: (await vault.hasVersion(project, r.name, r.version)) ? r.version : null,
      };
    }),
  );
}

/**
 * What deploy validation sees of the vault, read before it runs: the current keys and their
 * values, and which of the pinned versions the body names exist (`secrets` is the raw field).
 */
async function vaultView(vault: Vault, project: string, secrets: unknown): Promise<VaultView> {
  const latest = await vault.readLatestValues(project);
  const current = new Map(latest.map((k) => [k.name, k.version]));
  const pinned = new Set<string>();
  if (Array.isArray(secrets)) {
    for (const ref of secrets.slice(0, 1000) as unknown[]) {
      const r = ref as { name?: unknown; version?: unknown } | null;
      if (r && typeof r.name === 'string' && Number.isSafeInteger(r.version) && current.has(r.name)) {
        if (await vault.hasVersion(project, r.name, r.version as number)) pinned.add(`${r.name}@${String(r.version)}`);
      }
    }
  }
  return {
    currentVersion: (name) => current.get(name),
    hasVersion: (name, version) => pinned.has(`${name}@${version}`),
    latestValues: () => latest.map(({ name, value }) => ({ name, value })),
  };
}

async function revalidate(ctx: ProjectRouteContext, refs: readonly SecretRef[], code: string): Promise<void> {
  const problems: Array<{ field: string; code: 'missing_keys' | 'secret_in_bundle'; message: string }> = [];
  const missing: string[] = [];
  const view = await vaultView(ctx.vault, ctx.project, refs);
  for (const r of refs) {
    const ok = r.version === 'latest' ? view.currentVersion(r.name) !== undefined : view.hasVersion(r.name, r.version);
    if (!ok) {
      missing.push(r.name);
      problems.push({
        field: 'secrets',
        code: 'missing_keys',
        message: `The key ${r.name}${r.version === 'latest' ? '' : ` (version ${r.version})`} that this release references no longer exists. Add it again first.`,
      });
    }
  }
  const leaked = valueNamesIn(code, view.latestValues());
  for (const n of leaked)
    problems.push({
      field: 'code',
      code: 'secret_in_bundle',
      message: `The release's code contains the current value of the key ${n}; it cannot be made active again.`,
    });
  if (problems.length) throw deployError(problems, { missing, keys: leaked });
}

function validName(ctx: ProjectRouteContext): string {
  const name = ctx.params.name;
  const problem = functionNameProblem(name);
  if (problem) throw validationError([{ field: 'name', code: 'invalid_name', message: problem }]);
  return name;
}

function noFunction(name: string): ApiError {
  return notFound(`There is no function ${name.slice(0, 63)} in this project. Deploy it first.`);
}

function plainHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** A JSON body, or one without a Content-Type (parsed when it is JSON). */
function isJson(contentType: string | undefined): boolean {
  return !contentType || /\bjson\b/i.test(contentType);
}

/**
 * JSON bodies are parsed (within the depth and value limits); any other body is passed as text
 * (null when empty). A body without a Content-Type is parsed when it is JSON, else passed as text.
 */
function parseBody(raw: Buffer, contentType: string | undefined, ctx: RouteContext): unknown {
  if (raw.length === 0) return null;
  if (isJson(contentType)) {
    checkJsonShape(raw, jsonLimits(ctx), ctx.reservation);
    try {
      return decodeJson(raw);
    } catch (e) {
      if (contentType) throw e;
    }
  }
  if (!ctx.reservation.grow(raw.length * 2)) throw serverBusy();
  return raw.toString('utf8');
}
