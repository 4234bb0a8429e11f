// Attacks on the cloud's edge over real HTTP (the server in this process, with short limits so
// that timeouts can be waited for): slow clients, queues, budgets, hostile JSON, results that
// cannot be sent, foreign Host names, and hostile input to every route.
import { strict as assert } from 'assert';
import * as net from 'net';
import { sha256Hex } from '../../../src/localCloud/functions/validate';
import { Router } from '../../../src/localCloud/router';
import { routeModules } from '../../../src/localCloud/routes';
import { errorOf, request, startTestCloud, type RawResponse, type TestCloud } from './helpers';

const TOKEN = 'edge-abuse-token-0123456789';

async function deploy(t: TestCloud, name: string, code: string): Promise<void> {
  const res = await request(t.cloud.url, 'PUT', `/v1/projects/demo/functions/${name}`, {
    token: TOKEN,
    body: { runtime: 'node20', code, sha256: sha256Hex(code), secrets: [] },
  });
  assert.ok(res.status === 201 || res.status === 200, res.text);
}

/**
 * Sends the request line and headers (and `body`, if any) on a raw socket, then nothing more;
 * resolves with what the server answered and when, or with status 0 if it closed silently.
 */
function headersOnly(base: string, head: string, body = ''): Promise<{ status: number; ms: number; text: string }> {
  const url = new URL(base);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(head + body));
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\r\n\r\n') && /\r\n\r\n[\s\S]*\}/.test(text)) {
        socket.destroy();
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), ms: Date.now() - started, text });
      }
    });
    socket.on('close', () =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), ms: Date.now() - started, text }),
    );
    socket.on('error', () => undefined);
  });
}

/** Trickles bytes one small piece at a time; resolves when the server answers or closes. */
function trickle(
  base: string,
  first: string,
  piece: string,
  everyMs: number,
): Promise<{ closedAfterMs: number; text: string }> {
  const url = new URL(base);
  const started = Date.now();
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(first));
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(piece);
    }, everyMs);
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, text });
    });
    // The test's own bound: a server that never closes fails below, after 8 s.
    setTimeout(() => socket.destroy(), 8000).unref();
  });
}

describe('local cloud edge: abuse over HTTP', function () {
  this.timeout(60_000);

  describe('slow clients', () => {
    let t: TestCloud;
    before(async () => {
      t = await startTestCloud({ token: TOKEN, limits: { headersTimeoutMs: 1500, requestTimeoutMs: 3000 } });
    });
    after(() => t.close());

    it('headers trickled in (slow loris) get 408 and the connection closed at the headers timeout', async () => {
      const r = await trickle(t.cloud.url, 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-A: 1\r\n', 200);
      assert.ok(r.closedAfterMs < 4000, `closed after ${r.closedAfterMs} ms`);
      assert.match(r.text, /^HTTP\/1\.1 408/);
    });

    it('a body trickled in gets 408 and the connection closed at the request timeout', async () => {
      const head = `PUT /v1/projects/demo/keys/SLOW HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"value":"`;
      const r = await trickle(t.cloud.url, head, 'a', 200);
      assert.ok(r.closedAfterMs < 6000, `closed after ${r.closedAfterMs} ms`);
      assert.match(r.text, /^HTTP\/1\.1 408/);
      assert.equal((await request(t.cloud.url, 'GET', '/v1/projects/demo/keys/SLOW', { token: TOKEN })).status, 404);
    });
  });

  describe('the public trigger under load', () => {
    let t: TestCloud;
    before(async () => {
      t = await startTestCloud({
        token: TOKEN,
        limits: { functionConcurrency: 1, functionQueue: 1, bodyBudgetBytes: 4 * 1024 * 1024 },
      });
      await deploy(
        t,
        'slow',
        'module.exports = async (req) => { await new Promise((r) => setTimeout(r, 1500)); return { got: req.body }; };',
      );
    });
    after(() => t.close());

    it('an unknown function is 404 at once, without waiting for the 12 MB body it announced', async () => {
      const r = await headersOnly(
        t.cloud.url,
        'POST /fn/demo/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 12000000\r\n\r\n',
      );
      assert.equal(r.status, 404, r.text);
      assert.ok(r.ms < 1000, `${r.ms} ms`);
      const other = await headersOnly(
        t.cloud.url,
        'POST /fn/nobody/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12000000\r\n\r\n',
      );
      assert.equal(other.status, 404, other.text);
    });

    it("past the function's running and waiting places, 429 with Retry-After at once, before reading the body", async () => {
      const url = `${t.cloud.url}/fn/demo/slow`;
      const running = fetch(url, { method: 'POST', body: '{"n":1}', headers: { 'Content-Type': 'application/json' } });
      await new Promise((r) => setTimeout(r, 200));
      const waiting = fetch(url, { method: 'POST', body: '{"n":2}', headers: { 'Content-Type': 'application/json' } });
      await new Promise((r) => setTimeout(r, 200));
      const refused = await headersOnly(
        t.cloud.url,
        'POST /fn/demo/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://page.test\r\nContent-Type: application/json\r\nContent-Length: 12000000\r\n\r\n',
      );
      assert.equal(refused.status, 429, refused.text);
      assert.ok(refused.ms < 1000, `${refused.ms} ms`);
      assert.match(refused.text, /retry-after: 1\r\n/i);
      assert.match(refused.text, /access-control-allow-origin: \*/i);
      assert.match(refused.text, /"code":"too_many_requests"/);
      // Those admitted still run, in order.
      assert.deepEqual(await (await running).json(), { got: { n: 1 } });
      assert.deepEqual(await (await waiting).json(), { got: { n: 2 } });
    });

    it('a body the body budget cannot hold is 503 with Retry-After at once', async () => {
      const r = await headersOnly(
        t.cloud.url,
        'POST /fn/demo/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 6000000\r\n\r\n',
      );
      assert.equal(r.status, 503, r.text);
      assert.ok(r.ms < 1000, `${r.ms} ms`);
      assert.match(r.text, /retry-after: 1\r\n/i);
      assert.match(r.text, /"code":"server_busy"/);
    });
  });

  describe('hostile JSON and results', () => {
    let t: TestCloud;
    before(async () => {
      t = await startTestCloud({ token: TOKEN });
      await deploy(t, 'echo', 'module.exports = async (req) => ({ got: req.body });');
      await deploy(t, 'cyclic', 'module.exports = async () => { const a = { b: 1 }; a.self = a; return a; };');
      await deploy(
        t,
        'deep',
        'module.exports = async () => { let a = []; for (let i = 0; i < 200000; i++) a = [a]; return a; };',
      );
      await deploy(
        t,
        'forged',
        "module.exports = async (req, ctx) => { process.send({ t: 'done', inv: ctx.requestId, ok: true, json: '['.repeat(200000) + ']'.repeat(200000) }); return new Promise(() => undefined); };",
      );
    });
    after(() => t.close());

    it('JSON nested 100,000 deep is 400 and JSON with millions of values 413, each in well under a second', async () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      for (const [path, body] of [
        ['/fn/demo/echo', deep],
        ['/v1/projects/demo/functions/echo/invoke', `{"payload":${deep}}`],
        ['/v1/projects/demo/keys/DEEP', `{"value":${deep}}`],
      ]) {
        const started = Date.now();
        const res = await request(t.cloud.url, 'POST', path, { token: TOKEN, body });
        if (path.includes('/keys/')) assert.ok(res.status === 405 || res.status === 400, `${path}: ${res.status}`);
        else {
          assert.equal(res.status, 400, `${path}: ${res.text}`);
          assert.match(errorOf(res).message, /nested more than 100 levels/);
        }
        assert.ok(Date.now() - started < 1000, `${path}: ${Date.now() - started} ms`);
      }
      const put = await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/DEEP', {
        token: TOKEN,
        body: `{"value":${deep}}`,
      });
      assert.equal(put.status, 400);
      assert.match(errorOf(put).message, /nested more than 100 levels/);

      const many = `[${'0,'.repeat(3_000_000)}0]`;
      const started = Date.now();
      const res = await request(t.cloud.url, 'POST', '/fn/demo/echo', { body: many });
      assert.equal(res.status, 413, res.text);
      assert.match(errorOf(res).message, /more than 200000 values/);
      assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
      // Ordinary JSON still goes through.
      const ok = await request(t.cloud.url, 'POST', '/fn/demo/echo', { body: { a: [1, { b: 'c' }] } });
      assert.deepEqual(ok.json, { got: { a: [1, { b: 'c' }] } });
    });

    it('cyclic, 200,000-deep and forged deep results are a clear 502, never 500 internal', async () => {
      for (const name of ['cyclic', 'deep', 'forged']) {
        const res = await request(t.cloud.url, 'POST', `/fn/demo/${name}`, { body: {} });
        assert.equal(res.status, 502, `${name}: ${res.status} ${res.text.slice(0, 200)}`);
        const e = errorOf(res);
        assert.equal(e.code, 'function_error');
        assert.ok(e.message.length > 20, e.message);
        const inv = await request(t.cloud.url, 'POST', `/v1/projects/demo/functions/${name}/invoke`, {
          token: TOKEN,
          body: { payload: {} },
        });
        assert.ok(
          inv.status === 502 || (inv.status === 200 && inv.json.status === 'error'),
          `${name} invoke: ${inv.status} ${inv.text.slice(0, 200)}`,
        );
        assert.notEqual(inv.json?.error?.code, 'internal');
      }
      assert.equal((await request(t.cloud.url, 'GET', '/v1/health')).status, 200);
    });
  });

  describe('Host names (DNS rebinding)', () => {
    let t: TestCloud;
    before(async () => {
      t = await startTestCloud({
        token: TOKEN,
        allowedHosts: ['cloud.example.test', 'proxy.example.test:8443'],
        env: { CLOUDXLR_ALLOWED_HOSTS: 'team.example.test, other.example.test' },
      });
      await deploy(t, 'echo', 'module.exports = async (req) => ({ got: req.body });');
    });
    after(() => t.close());

    const withHost = (method: string, path: string, host: string, body?: unknown): Promise<RawResponse> =>
      request(t.cloud.url, method, path, { token: TOKEN, headers: { Host: host }, body });

    it('the API answers loopback names and configured ones, and 421 for any other name', async () => {
      const port = new URL(t.cloud.url).port;
      for (const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        `[::1]:${port}`,
        'localhost',
        `LOCALHOST.:${port}`,
        `cloud.example.test:${port}`,
        'team.example.test',
        'other.example.test:1',
        'proxy.example.test:8443',
      ]) {
        assert.equal((await withHost('GET', '/v1/projects/demo/keys', host)).status, 200, host);
      }
      for (const host of [
        `evil.example:${port}`,
        'evil.example',
        `127.0.0.1.evil.example:${port}`,
        `localhost.evil.example:${port}`,
        'proxy.example.test:9999',
        `cloud.example.test.evil:${port}`,
      ]) {
        for (const [method, path] of [
          ['GET', '/v1/health'],
          ['GET', '/v1/projects/demo/keys'],
          ['PUT', '/v1/projects/demo/keys/REBOUND'],
          ['GET', '/nothing'],
        ]) {
          const res = await withHost(method, path, host, method === 'PUT' ? { value: 'sk_test_rebound' } : undefined);
          assert.equal(res.status, 421, `${method} ${path} with Host ${host}: ${res.status}`);
          const e = errorOf(res);
          assert.equal(e.code, 'host_not_allowed');
          assert.match(e.message, /--allowed-host/);
        }
      }
      assert.equal(
        (await request(t.cloud.url, 'GET', '/v1/projects/demo/keys/REBOUND', { token: TOKEN })).status,
        404,
        'nothing was stored',
      );
    });

    it('the public /fn/ trigger answers any Host name, as pages of any origin may call it', async () => {
      const res = await withHost('POST', '/fn/demo/echo', 'evil.example:80', { a: 1 });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { got: { a: 1 } });
    });
  });

  describe('hostile input to every route', () => {
    let t: TestCloud;
    before(async () => {
      t = await startTestCloud({ token: TOKEN });
      await deploy(t, 'echo', 'module.exports = async (req) => ({ got: req.body });');
      assert.equal(
        (
          await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/A_KEY', {
            token: TOKEN,
            body: { value: 'sk_test_hostile_0123' },
          })
        ).status,
        201,
      );
    });
    after(() => t.close());

    it('no route answers 500 internal (or any 5xx but 502/503) for hostile paths, queries, headers or bodies', async function () {
      this.timeout(300_000);
      const router = new Router();
      for (const register of routeModules) register(router);
      const routes = router.list();
      assert.ok(routes.length >= 14, `only ${routes.length} routes`);

      const names = [
        'A_KEY',
        'echo',
        '%E0%A4%A',
        '%',
        'A'.repeat(3000),
        '..',
        '%00',
        '%F0%9F%94%91',
        'x%2Fy',
        '__proto__',
        'constructor',
        "x'%3B--",
        '%EF%BF%BF',
      ];
      const projects = ['demo', 'Demo', '%', '__proto__', 'x'.repeat(300)];
      const queries = [
        '',
        '?limit=-1',
        '?limit=1e99',
        '?limit=99999999999999999999',
        '?limit=',
        '?force=maybe',
        '?force=true&force=false',
        '?%zz=1',
        '?limit=%E0',
      ];
      const deep = '['.repeat(5000) + ']'.repeat(5000);
      const bodies: Array<string | Buffer> = [
        '',
        '{',
        'null',
        '[]',
        '"s"',
        '1e999',
        deep,
        `{"payload":${deep},"value":${deep},"code":${deep}}`,
        `[${'{},'.repeat(300_000)}{}]`,
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
        '{"value":{"toString":1},"ifVersion":{"valueOf":1}}',
        '{"release":1e309,"payload":1e309}',
        '{"runtime":[],"code":null,"sha256":{},"secrets":"x","env":[1],"timeoutMs":"9"}',
        '{"runtime":"node20","code":"x","sha256":"00","secrets":[{"name":{},"version":-1},null,7],"env":{"__proto__":1,"A":{}}}',
        '{"value":"\\ud800","payload":"\\udfff"}',
        Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      ];
      const contentTypes = ['application/json', 'text/plain', 'application/x-www-form-urlencoded; charset=utf-16'];
      const failures: string[] = [];
      let sent = 0;
      const check = (label: string, res: RawResponse): void => {
        sent++;
        const code = res.json?.error?.code;
        if (
          res.status === 500 ||
          code === 'internal' ||
          (res.status >= 500 && res.status !== 502 && res.status !== 503)
        ) {
          failures.push(`${label}: ${res.status} ${res.text.slice(0, 120)}`);
        }
      };
      // Deletes last, so the other routes meet an existing key and function.
      const ordered = [...routes].sort(
        (a, b) => Number(a.methods.includes('DELETE')) - Number(b.methods.includes('DELETE')),
      );
      for (const route of ordered) {
        const fill = (project: string, name: string): string =>
          route.pattern.replace(':project', project).replace(':name', name);
        const paths = new Set<string>();
        for (const name of names) paths.add(fill('demo', name));
        for (const project of projects) paths.add(fill(project, 'echo'));
        for (const method of route.methods) {
          for (const path of paths) {
            if (method === 'PUT' || method === 'POST') {
              for (const [i, body] of bodies.entries()) {
                const contentType = contentTypes[i % contentTypes.length];
                check(
                  `${method} ${path.slice(0, 80)} body#${i}`,
                  await request(t.cloud.url, method, path, {
                    token: TOKEN,
                    body,
                    headers: { 'Content-Type': contentType },
                  }),
                );
              }
            } else {
              for (const q of queries)
                check(
                  `${method} ${path.slice(0, 80)}${q}`,
                  await request(t.cloud.url, method, path + q, { token: TOKEN }),
                );
            }
          }
          // Without a token, and with hostile headers.
          const path = fill('demo', 'echo');
          check(`${method} ${path} no token`, await request(t.cloud.url, method, path));
          check(
            `${method} ${path} odd headers`,
            await request(t.cloud.url, method, path, {
              headers: {
                Authorization: 'Bearer ' + 'x'.repeat(8000),
                'Content-Type': 'application/json;;;charset=x',
                Origin: 'null',
                'Access-Control-Request-Headers': 'x'.repeat(2000),
              },
            }),
          );
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${sent} requests got a 5xx`);
      assert.ok(sent > 1000, `${sent} requests`);
      assert.equal((await request(t.cloud.url, 'GET', '/v1/health')).status, 200);
    });
  });
});
