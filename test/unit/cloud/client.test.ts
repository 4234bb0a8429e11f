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
