// The Cloud Functions part of the local cloud over real HTTP: deploy validation, the runtime's
// key access and isolation, redaction, limits, rollback, logs and the public trigger.
import * as assert from 'assert';
import { describeEachEngine } from '../localCloud/helpers';
import { PROJECT, startTestCloud, type TestCloud } from './helpers';

const STRIPE = 'sk_live_51Habcdefghijklmnop0123456789';
const STRIPE_2 = 'sk_live_51Hrotatedrotated9876543210';
const OTHER = 'other-secret-value-abcdef-42';

const fn = (name: string): string => `/v1/projects/${PROJECT}/functions/${name}`;

describeEachEngine('functions: local cloud over HTTP', function (engine) {
  this.timeout(30_000);
  let t: TestCloud;

  before(async () => {
    t = await startTestCloud(engine);
    assert.strictEqual(await t.putKey('STRIPE_SECRET_KEY', STRIPE), 201);
    assert.strictEqual(await t.putKey('OTHER_KEY', OTHER), 201);
  });
  after(async () => {
    await t.close();
  });

  describe('deploy validation', () => {
    it('lists secret_in_bundle, missing_keys and env_conflict at once and changes nothing', async () => {
      const code = `module.exports = async () => ({ k: ${JSON.stringify(STRIPE)} });`;
      const r = await t.deploy('leaky', code, {
        secrets: [
          { name: 'STRIPE_SECRET_KEY', version: 'latest' },
          { name: 'NOT_THERE', version: 'latest' },
          { name: 'OTHER_KEY', version: 99 },
        ],
        env: { STRIPE_SECRET_KEY: 'x', MODE: 'test' },
      });
      assert.strictEqual(r.status, 422);
      const codes = r.body.error.details.problems.map((p: { code: string }) => p.code).sort();
      assert.deepStrictEqual(codes, ['env_conflict', 'missing_keys', 'missing_keys', 'secret_in_bundle']);
      assert.deepStrictEqual(r.body.error.details.keys, ['STRIPE_SECRET_KEY']);
      assert.deepStrictEqual(r.body.error.details.missing.sort(), ['NOT_THERE', 'OTHER_KEY']);
      assert.deepStrictEqual(r.body.error.details.names, ['STRIPE_SECRET_KEY']);
      assert.ok(!JSON.stringify(r.body).includes(STRIPE), 'the answer never holds the value');
      const get = await t.api('GET', fn('leaky'));
      assert.strictEqual(get.status, 404);
      const audit = await t.api('GET', `/v1/projects/${PROJECT}/audit`);
      assert.ok(!audit.body.events.some((e: { action: string }) => e.action.startsWith('function.')));
    });

    it('finds JSON-escaped and base64 forms of a value in the code', async () => {
      await t.putKey('PEM_KEY', 'line-one-of-key\n"quoted"-part');
      const escaped = JSON.stringify('line-one-of-key\n"quoted"-part').slice(1, -1);
      const r1 = await t.deploy('esc', `module.exports = async () => "${escaped}";`);
      assert.strictEqual(r1.status, 422);
      assert.deepStrictEqual(r1.body.error.details.keys, ['PEM_KEY']);
      const b64 = Buffer.from(OTHER).toString('base64');
      const r2 = await t.deploy('b64', `module.exports = async () => Buffer.from("${b64}", "base64").toString();`);
      assert.strictEqual(r2.status, 422);
      assert.deepStrictEqual(r2.body.error.details.keys, ['OTHER_KEY']);
    });

    it('answers 400 for shape problems (sha256 mismatch, unknown runtime) and still lists the rest', async () => {
      const r = await t.api('PUT', fn('Bad_Name'), {
        runtime: 'python3',
        code: 'module.exports = async () => 1',
        sha256: '0'.repeat(64),
        secrets: 'no',
        extra: 1,
      });
      assert.strictEqual(r.status, 400);
      assert.strictEqual(r.body.error.code, 'invalid_request');
      const fields = r.body.error.details.problems
        .map((p: { field: string; code: string }) => `${p.field}:${p.code}`)
        .sort();
      assert.deepStrictEqual(fields, [
        'extra:invalid_request',
        'name:invalid_name',
        'runtime:invalid_request',
        'secrets:invalid_request',
        'sha256:invalid_request',
      ]);
    });

    it('answers 413 payload_too_large for code over 10 MiB', async () => {
      const code = `module.exports = async () => 1; //${'x'.repeat(10 * 1024 * 1024)}`;
      const r = await t.deploy('big', code);
      assert.strictEqual(r.status, 413);
      assert.strictEqual(r.body.error.code, 'payload_too_large');
    });
  });

  describe('runtime', () => {
    before(async () => {
      const code = `
        module.exports.default = async (request, ctx) => {
          const key = await ctx.secrets.get('STRIPE_SECRET_KEY');
          console.log('using key', key);
          ctx.log.warn('json form', JSON.stringify({ key }));
          if (request.body && request.body.fail) throw new Error('provider refused ' + key);
          if (request.body && request.body.undeclared) return await ctx.secrets.get('OTHER_KEY');
          return { last4: key.slice(-4), mode: ctx.env.MODE, inEnv: Object.values(process.env).includes(key) };
        };`;
      const r = await t.deploy('checkout', code, {
        secrets: [{ name: 'STRIPE_SECRET_KEY', version: 'latest' }],
        env: { MODE: 'test' },
        timeoutMs: 5000,
      });
      assert.strictEqual(r.status, 201, JSON.stringify(r.body));
      assert.strictEqual(r.body.release, 1);
      assert.deepStrictEqual(r.body.secrets, [{ name: 'STRIPE_SECRET_KEY', version: 'latest', resolvedVersion: 1 }]);
      assert.strictEqual(r.body.url, `${t.url}/fn/${PROJECT}/checkout`);
    });

    it('reads a declared key, keeps it out of process.env and redacts it in logs', async () => {
      const r = await t.api('POST', `${fn('checkout')}/invoke`, { payload: {} });
      assert.strictEqual(r.status, 200);
      assert.strictEqual(r.body.status, 'ok');
      assert.deepStrictEqual(r.body.result, { last4: STRIPE.slice(-4), mode: 'test', inEnv: false });
      assert.match(r.body.requestId, /^[0-9a-f-]{36}$/);
      assert.strictEqual(typeof r.body.durationMs, 'number');
      const text = JSON.stringify(r.body);
      assert.ok(!text.includes(STRIPE));
      assert.ok(r.body.logs.some((l: { message: string }) => l.message === 'using key [REDACTED:STRIPE_SECRET_KEY]'));
      assert.ok(
        r.body.logs.some((l: { message: string }) => l.message.includes('{"key":"[REDACTED:STRIPE_SECRET_KEY]"}')),
      );
    });

    it('refuses an undeclared key with an error naming it', async () => {
      const r = await t.api('POST', `${fn('checkout')}/invoke`, { payload: { undeclared: true } });
      assert.strictEqual(r.body.status, 'error');
      assert.match(r.body.error.message, /Key "OTHER_KEY" is undeclared/);
      assert.ok(!JSON.stringify(r.body).includes(OTHER));
    });

    it('redacts a value in a thrown error and in stored logs', async () => {
      const r = await t.api('POST', `${fn('checkout')}/invoke`, { payload: { fail: true } });
      assert.strictEqual(r.body.status, 'error');
      assert.strictEqual(r.body.error.message, 'provider refused [REDACTED:STRIPE_SECRET_KEY]');
      const logs = await t.api('GET', `${fn('checkout')}/logs?limit=50`);
      assert.strictEqual(logs.status, 200);
      assert.ok(logs.body.logs.length > 0);
      assert.ok(!JSON.stringify(logs.body).includes(STRIPE));
      assert.strictEqual(logs.body.logs.at(-1).requestId, r.body.requestId, 'newest last');
      // The error is stored once: its stack, which begins with the message.
      const told = logs.body.logs.filter(
        (l: { requestId: string; message: string }) =>
          l.requestId === r.body.requestId && l.message.includes('provider refused'),
      );
      assert.strictEqual(told.length, 1, JSON.stringify(told));
      assert.match(told[0].message, /^Error: provider refused \[REDACTED:STRIPE_SECRET_KEY\]\n\s+at /);
    });

    it('uses a rotated key without a redeploy; a pinned version stays pinned', async () => {
      assert.strictEqual(await t.putKey('STRIPE_SECRET_KEY', STRIPE_2), 200);
      const r = await t.api('POST', `${fn('checkout')}/invoke`, { payload: {} });
      assert.strictEqual(r.body.result.last4, STRIPE_2.slice(-4));
      const pinned = `module.exports = async (req, ctx) => (await ctx.secrets.get('STRIPE_SECRET_KEY')).slice(-4);`;
      assert.strictEqual(
        (await t.deploy('pinned', pinned, { secrets: [{ name: 'STRIPE_SECRET_KEY', version: 1 }] })).status,
        201,
      );
      const p = await t.api('POST', `${fn('pinned')}/invoke`, {});
      assert.strictEqual(p.body.result, STRIPE.slice(-4));
    });

    it('ends an invocation at its timeout and keeps serving', async () => {
      assert.strictEqual(
        (await t.deploy('spin', 'module.exports = async () => { for (;;) {} };', { timeoutMs: 300 })).status,
        201,
      );
      const r = await t.api('POST', `${fn('spin')}/invoke`, {});
      assert.strictEqual(r.body.status, 'error');
      assert.match(r.body.error.message, /timeout of 300 ms/);
      // An error without a stack is stored as the invocation's failure.
      const logs = await t.api('GET', `${fn('spin')}/logs`);
      assert.deepStrictEqual(
        logs.body.logs.map((l: { level: string; message: string }) => [l.level, l.message.replace(/\d+/g, 'N')]),
        [['error', r.body.error.message.replace(/\d+/g, 'N').replace(/^/, 'Invocation failed: ')]],
      );
      const h = await fetch(`${t.url}/v1/health`);
      assert.strictEqual(h.status, 200);
    });

    it('contains a crash, process.exit and a memory blow-up to that invocation', async () => {
      const cases: Array<[string, string, RegExp]> = [
        [
          'crash',
          'module.exports = async () => { setImmediate(() => { throw new Error("boom"); }); await new Promise((r) => setTimeout(r, 1000)); };',
          /exited \(code 1\)/,
        ],
        ['quit', 'module.exports = async () => { process.exit(7); };', /exited \(code 7\)/],
        [
          'hog',
          'module.exports = async () => { const a = []; for (;;) a.push(new Array(1e6).fill(7)); };',
          /ran out of memory/,
        ],
      ];
      for (const [name, code, expected] of cases) {
        assert.strictEqual((await t.deploy(name, code, { timeoutMs: 20_000 })).status, 201);
        const r = await t.api('POST', `${fn(name)}/invoke`, {});
        assert.strictEqual(r.body.status, 'error', name);
        assert.match(r.body.error.message, expected, name);
      }
      const ok = await t.api('POST', `${fn('checkout')}/invoke`, { payload: {} });
      assert.strictEqual(ok.body.status, 'ok');
    });

    it('caps a huge output', async () => {
      const code =
        'module.exports = async () => { for (let i = 0; i < 20000; i++) console.log("y".repeat(2000)); return "x".repeat(7 * 1024 * 1024); };';
      assert.strictEqual((await t.deploy('noisy', code)).status, 201);
      const r = await t.api('POST', `${fn('noisy')}/invoke`, {});
      assert.strictEqual(r.body.status, 'error');
      assert.match(r.body.error.message, /too large/);
      assert.ok(JSON.stringify(r.body.logs).length < 600 * 1024);
    });

    it('does not share module state between functions', async () => {
      const setter = 'let n = 0; module.exports = async () => { globalThis.shared = "from-setter"; return ++n; };';
      const reader = 'module.exports = async () => globalThis.shared ?? null;';
      assert.strictEqual((await t.deploy('setter', setter)).status, 201);
      assert.strictEqual((await t.deploy('reader', reader)).status, 201);
      assert.strictEqual((await t.api('POST', `${fn('setter')}/invoke`, {})).body.result, 1);
      assert.strictEqual(
        (await t.api('POST', `${fn('setter')}/invoke`, {})).body.result,
        2,
        'warm: same module instance',
      );
      for (let i = 0; i < 3; i++)
        assert.strictEqual((await t.api('POST', `${fn('reader')}/invoke`, {})).body.result, null);
    });
  });

  describe('releases', () => {
    it('lists, gets, rolls back (as a new release) and deletes, with audit events', async () => {
      const v1 = 'module.exports = async () => "v1";';
      const v2 = 'module.exports = async () => "v2";';
      assert.strictEqual((await t.deploy('ver', v1)).status, 201);
      const second = await t.deploy('ver', v2);
      assert.strictEqual(second.status, 200);
      assert.strictEqual(second.body.release, 2);
      assert.strictEqual((await t.api('POST', `${fn('ver')}/invoke`, {})).body.result, 'v2');
      const rb = await t.api('POST', `${fn('ver')}/rollback`, { release: 1 });
      assert.deepStrictEqual([rb.status, rb.body], [200, { name: 'ver', release: 3 }]);
      assert.strictEqual((await t.api('POST', `${fn('ver')}/invoke`, {})).body.result, 'v1');
      const details = await t.api('GET', fn('ver'));
      assert.deepStrictEqual(
        details.body.releases.map((r: { release: number }) => r.release),
        [1, 2, 3],
      );
      assert.strictEqual(details.body.releases[0].sha256, details.body.releases[2].sha256);
      const list = await t.api('GET', `/v1/projects/${PROJECT}/functions`);
      assert.ok(
        list.body.functions.some((f: { name: string; release: number }) => f.name === 'ver' && f.release === 3),
      );
      assert.strictEqual((await t.api('POST', `${fn('ver')}/rollback`, { release: 9 })).status, 404);
      assert.strictEqual((await t.api('DELETE', fn('ver'))).status, 204);
      assert.strictEqual((await t.api('GET', fn('ver'))).status, 404);
      assert.strictEqual((await t.api('DELETE', fn('ver'))).status, 404);
      const audit = await t.api('GET', `/v1/projects/${PROJECT}/audit?limit=1000`);
      const actions = audit.body.events
        .filter((e: { target: string }) => e.target === 'ver')
        .map((e: { action: string }) => e.action);
      assert.deepStrictEqual(actions, ['function.deploy', 'function.deploy', 'function.rollback', 'function.delete']);
      assert.ok(!JSON.stringify(audit.body).includes(STRIPE));
    });

    it('makes no release for unchanged code, references and settings, and says so', async () => {
      const code = 'module.exports = async () => "same";';
      const first = await t.deploy('same', code, { env: { MODE: 'a', LEVEL: '1' } });
      assert.deepStrictEqual([first.status, first.body.release, first.body.unchanged], [201, 1, false]);
      // The same env in another order is the same release.
      const again = await t.deploy('same', code, { env: { LEVEL: '1', MODE: 'a' } });
      assert.deepStrictEqual([again.status, again.body.release, again.body.unchanged], [200, 1, true]);
      assert.strictEqual((await t.api('GET', fn('same'))).body.releases.length, 1);
      // Any difference in what runs is a new release: the env, the timeout, the key references.
      const env = await t.deploy('same', code, { env: { MODE: 'b', LEVEL: '1' } });
      assert.deepStrictEqual([env.body.release, env.body.unchanged], [2, false]);
      const timeout = await t.deploy('same', code, { env: { MODE: 'b', LEVEL: '1' }, timeoutMs: 5000 });
      assert.deepStrictEqual([timeout.body.release, timeout.body.unchanged], [3, false]);
      const refs = await t.deploy('same', code, {
        env: { MODE: 'b', LEVEL: '1' },
        timeoutMs: 5000,
        secrets: [{ name: 'OTHER_KEY', version: 'latest' }],
      });
      assert.deepStrictEqual([refs.body.release, refs.body.unchanged], [4, false]);
      const audit = await t.api('GET', `/v1/projects/${PROJECT}/audit?limit=1000`);
      const deploys = audit.body.events.filter(
        (e: { target: string; action: string }) => e.target === 'same' && e.action === 'function.deploy',
      );
      assert.strictEqual(deploys.length, 4, 'the unchanged deploy is not audited as a deploy');
      // Unchanged code is still checked: a value stored meanwhile in it refuses the deploy.
      await t.putKey('SAME_VALUE_KEY', 'same-value-stored-later-0123');
      const withValue = 'module.exports = async () => "same-value-stored-later-0123";';
      assert.strictEqual((await t.deploy('same2', withValue)).status, 422);
      assert.strictEqual((await t.api('DELETE', fn('same'))).status, 204);
    });

    it('marks keys used by a function, so deleting one needs force', async () => {
      const r = await t.api('DELETE', `/v1/projects/${PROJECT}/keys/STRIPE_SECRET_KEY`);
      assert.strictEqual(r.status, 409);
      assert.ok(r.body.error.details.functions.includes('checkout'));
    });
  });

  describe('public trigger', () => {
    it('answers a page origin with CORS, preflight included, without a token', async () => {
      const pre = await fetch(`${t.url}/fn/${PROJECT}/checkout`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://localhost:5173',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type',
        },
      });
      assert.strictEqual(pre.status, 204);
      assert.strictEqual(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/);

      const res = await fetch(`${t.url}/fn/${PROJECT}/checkout`, {
        method: 'POST',
        headers: { Origin: 'http://localhost:5173', 'Content-Type': 'application/json' },
        body: JSON.stringify({}),
      });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(res.headers.get('access-control-allow-origin'), '*');
      const body = (await res.json()) as { last4: string };
      assert.strictEqual(body.last4, STRIPE_2.slice(-4));

      const get = await fetch(`${t.url}/fn/${PROJECT}/checkout?x=1`, { headers: { Origin: 'http://example.test' } });
      assert.strictEqual(get.status, 200);
    });

    it('turns a thrown error into 502 function_error, redacted', async () => {
      const res = await fetch(`${t.url}/fn/${PROJECT}/checkout`, {
        method: 'POST',
        headers: { Origin: 'http://localhost:5173', 'Content-Type': 'application/json' },
        body: JSON.stringify({ fail: true }),
      });
      assert.strictEqual(res.status, 502);
      assert.strictEqual(res.headers.get('access-control-allow-origin'), '*');
      const text = await res.text();
      assert.deepStrictEqual(JSON.parse(text), {
        error: { code: 'function_error', message: 'provider refused [REDACTED:STRIPE_SECRET_KEY]' },
      });
    });

    it('answers 404 with CORS for an unknown function', async () => {
      const res = await fetch(`${t.url}/fn/${PROJECT}/nope`, { method: 'POST', headers: { Origin: 'http://a.test' } });
      assert.strictEqual(res.status, 404);
      assert.strictEqual(res.headers.get('access-control-allow-origin'), '*');
    });

    it('needs a token for the admin routes', async () => {
      const res = await fetch(`${t.url}${fn('checkout')}/invoke`, { method: 'POST', body: '{}' });
      assert.strictEqual(res.status, 401);
    });
  });
});
