// A local cloud on a free loopback port in a temporary directory, for tests over real HTTP.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startLocalCloud, type LocalCloud } from '../../../src/localCloud';
import { sha256Hex } from '../../../src/localCloud/functions/validate';
import { freshDatabase, type Engine } from '../localCloud/helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field
export type Json = any;

export const TOKEN = 'test-token-0123456789';
export const PROJECT = 'demo';

export interface TestCloud {
  cloud: LocalCloud;
  url: string;
  dir: string;
  /** An authorised request to the API; returns status, parsed JSON body and headers. */
  api(method: string, pathPart: string, body?: unknown): Promise<{ status: number; body: Json; headers: Headers }>;
  putKey(name: string, value: string): Promise<number>;
  deploy(name: string, code: string, extra?: Record<string, unknown>): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

/** A cloud on the embedded engine, or with `engine: 'postgres'` on a fresh PostgreSQL database. */
export async function startTestCloud(engine: Engine = 'embedded'): Promise<TestCloud> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-fn-'));
  const cloud = await startLocalCloud({
    dataDir: dir,
    database: engine === 'postgres' ? await freshDatabase() : undefined,
    port: 0,
    projects: [PROJECT],
    token: TOKEN,
    masterKey: randomBytes(32),
  });
  const api = async (method: string, pathPart: string, body?: unknown) => {
    const res = await fetch(cloud.url + pathPart, {
      method,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    cloud,
    url: cloud.url,
    dir,
    api,
    putKey: async (name, value) => (await api('PUT', `/v1/projects/${PROJECT}/keys/${name}`, { value })).status,
    deploy: async (name, code, extra = {}) => {
      const r = await api('PUT', `/v1/projects/${PROJECT}/functions/${name}`, {
        runtime: 'node20',
        code,
        sha256: sha256Hex(code),
        secrets: [],
        ...extra,
      });
      return { status: r.status, body: r.body };
    },
    close: async () => {
      await cloud.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
