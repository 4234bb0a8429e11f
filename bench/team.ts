// `npm run bench -- team`: requests per second for listing keys, putting a key and a warm
// invocation of a function, side by side in one run: the embedded cloud (SQLite), one node
// on PostgreSQL, and three nodes on PostgreSQL behind HAProxy. The embedded cloud is the
// baseline; the warm invocation on PostgreSQL should stay within 1.5x of its cost (a node
// keeps what the call reads, so it sends no statement when nothing changed). Every server is
// its own process; PostgreSQL and HAProxy are started (and stopped) here on loopback.
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { startBalancer, type Balancer } from '../test/host/balancer';
import { startPostgres } from '../test/host/postgres';
import {
  forkServer,
  load as loadRequests,
  send,
  stopServer,
  type LoadRequest,
  type LoadResult,
  type ServerProcess,
} from './httpLoad';

const TOKEN = 'team-bench-token-0123456789';
const PROJECT = 'bench';
const CONCURRENCY = 8;
const SEED_KEYS = 50;
const WARMUP = 100;
const MAX_REQUESTS = 4000;
const MAX_SECONDS = 4;
const FUNCTION = 'module.exports = async (req, ctx) => ({ ok: (await ctx.secrets.get("BENCH_KEY_0")).length });';

type Op = 'list' | 'put' | 'invoke';
const OPS: Op[] = ['list', 'put', 'invoke'];

type Node = ServerProcess;

function startNode(dataDir: string, database: string, masterKey: string): Promise<Node> {
  return forkServer(__filename, ['--team-bench-child', dataDir, database], 'A cloud node', {
    ...process.env,
    CLOUDXLR_MASTER_KEY: masterKey,
    CLOUDXLR_DATABASE_URL: '',
  });
}

/** Statements the node has sent to its database so far (asked over IPC). */
function statementsOf(n: Node): Promise<number> {
  return new Promise((resolve) => {
    n.child.once('message', (m: { statements: number }) => resolve(m.statements));
    n.child.send('statements');
  });
}

/** Statements a PostgreSQL node sends for 20 warm invocations (after one that warms it). */
async function warmStatements(n: Node): Promise<number> {
  const agent = new http.Agent({ keepAlive: true });
  const call = () => send(agent, n.port, TOKEN, { method: 'POST', path: `/fn/${PROJECT}/warm`, body: '{}' });
  await call();
  const before = await statementsOf(n);
  for (let i = 0; i < 20; i++) if ((await call()) >= 300) throw new Error('a warm invocation failed');
  const after = await statementsOf(n);
  agent.destroy();
  return after - before;
}

function request(op: Op, i: number): LoadRequest {
  if (op === 'list') return { method: 'GET', path: `/v1/projects/${PROJECT}/keys` };
  if (op === 'invoke') return { method: 'POST', path: `/fn/${PROJECT}/warm`, body: '{}' };
  return {
    method: 'PUT',
    path: `/v1/projects/${PROJECT}/keys/BENCH_KEY_${1 + (i % (SEED_KEYS - 1))}`,
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

/** Seeds keys and deploys the function through `port`. */
async function seed(port: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true });
  for (let i = 0; i < SEED_KEYS; i++) {
    const status = await send(agent, port, TOKEN, {
      method: 'PUT',
      path: `/v1/projects/${PROJECT}/keys/BENCH_KEY_${i}`,
      body: JSON.stringify({ value: `sk_test_seed_${i}_${'y'.repeat(32)}` }),
    });
    if (status >= 300) throw new Error(`seeding answered ${status}`);
  }
  const deploy = JSON.stringify({
    runtime: 'node20',
    code: FUNCTION,
    sha256: createHash('sha256').update(FUNCTION).digest('hex'),
    secrets: [{ name: 'BENCH_KEY_0', version: 'latest' }],
  });
  const status = await send(agent, port, TOKEN, {
    method: 'PUT',
    path: `/v1/projects/${PROJECT}/functions/warm`,
    body: deploy,
  });
  if (status >= 300) throw new Error(`the deploy answered ${status}`);
  agent.destroy();
}

interface Setup {
  name: string;
  port: number;
  stop(): Promise<void>;
}

export async function run(): Promise<void> {
  const postgres = await startPostgres();
  const dirs: string[] = [];
  const dir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-team-bench-'));
    dirs.push(d);
    return d;
  };
  const masterKey = randomBytes(32).toString('base64');
  const setups: Setup[] = [];
  try {
    const embedded = await startNode(dir(), '', masterKey);
    setups.push({ name: 'embedded (SQLite)', port: embedded.port, stop: () => stopServer(embedded) });
    const single = await startNode(dir(), await postgres.createDatabase(), masterKey);
    setups.push({ name: '1 node, PostgreSQL', port: single.port, stop: () => stopServer(single) });
    const shared = await postgres.createDatabase();
    const three = [await startNode(dir(), shared, masterKey)];
    three.push(...(await Promise.all([1, 2].map(() => startNode(dir(), shared, masterKey)))));
    const balancer: Balancer = await startBalancer(three.map((n) => n.port));
    setups.push({
      name: '3 nodes + HAProxy',
      port: Number(new URL(balancer.url).port),
      stop: async () => {
        await balancer.stop();
        await Promise.all(three.map(stopServer));
      },
    });
    for (const s of setups) await seed(s.port);
    console.log(
      `${CONCURRENCY} keep-alive connections on loopback, up to ${MAX_REQUESTS} requests or ${MAX_SECONDS} s per row; ${SEED_KEYS} keys listed; ${os.cpus().length} CPUs shared by every process (the nodes, PostgreSQL, HAProxy and this load generator).`,
    );
    for (const op of OPS) {
      const results = [];
      for (const s of setups) results.push(await load(s.port, op));
      const base = results[0]!;
      for (const [i, r] of results.entries()) {
        const ratio =
          i === 0
            ? 'baseline'
            : `${(r.rps / base.rps).toFixed(2)} of the embedded rate, ${(base.rps / r.rps).toFixed(2)}x its cost per call`;
        console.log(
          `${(i === 0 ? op : '').padEnd(7)} ${setups[i]!.name.padEnd(20)} ${r.rps.toFixed(0).padStart(6)} req/s (p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms)  ${ratio}`,
        );
      }
      if (op === 'invoke') {
        const cost = base.rps / results[1]!.rps;
        console.log(
          `        warm invoke on one PostgreSQL node: ${cost.toFixed(2)}x the embedded cost per call (target: within 1.5x)`,
        );
        console.log(
          `        warm invoke on one PostgreSQL node: ${await warmStatements(single)} database statements over 20 warm calls (target: 0)`,
        );
      }
    }
  } finally {
    for (const s of setups) await s.stop().catch(() => undefined);
    postgres.destroy();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

// ---- Child process: one cloud node. ----

async function child(dataDir: string, database: string): Promise<void> {
  const { startLocalCloud } = await import('../src/localCloud');
  const cloud = await startLocalCloud({
    dataDir,
    port: 0,
    projects: [PROJECT],
    token: TOKEN,
    database: database || undefined,
    logRequests: false,
  });
  process.send?.({ port: cloud.port });
  process.on('message', (m) => {
    if (m === 'statements') process.send?.({ statements: cloud.services.storage.statements() });
  });
  process.once('SIGTERM', () => void cloud.close().then(() => process.exit(0)));
}

if (require.main === module && process.argv[2] === '--team-bench-child') {
  child(process.argv[3]!, process.argv[4] ?? '').catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
