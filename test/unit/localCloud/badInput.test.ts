import { strict as assert } from 'assert';
import * as http from 'http';
import * as net from 'net';
import { client, errorOf, request, describeEachEngine, startTestCloud, type TestCloud } from './helpers';

/** Sends raw bytes on a fresh connection and returns everything the server sends back. */
function raw(base: string, bytes: Buffer | string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(e),
    );
    socket.end(bytes);
  });
}

function statusOf(rawAnswer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(rawAnswer)?.[1] ?? 0);
}

function bodyOf(rawAnswer: string): { error: { code: string; message: string } } {
  return JSON.parse(rawAnswer.slice(rawAnswer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
}

describeEachEngine(
  'local cloud: bad input gets contract errors, changes nothing, and never kills the server',
  (engine) => {
    let t: TestCloud;
    let api: ReturnType<typeof client>;
    const keys = '/v1/projects/demo/keys';

    before(async () => {
      t = await startTestCloud({ engine });
      api = client(t.cloud.url, t.tokens.demo);
    });
    after(() => t.close());
    afterEach(async () => {
      // After every bad request the server still answers, and nothing was stored.
      const health = await request(t.cloud.url, 'GET', '/v1/health');
      assert.equal(health.status, 200);
      const list = await api('GET', keys);
      assert.deepEqual(list.json.keys, []);
    });

    it('malformed JSON is 400 invalid_request and does not echo the body', async () => {
      const res = await api('PUT', `${keys}/A`, { body: '{"value": "sk_live_echo_me' });
      assert.equal(res.status, 400);
      assert.equal(errorOf(res).code, 'invalid_request');
      assert.ok(!res.text.includes('sk_live_echo_me'));
    });

    it('a body that is not a JSON object, empty, or not UTF-8 is 400', async () => {
      for (const body of [
        '[]',
        '"just a string"',
        'null',
        '42',
        '',
        Buffer.from([0x7b, 0x22, 0x76, 0xff, 0xfe, 0x22, 0x7d]),
      ]) {
        const res = await api('PUT', `${keys}/A`, { body, headers: { 'Content-Type': 'application/json' } });
        assert.equal(res.status, 400, String(body));
        assert.equal(errorOf(res).code, 'invalid_request');
      }
    });

    it('wrong types are 400 with every problem listed, including 422-class ones', async () => {
      const res = await api('PUT', `${keys}/lower`, { body: { value: 42, ifVersion: '1', extra: true } });
      assert.equal(res.status, 400);
      const e = errorOf(res);
      assert.equal(e.code, 'invalid_request');
      const problems = e.details?.problems as Array<{ field: string; code: string }>;
      assert.deepEqual(problems.map((p) => [p.field, p.code]).sort(), [
        ['extra', 'invalid_request'],
        ['ifVersion', 'invalid_request'],
        ['name', 'invalid_name'],
        ['value', 'invalid_request'],
      ]);
      for (const body of [
        {},
        { value: null },
        { value: ['a'] },
        { value: 'ok', ifVersion: -1 },
        { value: 'ok', ifVersion: 1.5 },
        { value: 'ok', ifVersion: 2 ** 60 },
      ]) {
        const r = await api('PUT', `${keys}/A`, { body });
        assert.equal(r.status, 400, JSON.stringify(body));
      }
    });

    it('an invalid name and an invalid value are one 422 listing both', async () => {
      const res = await api('PUT', `${keys}/CLOUDXLR_RESERVED`, { body: { value: '' } });
      assert.equal(res.status, 422);
      const e = errorOf(res);
      assert.equal(e.code, 'invalid_name');
      const problems = e.details?.problems as Array<{ field: string; code: string }>;
      assert.deepEqual(
        problems.map((p) => p.code),
        ['invalid_name', 'invalid_value'],
      );
      const surrogate = await api('PUT', `${keys}/GOOD_NAME`, { body: '{"value":"abc\\ud800def"}' });
      assert.equal(surrogate.status, 422);
      assert.equal(errorOf(surrogate).code, 'invalid_value');
      const pair = await api('PUT', `${keys}/EMOJI`, { body: '{"value":"key \\ud83d\\udd11"}' });
      assert.equal(pair.status, 201);
      await api('DELETE', `${keys}/EMOJI`);
      const value = await api('PUT', `${keys}/GOOD_NAME`, { body: { value: '' } });
      assert.equal(value.status, 422);
      assert.equal(errorOf(value).code, 'invalid_value');
    });

    it('names with path separators, dots, unicode, controls or bad encoding are 422, 404 or 400, never 5xx', async () => {
      const cases: Array<[string, number[]]> = [
        ['A%2FB', [422]],
        ['A%2fB', [422]],
        ['A%5CB', [422]],
        ['..', [422]],
        ['%2E%2E', [422]],
        ['.', [422]],
        ['A.B', [422]],
        ['K%C3%89Y', [422]],
        ['%F0%9F%94%91', [422]],
        ['A%00', [422]],
        ['lower_case', [422]],
        ['CLOUDXLR_X', [422]],
        ['A'.repeat(129), [422]],
        ['%E0%A4%A', [400]],
        ['%', [400]],
        ['A/B', [404]],
        ['../keys', [404]],
        ['', [404, 405]],
      ];
      for (const [name, statuses] of cases) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const res = await api(method, `${keys}/${name}`, method === 'PUT' ? { body: { value: 'x' } } : {});
          assert.ok(statuses.includes(res.status), `${method} ${name}: ${res.status}`);
          assert.ok(errorOf(res).code);
        }
      }
      assert.equal(errorOf(await api('GET', `${keys}/A%2FB`)).code, 'invalid_name');
    });

    it('raw non-ASCII bytes in the path are answered, not crashed on', async () => {
      const answer = await raw(
        t.cloud.url,
        Buffer.concat([
          Buffer.from(`GET ${keys}/K`),
          Buffer.from('É', 'utf8'),
          Buffer.from(
            `Y HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.tokens.demo}\r\nConnection: close\r\n\r\n`,
          ),
        ]),
      );
      const status = statusOf(answer);
      assert.ok(status >= 400 && status < 500, answer.slice(0, 100));
    });

    it('a 13 MiB body is 413 payload_too_large (declared length and chunked)', async () => {
      const big = Buffer.alloc(13 * 1024 * 1024, 0x61);
      const declared = await api('PUT', `${keys}/A`, { body: big });
      assert.equal(declared.status, 413);
      assert.equal(errorOf(declared).code, 'payload_too_large');

      const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const url = new URL(t.cloud.url);
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: 'PUT',
            path: `${keys}/A`,
            agent: false,
            headers: {
              Authorization: `Bearer ${t.tokens.demo}`,
              'Content-Type': 'application/json',
              'Transfer-Encoding': 'chunked',
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        const piece = Buffer.alloc(1024 * 1024, 0x61);
        for (let i = 0; i < 13; i++) req.write(piece);
        req.end();
      });
      assert.equal(chunked.status, 413);
      assert.equal(JSON.parse(chunked.text).error.code, 'payload_too_large');
    });

    it('a body far beyond the limit gets 413 and the connection closed, without reading it all', async () => {
      const answer = await raw(
        t.cloud.url,
        `PUT ${keys}/A HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.tokens.demo}\r\nContent-Length: ${10 * 1024 * 1024 * 1024}\r\n\r\n{"value":"`,
      );
      assert.equal(statusOf(answer), 413);
      assert.match(answer, /connection: close/i);
      assert.equal(bodyOf(answer).error.code, 'payload_too_large');
    });

    it('huge headers are 431 headers_too_large in the contract format', async () => {
      const answer = await raw(
        t.cloud.url,
        `GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      );
      assert.equal(statusOf(answer), 431);
      assert.equal(bodyOf(answer).error.code, 'headers_too_large');
    });

    it('garbage that is not HTTP is 400 in the contract format', async () => {
      const answer = await raw(t.cloud.url, 'HELLO THERE\r\n\r\n');
      assert.equal(statusOf(answer), 400);
      assert.equal(bodyOf(answer).error.code, 'invalid_request');
    });

    it('survives a client that disconnects mid-body', async () => {
      const url = new URL(t.cloud.url);
      await new Promise<void>((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname, () => {
          socket.write(
            `PUT ${keys}/A HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.tokens.demo}\r\nContent-Length: 1000\r\n\r\n{"value":"ab`,
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
      });
    });

    it('random paths, methods and bodies never get a 5xx', async () => {
      let seed = 42;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const alphabet = Array.from('AZaz09_-./%\\:?#&=é🔑 \u0000\u202e{}"');
      const word = (): string => Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
      const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
      const bodies = [
        '',
        '{',
        '{"value":1}',
        '{"value":"x","ifVersion":"0"}',
        '[1,2]',
        '{"value":"\\ud800"}',
        'null',
        '{"__proto__":{"x":1}}',
        '{"constructor":{}}',
      ];
      for (let i = 0; i < 300; i++) {
        const segs = [
          'v1',
          'projects',
          rand(3) ? 'demo' : word(),
          rand(4) ? 'keys' : word(),
          encodeURIComponent(word()),
        ].slice(0, 2 + rand(4));
        const res = await api(methods[rand(methods.length)], '/' + segs.join('/'), {
          body: bodies[rand(bodies.length)],
        });
        assert.ok(res.status < 500, `${res.status} for ${segs.join('/')}`);
      }
    });
  },
);

describe('local cloud: genuine bugs are 500 internal without details, and the server lives on', () => {
  it('hides the message and stack of an unexpected error, and keeps answering', async () => {
    const logs: string[] = [];
    const t = await startTestCloud({
      log: (line) => logs.push(line),
      routes: [
        (router) => {
          router.public('GET', '/v1/test/bug', () => {
            throw new TypeError('bug while handling sk_live_LEAKED_VALUE');
          });
          router.project('GET', '/v1/projects/:project/test/async-bug', 'keys.describe', async () => {
            await new Promise((r) => setTimeout(r, 1));
            throw new Error('async bug with sk_live_LEAKED_VALUE');
          });
        },
      ],
    });
    try {
      for (const [p, token] of [
        ['/v1/test/bug', undefined],
        ['/v1/projects/demo/test/async-bug', t.tokens.demo],
      ] as const) {
        const res = await request(t.cloud.url, 'GET', p, { token });
        assert.equal(res.status, 500);
        const e = errorOf(res);
        assert.equal(e.code, 'internal');
        assert.ok(!res.text.includes('LEAKED') && !res.text.includes('at '), res.text);
      }
      assert.ok(!logs.join('\n').includes('LEAKED'));
      assert.ok(logs.some((l) => l.includes('Internal error (TypeError)')));
      assert.equal((await request(t.cloud.url, 'GET', '/v1/health')).status, 200);
      const head = await request(t.cloud.url, 'HEAD', '/v1/health');
      assert.equal(head.status, 200);
      assert.equal(head.text, '');
    } finally {
      await t.close();
    }
  });
});
