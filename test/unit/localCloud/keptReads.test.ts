// A warm invocation costs no database round trip when nothing changed, on either engine: the
// node keeps the function's active release and the sealed values it resolves, and reads them
// again after a change (here made through the same node; other nodes in teamCloud.test.ts).
import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import { describeEachEngine, request, startTestCloud, type TestCloud } from './helpers';

const CODE = 'module.exports = async (req, ctx) => ({ v: (await ctx.secrets.get("KEPT_KEY")).slice(0, 6) });';

describeEachEngine('local cloud: what a node keeps between changes', function (engine) {
  this.timeout(60_000);
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ engine, logRequests: false });
  });
  after(() => t.close());

  const call = async (): Promise<unknown> => {
    const r = await request(t.cloud.url, 'POST', '/fn/demo/kept', { body: {} });
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  it('a warm invocation reads nothing from the database; a rotation or a redeploy is read at the next call', async () => {
    const api = (method: string, path: string, body: unknown) =>
      request(t.cloud.url, method, path, { token: t.tokens.demo, body });
    assert.equal((await api('PUT', '/v1/projects/demo/keys/KEPT_KEY', { value: 'first-value' })).status, 201);
    const deploy = (code: string) =>
      api('PUT', '/v1/projects/demo/functions/kept', {
        runtime: 'node20',
        code,
        sha256: createHash('sha256').update(code).digest('hex'),
        secrets: [{ name: 'KEPT_KEY', version: 'latest' }],
      });
    assert.equal((await deploy(CODE)).status, 201);
    assert.deepEqual(await call(), { v: 'first-' });
    const storage = t.cloud.services.storage;
    const before = storage.statements();
    for (let i = 0; i < 20; i++) assert.deepEqual(await call(), { v: 'first-' });
    assert.equal(storage.statements() - before, 0, 'statements sent for 20 warm invocations');

    assert.equal((await api('PUT', '/v1/projects/demo/keys/KEPT_KEY', { value: 'second-value' })).status, 200);
    assert.deepEqual(await call(), { v: 'second' });
    assert.equal((await deploy(CODE.replace('slice(0, 6)', 'slice(0, 3)'))).status, 200);
    assert.deepEqual(await call(), { v: 'sec' });
    const warm = storage.statements();
    for (let i = 0; i < 5; i++) await call();
    assert.equal(storage.statements() - warm, 0, 'warm again after the changes');
  });

  it('a warm invocation through the API by a member or a service token reads nothing from the database either', async () => {
    const owner = t.tokens.demo;
    const member = await request(t.cloud.url, 'POST', '/v1/projects/demo/members', {
      token: owner,
      body: { name: 'kept@example.com', role: 'developer' },
    });
    const service = await request(t.cloud.url, 'POST', '/v1/projects/demo/tokens', {
      token: owner,
      body: { name: 'kept ci', permissions: ['functions.invoke'], expiresInDays: 1 },
    });
    const storage = t.cloud.services.storage;
    for (const token of [member.json.token as string, service.json.token as string]) {
      const invoke = async () => {
        const r = await request(t.cloud.url, 'POST', '/v1/projects/demo/functions/kept/invoke', {
          token,
          body: { payload: {} },
        });
        assert.equal(r.status, 200, r.text);
      };
      await invoke();
      const before = storage.statements();
      for (let i = 0; i < 20; i++) await invoke();
      assert.equal(storage.statements() - before, 0, 'statements sent for 20 warm invocations');
    }
  });
});
