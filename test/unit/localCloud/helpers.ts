// Helpers for the local cloud's tests: a cloud on a free loopback port in a fresh data
// directory, and raw HTTP requests (node:http, no client library) so tests see exactly what
// the server sends.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../../src/localCloud';
import type { Db } from '../../../src/localCloud/db';
import type { EmbeddedStorage } from '../../../src/localCloud/storage/sqlite';
import { startPostgres, type PostgresServer } from '../../host/postgres';

const tempDirs: string[] = [];

export function tempDir(prefix = 'cloudxlr-cloud-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** The storage engines every contract suite runs on. */
export const ENGINES = ['embedded', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

let postgres: Promise<PostgresServer> | undefined;

/** The tests' PostgreSQL server, started on first use and stopped once all tests have run. */
export function testPostgres(): Promise<PostgresServer> {
  return (postgres ??= startPostgres());
}

/** A fresh database on the tests' PostgreSQL server. */
export async function freshDatabase(): Promise<string> {
  return (await testPostgres()).createDatabase();
}

/** Declares the suite once per storage engine: `body(engine)` gets the engine to start clouds on. */
export function describeEachEngine(title: string, body: (this: Mocha.Suite, engine: Engine) => void): void {
  for (const engine of ENGINES)
    describe(`${title} [${engine}]`, function () {
      body.call(this, engine);
    });
}

// Root-level hook: removes every data directory the tests made, and stops PostgreSQL, once all
// tests have run.
after(async function () {
  this.timeout(60_000);
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  const server = postgres;
  postgres = undefined;
  if (server) (await server).destroy();
});

export interface TestCloud {
  cloud: LocalCloud;
  dataDir: string;
  /** Token of each project, by project name. */
  tokens: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts a cloud with projects "demo" and "other", each with its own generated token; with
 * `engine: 'postgres'`, on a fresh database of the tests' PostgreSQL server.
 */
export async function startTestCloud(
  options: Partial<LocalCloudOptions> & { engine?: Engine } = {},
): Promise<TestCloud> {
  const { engine = 'embedded', ...rest } = options;
  const dataDir = rest.dataDir ?? tempDir();
  const database = engine === 'postgres' ? (rest.database ?? (await freshDatabase())) : undefined;
  const cloud = await startLocalCloud({ projects: ['demo', 'other'], port: 0, ...rest, dataDir, database });
  if (cloud.services.storage.engine !== engine)
    throw new Error(`The cloud runs on ${cloud.services.storage.engine}, not ${engine}.`);
  const tokens: Record<string, string> = {};
  for (const t of cloud.createdTokens) tokens[t.project] = t.token;
  if (options.token) for (const p of options.projects ?? ['demo', 'other']) tokens[p] = options.token;
  return { cloud, dataDir, tokens, close: () => cloud.close() };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface RawRequest {
  token?: string;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The loopback address to send from (127.0.0.2, …): another client, as the server sees it. */
  localAddress?: string;
}

export function request(base: string, method: string, urlPath: string, opts: RawRequest = {}): Promise<RawResponse> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload = Buffer.isBuffer(opts.body)
      ? opts.body
      : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: urlPath,
        headers,
        agent: false,
        localAddress: opts.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload) req.end(payload);
    else req.end();
  });
}

/** A request bound to one cloud. */
export function client(base: string, token?: string) {
  return (method: string, urlPath: string, opts: RawRequest = {}) => request(base, method, urlPath, { token, ...opts });
}

/** Asserts the contract's error shape and returns the error object. */
export function errorOf(res: RawResponse): { code: string; message: string; details?: Record<string, unknown> } {
  const e = res.json?.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') {
    throw new Error(`Not a contract error (HTTP ${res.status}): ${res.text.slice(0, 200)}`);
  }
  return e;
}

/** The SQLite database of a cloud on the embedded engine (for checks of the file itself). */
export function sqliteOf(cloud: LocalCloud): Db {
  const storage = cloud.services.storage as Partial<EmbeddedStorage>;
  if (storage.engine !== 'embedded' || !storage.db) throw new Error('This cloud does not run on the embedded engine.');
  return storage.db;
}

/** Deploys a function whose active release references `keys` (or, with active false, a release that is not active). */
export async function deployFake(
  cloud: LocalCloud,
  project: string,
  fn: string,
  keys: string[],
  active = true,
): Promise<void> {
  const functions = cloud.services.storage.functions;
  const release = {
    runtime: 'node20',
    code: 'module.exports = async () => 1',
    sha256: 'x',
    secrets: keys.map((name) => ({ name, version: 'latest' as const })),
    env: {},
    timeoutMs: 10000,
  };
  const time = new Date().toISOString();
  const previous = await functions.get(project, fn);
  await functions.addRelease(project, fn, release, 'function.deploy', { id: 'test' }, time);
  if (active) return;
  // Not active: the function goes back to the release it ran before, or is deleted again.
  const before = previous && (await functions.release(project, fn, previous.activeRelease));
  if (before)
    await functions.addRelease(
      project,
      fn,
      { ...before, code: release.code },
      'function.rollback',
      { id: 'test' },
      time,
    );
  else await functions.delete(project, fn, { id: 'test' }, time);
}
