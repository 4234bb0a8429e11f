// `npm run bench -- cloud`: requests per second for listing keys and putting a key against the
// local cloud on loopback, beside the same requests to a bare node:http server answering a
// fixed JSON body (the baseline: what HTTP alone costs on this machine). Each server runs in
// its own child process, so the load generator does not share its event loop. Bounded by
// count and time; about half a minute in all.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { cloudNode } from '../test/host/nodeRuntime';
import {
  forkServer,
  load as loadRequests,
  send,
  stopServer,
  type LoadRequest,
  type LoadResult,
  type ServerProcess,
} from './httpLoad';

const TOKEN = 'bench-token-0123456789';
const PROJECT = 'bench';
const CONCURRENCY = 4;
const SEED_KEYS = 50;
const WARMUP = 200;
const MAX_REQUESTS = 5000;
const MAX_SECONDS = 6;

type Kind = 'cloud' | 'bare';
type Op = 'list' | 'put';

function startServer(kind: Kind, dataDir: string): Promise<ServerProcess> {
  return forkServer(__filename, ['--cloud-bench-child', kind, dataDir], `The ${kind} server`);
}

function request(op: Op, i: number): LoadRequest {
  if (op === 'list') return { method: 'GET', path: `/v1/projects/${PROJECT}/keys` };
  return {
    method: 'PUT',
    path: `/v1/projects/${PROJECT}/keys/BENCH_KEY_${i % SEED_KEYS}`,
    body: JSON.stringify({ value: `sk_test_bench_value_${i}_${'x'.repeat(32)}` }),
  };
}

const LOAD = {
  token: TOKEN,
  concurrency: CONCURRENCY,
  warmup: WARMUP,
  maxRequests: MAX_REQUESTS,
  maxSeconds: MAX_SECONDS,
};

function load(port: number, op: Op): Promise<LoadResult> {
  return loadRequests(port, (i) => request(op, i), LOAD);
}

function fmt(r: LoadResult): string {
  return `${r.rps.toFixed(0).padStart(6)} req/s (${String(r.count).padStart(4)} req, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms)`;
}

export async function run(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-bench-'));
  const cloud = await startServer('cloud', dataDir);
  const bare = await startServer('bare', dataDir);
  try {
    const seed = new http.Agent({ keepAlive: true });
    for (let i = 0; i < SEED_KEYS; i++) {
      await send(seed, cloud.port, TOKEN, request('put', i));
    }
    seed.destroy();
    console.log(
      `${CONCURRENCY} keep-alive connections on loopback, ${SEED_KEYS} keys listed, up to ${MAX_REQUESTS} requests or ${MAX_SECONDS} s per row; servers on Node ${spawnSync(cloudNode(), ['-v'], { encoding: 'utf8' }).stdout.trim()}, ${os.cpus().length} CPUs`,
    );
    for (const op of ['list', 'put'] as const) {
      const c = await load(cloud.port, op);
      const b = await load(bare.port, op);
      console.log(`${op.padEnd(4)} local cloud ${fmt(c)}`);
      console.log(`${''.padEnd(4)} bare http   ${fmt(b)}`);
      console.log(
        `${''.padEnd(4)} ratio       ${(c.rps / b.rps).toFixed(3)} of the bare server's rate${op === 'put' ? " (each put is an fsync'd SQLite commit)" : ''}`,
      );
    }
  } finally {
    await Promise.all([stopServer(cloud), stopServer(bare)]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- Child processes: the servers under test. ----

async function child(kind: Kind, dataDir: string): Promise<void> {
  if (kind === 'cloud') {
    // Loaded only here, so importing this module costs nothing.
    const { startLocalCloud } = await import('../src/localCloud');
    const cloud = await startLocalCloud({ dataDir, port: 0, projects: [PROJECT], token: TOKEN });
    process.send?.({ port: cloud.port });
    process.once('SIGTERM', () => void cloud.close().then(() => process.exit(0)));
    return;
  }
  const listBody = JSON.stringify({
    keys: Array.from({ length: SEED_KEYS }, (_, i) => ({
      name: `BENCH_KEY_${i}`,
      version: 1,
      digest: 'sha256:' + '0'.repeat(64),
      createdAt: new Date(0).toISOString(),
      updatedAt: new Date(0).toISOString(),
      usedBy: [],
    })),
  });
  const putBody = JSON.stringify({ name: 'BENCH_KEY_0', version: 2, digest: 'sha256:' + '0'.repeat(64) });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = req.method === 'PUT' ? putBody : listBody;
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (require.main === module && process.argv[2] === '--cloud-bench-child') {
  child(process.argv[3] as Kind, process.argv[4]).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
