// The team cloud on PostgreSQL: migrations run once under the lock, old and new nodes side by
// side, readiness while the database restarts, and several nodes on one database (compare-and-
// set, rotation and deploys seen by every node). Each node here is a cloud in this process with
// its own data directory; the same nodes as separate processes behind a load balancer are in
// balancer.test.ts.
import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { startLocalCloud, type LocalCloud } from '../../../src/localCloud';
import { DEFAULT_RETENTION } from '../../../src/localCloud/storage';
import { POSTGRES_MIGRATIONS } from '../../../src/localCloud/storage/migrations';
import { buildCli, runCli } from './cliProcess';
import { errorOf, freshDatabase, request, tempDir, testPostgres } from './helpers';

const TOKEN = 'team-token-0123456789';
const KEYS = '/v1/projects/demo/keys';

/** `count` nodes on one database, sharing the master key and the token, as a team runs them. */
async function startNodes(database: string, count: number, masterKey = randomBytes(32)): Promise<LocalCloud[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      startLocalCloud({
        dataDir: tempDir(),
        port: 0,
        projects: ['demo'],
        token: TOKEN,
        masterKey,
        database,
        logRequests: false,
      }),
    ),
  );
}

async function query<R>(database: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new Client({ connectionString: database });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as R[];
  } finally {
    await c.end();
  }
}

const put = (url: string, name: string, value: string, ifVersion?: number) =>
  request(url, 'PUT', `${KEYS}/${name}`, {
    token: TOKEN,
    body: ifVersion === undefined ? { value } : { value, ifVersion },
  });

/**
 * The node that made a change answers the next call with it; every other node as soon as
 * PostgreSQL's announcement has reached it (the writer answered only once its own copy came
 * back, so that is a matter of milliseconds; here at most 1 s, under any load).
 */
async function seenEverywhere(writer: LocalCloud, all: LocalCloud[], fn: string, expected: unknown): Promise<void> {
  const call = async (n: LocalCloud) => (await request(n.url, 'POST', `/fn/demo/${fn}`, { body: {} })).json as unknown;
  assert.deepEqual(await call(writer), expected, 'the writing node');
  for (const n of all) {
    const deadline = Date.now() + 1000;
    let got = await call(n);
    while (JSON.stringify(got) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      got = await call(n);
    }
    assert.deepEqual(got, expected, `node ${all.indexOf(n) + 1}`);
  }
}

describe('team cloud on PostgreSQL', function () {
  this.timeout(60_000);
  let nodes: LocalCloud[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
  });

  describe('migrations', () => {
    it('run once when five nodes start together on an empty database', async () => {
      const database = await freshDatabase();
      nodes = await startNodes(database, 5);
      const applied = await query<{ version: number }>(
        database,
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        applied.map((r) => r.version),
        POSTGRES_MIGRATIONS.map((_, i) => i + 1),
      );
      // Every node serves the same projects.
      for (const n of nodes) assert.equal((await request(n.url, 'GET', KEYS, { token: TOKEN })).status, 200);
    });

    it('a node runs on a database a newer version migrated compatibly, and refuses one it cannot read', async () => {
      const database = await freshDatabase();
      const masterKey = randomBytes(32);
      nodes = await startNodes(database, 1, masterKey);
      const known = POSTGRES_MIGRATIONS.length;
      // A newer version added a table older nodes do not use.
      await query(
        database,
        "INSERT INTO schema_migrations (version, applied_at, breaks_older) VALUES ($1, 'now', false)",
        [known + 1],
      );
      nodes.push(...(await startNodes(database, 1, masterKey)));
      assert.equal((await put(nodes[1]!.url, 'SIDE_BY_SIDE', 'v1')).status, 201);
      // Then one that older nodes cannot read.
      await query(
        database,
        "INSERT INTO schema_migrations (version, applied_at, breaks_older) VALUES ($1, 'now', true)",
        [known + 2],
      );
      await assert.rejects(startNodes(database, 1, masterKey), (e: Error) => {
        assert.match(e.message, /migrated by a newer CloudXLR \(schema \d+, this one knows \d+\).*Update CloudXLR/);
        assert.ok(!/password/i.test(e.message));
        return true;
      });
    });

    it('cloudxlr cloud migrate brings a database to the schema and says so; without --database it explains', async () => {
      buildCli();
      const database = await freshDatabase();
      const r = runCli(['cloud', 'migrate', '--database', database]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Database schema migrated to version ${POSTGRES_MIGRATIONS.length}\\.`));
      assert.match(r.stdout, new RegExp(`is at schema version ${POSTGRES_MIGRATIONS.length}\\.`));
      const again = runCli(['cloud', 'migrate', '--database', database]);
      assert.equal(again.status, 0);
      assert.ok(!again.stdout.includes('migrated to'), 'a second run changes nothing');
      const none = runCli(['cloud', 'migrate'], { CLOUDXLR_DATABASE_URL: '' });
      assert.equal(none.status, 2);
      assert.match(none.stderr, /needs --database postgres:\/\//);
      const wrong = runCli(['cloud', 'migrate', '--database', 'postgres://nobody:hunter2secret@127.0.0.1:1/x']);
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, /cannot be reached/);
      assert.ok(!wrong.stderr.includes('hunter2secret'), 'the password is never printed');
    });
  });

  it('/v1/ready is 503 with Retry-After while PostgreSQL is down, requests too; the node recovers by itself and keeps every acknowledged write', async () => {
    const server = await testPostgres();
    const database = await freshDatabase();
    nodes = await startNodes(database, 1);
    const url = nodes[0]!.url;
    assert.equal((await request(url, 'GET', '/v1/ready')).status, 200);
    assert.deepEqual((await request(url, 'GET', '/v1/ready')).json, { status: 'ready', storage: 'postgres' });
    assert.equal((await put(url, 'BEFORE_RESTART', 'acknowledged-1')).status, 201);
    server.stop();
    try {
      const ready = await request(url, 'GET', '/v1/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.headers['retry-after'], '2');
      assert.equal(errorOf(ready).code, 'unavailable');
      // Alive all the same: nothing should restart the node.
      assert.equal((await request(url, 'GET', '/v1/health')).status, 200);
      const write = await put(url, 'DURING_RESTART', 'x-value');
      assert.equal(write.status, 503);
      assert.equal(write.headers['retry-after'], '2');
      assert.equal(errorOf(write).code, 'unavailable');
      assert.ok(!write.text.includes('x-value'));
      // A page calling a function's public address can read that answer too (CORS).
      const trigger = await request(url, 'POST', '/fn/demo/anything', { body: {} });
      assert.equal(trigger.status, 503);
      assert.equal(trigger.headers['access-control-allow-origin'], '*');
      assert.equal(errorOf(trigger).code, 'unavailable');
    } finally {
      server.start();
    }
    let status = 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && status !== 200) {
      status = (await request(url, 'GET', '/v1/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200, 'ready again after the restart');
    const kept = await request(url, 'GET', `${KEYS}/BEFORE_RESTART`, { token: TOKEN });
    assert.equal(kept.status, 200);
    assert.equal(kept.json.version, 1);
    assert.equal((await request(url, 'GET', `${KEYS}/DURING_RESTART`, { token: TOKEN })).status, 404);
    assert.equal((await put(url, 'AFTER_RESTART', 'v')).status, 201);
  });

  describe('several nodes on one database', () => {
    it('background work (log retention, audit purge) runs once across nodes, under the lock', async () => {
      const database = await freshDatabase();
      nodes = await startNodes(database, 3);
      const old = '2001-01-01T00:00:00.000Z';
      const recent = new Date().toISOString();
      for (const time of [old, old, old, recent])
        await query(
          database,
          "INSERT INTO function_logs (project, function, time, level, message, request_id) VALUES ('demo', 'f', $1, 'info', 'line', 'r')",
          [time],
        );
      for (const time of [old, old, recent])
        await query(
          database,
          "INSERT INTO audit (project, time, action, target, token_id) VALUES ('demo', $1, 'key.create', 'K', 't')",
          [time],
        );
      const runs = await Promise.all(nodes.map((n) => n.services.storage.housekeeping(new Date(), DEFAULT_RETENTION)));
      const done = runs.filter((r) => r !== undefined);
      assert.deepEqual(done, [{ logLines: 3, auditEvents: 2 }], JSON.stringify(runs));
      const left = await query<{ n: string }>(database, 'SELECT COUNT(*) AS n FROM function_logs');
      assert.equal(Number(left[0]!.n), 1);
      // Not due again on any node until the interval has passed.
      for (const n of nodes)
        assert.equal(await n.services.storage.housekeeping(new Date(), DEFAULT_RETENTION), undefined);
      const later = new Date(Date.now() + DEFAULT_RETENTION.intervalMs + 1000);
      assert.deepEqual(await nodes[2]!.services.storage.housekeeping(later, DEFAULT_RETENTION), {
        logLines: 0,
        auditEvents: 0,
      });
    });

    it('compare-and-set: of 40 writers racing through 4 nodes with the same expected version, exactly one wins', async () => {
      const database = await freshDatabase();
      nodes = await startNodes(database, 4);
      assert.equal((await put(nodes[0]!.url, 'RACED', 'start')).status, 201);
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => put(nodes[i % 4]!.url, 'RACED', `writer-${i}`, 1)),
      );
      const statuses = answers.map((a) => a.status).sort();
      assert.equal(statuses.filter((s) => s === 200).length, 1, `answers: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 409).length, 39, `answers: ${statuses.join(',')}`);
      const winner = answers.find((a) => a.status === 200)!;
      const key = await request(nodes[3]!.url, 'GET', `${KEYS}/RACED`, { token: TOKEN });
      assert.equal(key.json.version, 2);
      assert.equal(key.json.digest, winner.json.digest);
      for (const lost of answers.filter((a) => a.status === 409))
        assert.equal(errorOf(lost).details?.currentVersion, 2);
      // Unconditional writes racing through every node all land, each as its own version.
      const plain = await Promise.all(
        Array.from({ length: 20 }, (_, i) => put(nodes[i % 4]!.url, 'RACED', `plain-${i}`)),
      );
      assert.deepEqual(
        plain.map((a) => a.status),
        Array(20).fill(200),
      );
      assert.deepEqual(
        plain.map((a) => a.json.version as number).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 3),
      );
    });

    it('a function deployed through one node runs on every node, and a key rotated through another is what the next call on any node reads', async () => {
      const database = await freshDatabase();
      nodes = await startNodes(database, 3);
      const [a, b, c] = nodes as [LocalCloud, LocalCloud, LocalCloud];
      assert.equal((await put(a.url, 'ROTATED_KEY', 'first-value-111')).status, 201);
      const code = 'module.exports = async (req, ctx) => ({ v: (await ctx.secrets.get("ROTATED_KEY")).slice(0, 5) });';
      const { createHash } = await import('crypto');
      const deploy = await request(a.url, 'PUT', '/v1/projects/demo/functions/reader', {
        token: TOKEN,
        body: {
          runtime: 'node20',
          code,
          sha256: createHash('sha256').update(code).digest('hex'),
          secrets: [{ name: 'ROTATED_KEY', version: 'latest' }],
        },
      });
      assert.equal(deploy.status, 201, deploy.text);
      for (const n of nodes) {
        const r = await request(n.url, 'POST', '/fn/demo/reader', { body: {} });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, { v: 'first' });
      }
      assert.equal((await put(b.url, 'ROTATED_KEY', 'second-value-222')).status, 200);
      await seenEverywhere(b, nodes, 'reader', { v: 'secon' });
      // A redeploy through another node replaces what every node runs.
      const code2 = 'module.exports = async () => ({ v: "release-2" });';
      const redeploy = await request(c.url, 'PUT', '/v1/projects/demo/functions/reader', {
        token: TOKEN,
        body: { runtime: 'node20', code: code2, sha256: createHash('sha256').update(code2).digest('hex'), secrets: [] },
      });
      assert.equal(redeploy.status, 200, redeploy.text);
      await seenEverywhere(c, nodes, 'reader', { v: 'release-2' });
    });

    it('a node whose listener lost its connection drops what it kept, so a change it missed is read after it listens again', async () => {
      const database = await freshDatabase();
      nodes = await startNodes(database, 2);
      const [a, b] = nodes as [LocalCloud, LocalCloud];
      assert.equal((await put(a.url, 'MISSED_KEY', 'before-gap')).status, 201);
      const code = 'module.exports = async (req, ctx) => ({ v: (await ctx.secrets.get("MISSED_KEY")).slice(0, 6) });';
      const { createHash } = await import('crypto');
      const deployed = await request(a.url, 'PUT', '/v1/projects/demo/functions/gap', {
        token: TOKEN,
        body: {
          runtime: 'node20',
          code,
          sha256: createHash('sha256').update(code).digest('hex'),
          secrets: [{ name: 'MISSED_KEY', version: 'latest' }],
        },
      });
      assert.equal(deployed.status, 201, deployed.text);
      const call = async () => (await request(b.url, 'POST', '/fn/demo/gap', { body: {} })).json as unknown;
      assert.deepEqual(await call(), { v: 'before' }); // b keeps it now
      const feed = b.services.storage.changes;
      assert.ok(feed.trusted);
      // Every node's listener loses its connection; the change is announced to no one.
      await query(
        database,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cloudxlr-listener'",
      );
      const deadline = Date.now() + 5000;
      while (feed.trusted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(!feed.trusted, 'the node noticed that it no longer listens');
      assert.equal((await put(a.url, 'MISSED_KEY', 'during-gap')).status, 200);
      while (!feed.trusted && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(feed.trusted, 'listening again');
      assert.deepEqual(await call(), { v: 'during' });
    });
  });
});
