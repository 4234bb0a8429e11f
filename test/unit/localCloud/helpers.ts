// Helpers for the local cloud's tests: a cloud on a free loopback port in a fresh data
// directory, and raw HTTP requests (node:http, no client library) so tests see exactly what
// the server sends.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../../src/localCloud';

const tempDirs: string[] = [];

export function tempDir(prefix = 'cloudxlr-cloud-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

// Root-level hook: removes every data directory the tests made, once all tests have run.
after(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export interface TestCloud {
  cloud: LocalCloud;
  dataDir: string;
  /** Token of each project, by project name. */
  tokens: Record<string, string>;
  close(): Promise<void>;
}

/** Starts a cloud with projects "demo" and "other", each with its own generated token. */
export async function startTestCloud(options: Partial<LocalCloudOptions> = {}): Promise<TestCloud> {
  const dataDir = options.dataDir ?? tempDir();
  const cloud = await startLocalCloud({ projects: ['demo', 'other'], port: 0, ...options, dataDir });
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
      { host: url.hostname, port: url.port, method, path: urlPath, headers, agent: false },
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

/** Marks a function as deployed with an active release that references `keys`. */
export function deployFake(cloud: LocalCloud, project: string, fn: string, keys: string[], active = true): void {
  const db = cloud.services.db;
  const t = new Date().toISOString();
  const rel = (
    db
      .prepare('SELECT COALESCE(MAX(release), 0) + 1 AS r FROM releases WHERE project = ? AND function = ?')
      .get(project, fn) as { r: number }
  ).r;
  db.prepare(
    'INSERT OR IGNORE INTO functions (project, name, active_release, created_at, updated_at) VALUES (?, ?, NULL, ?, ?)',
  ).run(project, fn, t, t);
  db.prepare(
    'INSERT INTO releases (project, function, release, created_at, code, sha256, secrets_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(
    project,
    fn,
    rel,
    t,
    'module.exports = async () => 1',
    'x',
    JSON.stringify(keys.map((name) => ({ name, version: 'latest' }))),
  );
  if (active)
    db.prepare('UPDATE functions SET active_release = ? WHERE project = ? AND name = ?').run(rel, project, fn);
}
