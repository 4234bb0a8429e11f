import { strict as assert } from 'assert';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { CloudClient, CloudError, type FetchLike } from '../../../src/cloud/client';
import { digestOf } from '../../../src/shared/secretText';
import { deployFake, describeEachEngine, startTestCloud, type TestCloud } from '../localCloud/helpers';

const noSleep = (): Promise<void> => Promise.resolve();

/** A tiny server answering with `handler`; counts requests. */
async function fakeServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void): Promise<{
  url: string;
  count: () => number;
  close: () => Promise<void>;
}> {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    req.resume();
    handler(req, res, n);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => n,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function rejectsWith(p: Promise<unknown>): Promise<CloudError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CloudError, `not a CloudError: ${String(e)}`);
    return e;
  }
  throw new Error('expected a CloudError');
}

describeEachEngine('cloud client against the local cloud', (engine) => {
  let t: TestCloud;
  let c: CloudClient;
  beforeEach(async () => {
    t = await startTestCloud({ engine });
    c = new CloudClient({ endpoint: t.cloud.url + '/', project: 'demo', token: t.tokens.demo, sleep: noSleep });
  });
  afterEach(async () => {
    c.dispose();
    await t.close();
  });

  it('health, put (created and updated), list, get, audit and delete', async () => {
    assert.deepEqual(await c.health(), { status: 'ok', version: '0.1.0' });
    const a = await c.putKey('STRIPE_KEY', 'sk_test_client_1');
    assert.deepEqual(a, { name: 'STRIPE_KEY', version: 1, digest: digestOf('sk_test_client_1'), created: true });
    const b = await c.putKey('STRIPE_KEY', 'sk_test_client_2', 1);
    assert.equal(b.version, 2);
    assert.equal(b.created, false);
    const list = await c.listKeys();
    assert.deepEqual(
      list.map((k) => [k.name, k.version, k.digest]),
      [['STRIPE_KEY', 2, digestOf('sk_test_client_2')]],
    );
    const details = await c.getKey('STRIPE_KEY');
    assert.deepEqual(
      details?.versions.map((v) => v.version),
      [1, 2],
    );
    assert.equal(await c.getKey('MISSING'), undefined);
    await c.deleteKey('STRIPE_KEY');
    const events = await c.audit(10);
    assert.deepEqual(
      events.map((e) => e.action),
      ['key.create', 'key.update', 'key.delete'],
    );
  });

  it('a token read through a function per request', async () => {
    let calls = 0;
    const lazy = new CloudClient({
      endpoint: t.cloud.url,
      project: 'demo',
      token: async () => {
        calls++;
        return t.tokens.demo;
      },
    });
    await lazy.listKeys();
    await lazy.listKeys();
    assert.equal(calls, 2);
    lazy.dispose();
    const none = new CloudClient({ endpoint: t.cloud.url, project: 'demo', token: () => undefined });
    const e = await rejectsWith(none.listKeys());
    assert.equal(e.code, 'unauthorized');
    assert.match(e.message, /not signed in/);
  });

  it('version_conflict carries currentVersion; key_in_use lists the functions', async () => {
    await c.putKey('CAS_KEY', 'first-value');
    const e = await rejectsWith(c.putKey('CAS_KEY', 'second-value', 0));
    assert.equal(e.code, 'version_conflict');
    assert.equal(e.status, 409);
    assert.equal(e.details.currentVersion, 1);
    assert.ok(!e.message.includes('second-value'));

    await deployFake(t.cloud, 'demo', 'create-checkout', ['CAS_KEY']);
    const inUse = await rejectsWith(c.deleteKey('CAS_KEY'));
    assert.equal(inUse.code, 'key_in_use');
    assert.deepEqual(inUse.details.functions, ['create-checkout']);
    assert.match(inUse.message, /create-checkout/);
    await c.deleteKey('CAS_KEY', { force: true });
    assert.equal(await c.getKey('CAS_KEY'), undefined);
  });

  it('validation errors come back as invalid_name / invalid_value with the problems', async () => {
    const e = await rejectsWith(c.putKey('lower', ''));
    assert.equal(e.code, 'invalid_name');
    assert.equal(e.status, 422);
    assert.equal((e.details.problems as unknown[]).length, 2);
    const big = await rejectsWith(c.putKey('BIG', 'x'.repeat(70 * 1024)));
    assert.equal(big.code, 'invalid_value');
    assert.ok(!big.message.includes('xxxxxxxx'));
  });

  it('401 says to sign in again and never shows the token', async () => {
    const wrong = new CloudClient({ endpoint: t.cloud.url, project: 'demo', token: t.tokens.other });
    const e = await rejectsWith(wrong.listKeys());
    assert.equal(e.code, 'unauthorized');
    assert.equal(e.status, 401);
    assert.match(e.message, /Sign in again with the command “CloudXLR: Sign In”/);
    assert.ok(!e.message.includes(t.tokens.other));
    wrong.dispose();
  });

  it('a PUT with ifVersion whose answer was lost is retried and recognised as applied', async () => {
    // The first attempt reaches the server, then the connection "fails" before the answer.
    let calls = 0;
    const flaky: FetchLike = async (url, init) => {
      calls++;
      const real = await (await import('node-fetch')).default(url, init as never);
      if (calls === 1) {
        await real.text();
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return real as never;
    };
    const lossy = new CloudClient({
      endpoint: t.cloud.url,
      project: 'demo',
      token: t.tokens.demo,
      fetch: flaky,
      sleep: noSleep,
    });
    const r = await lossy.putKey('LOST_ANSWER', 'the-value', 0);
    assert.equal(calls, 3); // attempt, retry (409), then the check
    assert.deepEqual(r, { name: 'LOST_ANSWER', version: 1, digest: digestOf('the-value'), created: true });
  });
});

describe('cloud client: network failures, retries, timeouts and bad answers', () => {
  it('unreachable: says how to start the local cloud', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const c = new CloudClient({ endpoint, project: 'demo', token: 'some-token', sleep: noSleep });
    const e = await rejectsWith(c.listKeys());
    assert.equal(e.code, 'unreachable');
    assert.equal(e.status, 0);
    assert.ok(e.isUnreachable);
    assert.equal(
      e.message,
      `The CloudXLR cloud at ${endpoint} is not reachable. Start it with the command “CloudXLR: Start Local Cloud”, or run “npx cloudxlr cloud start” in a terminal.`,
    );
    c.dispose();
  });

  it('a remote endpoint that is unreachable points at the network and the setting instead', async () => {
    const fail: FetchLike = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const c = new CloudClient({
      endpoint: 'https://cloud.example.invalid',
      project: 'demo',
      token: 't',
      fetch: fail,
      sleep: noSleep,
    });
    const e = await rejectsWith(c.listKeys());
    assert.equal(e.code, 'unreachable');
    assert.match(e.message, /Check your network connection and the setting “cloudxlr.cloud.endpoint”/);
  });

  it('retries GET on 502/503/504 with growing backoff, then succeeds', async () => {
    const s = await fakeServer((_req, res, n) => {
      if (n <= 2) {
        res.writeHead(n === 1 ? 503 : 502);
        res.end('busy');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ keys: [] }));
      }
    });
    const sleeps: number[] = [];
    const c = new CloudClient({
      endpoint: s.url,
      project: 'demo',
      token: 'tok',
      backoffMs: 100,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    assert.deepEqual(await c.listKeys(), []);
    assert.equal(s.count(), 3);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0] >= 50 && sleeps[0] <= 100, String(sleeps));
    assert.ok(sleeps[1] >= 100 && sleeps[1] <= 200, String(sleeps));
    c.dispose();
    await s.close();
  });

  it('gives up after the retries with a clear message', async () => {
    const s = await fakeServer((_req, res) => {
      res.writeHead(504);
      res.end();
    });
    const c = new CloudClient({ endpoint: s.url, project: 'demo', token: 'tok', retries: 3, sleep: noSleep });
    const e = await rejectsWith(c.getKey('A'));
    assert.equal(s.count(), 4);
    assert.equal(e.status, 504);
    assert.equal(e.code, 'unreachable');
    assert.match(e.message, /unavailable \(HTTP 504\)/);
    c.dispose();
    await s.close();
  });

  it('retries network errors for idempotent requests only', async () => {
    const s = await fakeServer((req) => req.socket.destroy());
    const c = new CloudClient({ endpoint: s.url, project: 'demo', token: 'tok', retries: 2, sleep: noSleep });
    assert.equal((await rejectsWith(c.deleteKey('A'))).code, 'unreachable');
    assert.equal(s.count(), 3);
    assert.equal((await rejectsWith(c.putKey('A', 'v', 4))).code, 'unreachable');
    assert.equal(s.count(), 6);
    // A PUT without ifVersion could apply twice: sent once.
    assert.equal((await rejectsWith(c.putKey('A', 'v'))).code, 'unreachable');
    assert.equal(s.count(), 7);
    c.dispose();
    await s.close();
  });

  it('does not retry 500 or 4xx', async () => {
    const s = await fakeServer((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'boom' } }));
    });
    const c = new CloudClient({ endpoint: s.url, project: 'demo', token: 'tok', sleep: noSleep });
    const e = await rejectsWith(c.listKeys());
    assert.equal(e.code, 'internal');
    assert.equal(s.count(), 1);
    assert.match(e.message, /internal error \(HTTP 500\)/);
    c.dispose();
    await s.close();
  });

  it('times out a request that gets no answer, per attempt', async () => {
    const s = await fakeServer(() => undefined); // never answers
    const c = new CloudClient({
      endpoint: s.url,
      project: 'demo',
      token: 'tok',
      timeoutMs: 150,
      retries: 1,
      sleep: noSleep,
    });
    const started = Date.now();
    const e = await rejectsWith(c.listKeys());
    assert.equal(e.code, 'timeout');
    assert.ok(e.isUnreachable);
    assert.match(e.message, /did not answer within 0\.2 s/);
    assert.equal(s.count(), 2);
    assert.ok(Date.now() - started < 2000);
    c.dispose();
    await s.close();
  });

  it('times out an answer whose body never ends', async () => {
    const s = await fakeServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"keys":[');
    });
    const c = new CloudClient({ endpoint: s.url, project: 'demo', token: 'tok', timeoutMs: 150, retries: 0 });
    assert.equal((await rejectsWith(c.listKeys())).code, 'timeout');
    c.dispose();
    await s.close();
  });

  it('garbage answers are bad_response with a clear message', async () => {
    const answers: Array<[number, string, string]> = [
      [200, 'text/html', '<html>login portal</html>'],
      [200, 'application/json', '{"keys": "not a list"}'],
      [200, 'application/json', '{"keys": [{"name": 1}]}'],
      [200, 'application/json', 'null'],
      [200, 'application/json', '{"keys":['],
      [404, 'text/html', '<h1>Not Found</h1>'],
      [418, 'application/json', '{"error": "teapot"}'],
      [400, 'application/json', '{"error": {"code": "Not Snake", "message": "x"}}'],
    ];
    for (const [status, type, body] of answers) {
      const s = await fakeServer((_req, res) => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(body);
      });
      const c = new CloudClient({ endpoint: s.url, project: 'demo', token: 'tok', sleep: noSleep });
      const e = await rejectsWith(c.listKeys());
      assert.equal(e.code, 'bad_response', body);
      assert.equal(e.status, status);
      assert.match(e.message, /answered in a form a CloudXLR cloud does not use/);
      assert.match(e.message, /cloudxlr\.cloud\.endpoint/);
      c.dispose();
      await s.close();
    }
  });

  it('never puts the token or the value in a message, even when a server echoes them', async () => {
    const s = await fakeServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const echoed = `${req.headers.authorization} ${body}`;
        res.writeHead(422, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { code: 'invalid_value', message: `Rejected: ${echoed}`, details: { echo: echoed } },
          }),
        );
      });
    });
    const token = 'cxlr_SECRET_TOKEN_abc123';
    const value = 'sk_live_SECRET_VALUE_987';
    const c = new CloudClient({ endpoint: s.url, project: 'demo', token, sleep: noSleep });
    const e = await rejectsWith(c.putKey('A', value));
    assert.equal(e.code, 'invalid_value');
    const all = e.message + JSON.stringify(e.details) + String(e.stack);
    assert.ok(!all.includes(token));
    assert.ok(!all.includes(value));
    assert.match(e.message, /\[REDACTED\]/);
    c.dispose();
    await s.close();
  });

  it('encodes names and project in the path', async () => {
    const paths: string[] = [];
    const s = await fakeServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(204);
      res.end();
    });
    const c = new CloudClient({ endpoint: s.url, project: 'my proj', token: 'tok', sleep: noSleep });
    await c.deleteKey('A/B', { force: true });
    assert.deepEqual(paths, ['/v1/projects/my%20proj/keys/A%2FB?force=true']);
    c.dispose();
    await s.close();
  });
});

describe('cloud client: identities and service tokens', () => {
  const info = {
    id: 'svc_1',
    name: 'github-actions',
    permissions: ['functions.deploy'],
    createdAt: '2026-12-01T10:00:00.000Z',
    expiresAt: '2026-12-31T10:00:00.000Z',
    hint: 'cxlr_svc_ab12',
    createdBy: 'mem_owner',
  };

  /** A server answering each "METHOD path" from `answers` (status, JSON body), recording requests. */
  async function answering(answers: Record<string, [number, unknown]>) {
    const seen: { method: string; url: string; body: string; auth: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization ?? '' });
        const [status, json] = answers[`${req.method} ${req.url}`] ?? [
          404,
          { error: { code: 'not_found', message: 'No route.' } },
        ];
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(json === undefined ? '' : JSON.stringify(json));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new CloudClient({ endpoint: url, project: 'demo', token: 'cxlr_mem_secret', sleep: noSleep });
    return {
      client,
      seen,
      close: async () => {
        client.dispose();
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it('me() returns the identity, its role and permissions', async () => {
    const me = {
      project: 'demo',
      identity: {
        id: 'mem_1',
        kind: 'member',
        name: 'alice@example.com',
        role: 'viewer',
        permissions: ['keys.describe', 'functions.describe', 'logs.read'],
      },
    };
    const s = await answering({ 'GET /v1/projects/demo/me': [200, me] });
    try {
      assert.deepEqual(await s.client.me(), me);
      assert.equal(s.seen[0]!.auth, 'Bearer cxlr_mem_secret');
    } finally {
      await s.close();
    }
  });

  it('an identity in another form, an unknown role or permission, is a bad answer', async () => {
    const base = { id: 'mem_1', kind: 'member', name: 'a', permissions: ['keys.describe'] };
    for (const identity of [
      { ...base, role: 'admin' },
      { ...base, permissions: ['keys.read'] },
      { ...base, kind: 'robot' },
      { ...base, name: 7 },
    ]) {
      const s = await answering({ 'GET /v1/projects/demo/me': [200, { project: 'demo', identity }] });
      try {
        const e = await rejectsWith(s.client.me());
        assert.equal(e.code, 'bad_response', JSON.stringify(identity));
      } finally {
        await s.close();
      }
    }
  });

  it('creates a service token: sends name, permissions and expiry once (no retry), returns the token once', async () => {
    const s = await answering({ 'POST /v1/projects/demo/tokens': [201, { token: 'cxlr_svc_ab12rest', info }] });
    try {
      const r = await s.client.createServiceToken({
        name: 'github-actions',
        permissions: ['functions.deploy'],
        expiresInDays: 30,
      });
      assert.equal(r.token, 'cxlr_svc_ab12rest');
      assert.deepEqual(r.info, info);
      assert.equal(s.seen.length, 1);
      assert.deepEqual(JSON.parse(s.seen[0]!.body), {
        name: 'github-actions',
        permissions: ['functions.deploy'],
        expiresInDays: 30,
      });
    } finally {
      await s.close();
    }
  });

  it('lists and revokes service tokens', async () => {
    const s = await answering({
      'GET /v1/projects/demo/tokens': [
        200,
        { tokens: [info, { ...info, id: 'svc_2', revokedAt: '2026-12-01T11:00:00.000Z' }] },
      ],
      'DELETE /v1/projects/demo/tokens/svc_1': [204, undefined],
    });
    try {
      const list = await s.client.listServiceTokens();
      assert.deepEqual(
        list.map((t) => [t.id, t.revokedAt]),
        [
          ['svc_1', undefined],
          ['svc_2', '2026-12-01T11:00:00.000Z'],
        ],
      );
      await s.client.revokeServiceToken('svc_1');
      assert.deepEqual(
        s.seen.map((r) => `${r.method} ${r.url}`),
        ['GET /v1/projects/demo/tokens', 'DELETE /v1/projects/demo/tokens/svc_1'],
      );
    } finally {
      await s.close();
    }
  });

  it('a 403 is a forbidden CloudError with the server’s message, never “HTTP 403”, and is not retried', async () => {
    const message = 'Your role (viewer) in project demo cannot write keys. Ask an owner of the project.';
    const s = await answering({
      'PUT /v1/projects/demo/keys/STRIPE_KEY': [
        403,
        { error: { code: 'forbidden', message, details: { permission: 'keys.write', role: 'viewer' } } },
      ],
      'GET /v1/projects/demo/tokens': [
        403,
        { error: { code: 'forbidden', message: 'Only owners manage service tokens.' } },
      ],
    });
    try {
      const e = await rejectsWith(s.client.putKey('STRIPE_KEY', 'sk_test_forbidden_value', 1));
      assert.equal(e.code, 'forbidden');
      assert.equal(e.status, 403);
      assert.equal(e.message, message);
      assert.equal(e.details.permission, 'keys.write');
      assert.ok(!/HTTP 403/.test(e.message));
      const t = await rejectsWith(s.client.listServiceTokens());
      assert.equal(t.message, 'Only owners manage service tokens.');
      assert.equal(s.seen.length, 2, 'a 403 was retried');
    } finally {
      await s.close();
    }
  });

  it('a 403 without a readable message names what the identity may not do', async () => {
    const s = await answering({
      'POST /v1/projects/demo/functions/hello/invoke': [
        403,
        { error: { code: 'forbidden', details: { permission: 'functions.invoke' } } },
      ],
    });
    try {
      const e = await rejectsWith(s.client.invoke('hello'));
      assert.equal(e.code, 'forbidden');
      assert.match(e.message, /may not invoke functions\. Ask an owner of the project for the permission\./);
      assert.ok(!/HTTP 403/.test(e.message));
    } finally {
      await s.close();
    }
  });

  it('ready() reads the readiness answer, without a token', async () => {
    const s = await answering({ 'GET /v1/ready': [200, { status: 'ready', storage: 'postgres' }] });
    try {
      assert.deepEqual(await s.client.ready(), { status: 'ready', storage: 'postgres' });
      assert.equal(s.seen[0]!.auth, '', 'readiness needs no token');
    } finally {
      await s.close();
    }
  });
});

describeEachEngine('cloud client: identities against the local cloud', (engine) => {
  let t: TestCloud;
  let owner: CloudClient;
  const clients: CloudClient[] = [];
  const as = (token: string): CloudClient => {
    const c = new CloudClient({ endpoint: t.cloud.url, project: 'demo', token, sleep: noSleep });
    clients.push(c);
    return c;
  };
  before(async function () {
    this.timeout(60_000);
    t = await startTestCloud({ engine });
    owner = as(t.tokens.demo);
  });
  after(async () => {
    for (const c of clients) c.dispose();
    await t?.close();
  });

  it('me() names the project token an owner, and a member by name and role', async () => {
    const me = await owner.me();
    assert.equal(me.project, 'demo');
    assert.equal(me.identity.kind, 'project-token');
    assert.equal(me.identity.role, 'owner');
    const res = await fetch(`${t.cloud.url}/v1/projects/demo/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'viewer@example.com', role: 'viewer' }),
    });
    assert.equal(res.status, 201);
    const viewer = as(((await res.json()) as { token: string }).token);
    const who = (await viewer.me()).identity;
    assert.deepEqual([who.kind, who.name, who.role], ['member', 'viewer@example.com', 'viewer']);
    const e = await rejectsWith(viewer.putKey('VIEWER_WRITE', 'sk_test_viewer_value'));
    assert.equal(e.code, 'forbidden');
    assert.match(e.message, /viewer, which cannot write keys/);
    assert.ok(!e.message.includes('HTTP 403'));
  });

  it('a service token created, listed and revoked: shown once, deploy-only, then refused', async () => {
    const { token, info } = await owner.createServiceToken({
      name: 'ci deploy',
      permissions: ['keys.describe', 'functions.describe', 'functions.deploy'],
      expiresInDays: 7,
    });
    assert.ok(token.startsWith('cxlr_svc_'));
    assert.equal(info.hint, token.slice(0, 13));
    const listed = await owner.listServiceTokens();
    assert.ok(listed.some((x) => x.id === info.id));
    assert.ok(!JSON.stringify(listed).includes(token), 'a listing holds the token');
    const ci = as(token);
    assert.ok(Array.isArray(await ci.listKeys()));
    const e = await rejectsWith(ci.putKey('CI_WRITE', 'sk_test_ci_value'));
    assert.equal(e.code, 'forbidden');
    await owner.revokeServiceToken(info.id);
    const gone = await rejectsWith(ci.listKeys());
    assert.equal(gone.code, 'unauthorized');
  });
});
