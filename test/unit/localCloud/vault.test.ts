import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { digestOf } from '../../../src/shared/secretText';
import { CLOUD_VERSION } from '../../../src/localCloud/version';
import { client, deployFake, errorOf, request, describeEachEngine, startTestCloud, type TestCloud } from './helpers';

describeEachEngine('local cloud: vault endpoints', (engine) => {
  let t: TestCloud;
  let api: ReturnType<typeof client>;
  const keys = '/v1/projects/demo/keys';

  beforeEach(async () => {
    t = await startTestCloud({ engine });
    api = client(t.cloud.url, t.tokens.demo);
  });
  afterEach(() => t.close());

  it('GET /v1/health needs no token and reports the package version', async () => {
    const res = await request(t.cloud.url, 'GET', '/v1/health');
    assert.equal(res.status, 200);
    const { isolation, ...rest } = res.json as { isolation: { level: string; summary: string } };
    assert.deepEqual(rest, { status: 'ok', version: CLOUD_VERSION });
    // Which isolation deployed functions get here (docs/isolation.md).
    assert.ok(['sandbox', 'process'].includes(isolation.level));
    assert.match(isolation.summary, /^Functions run /);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8')) as {
      version: string;
    };
    assert.equal(CLOUD_VERSION, pkg.version);
    assert.match(String(res.headers['content-type']), /^application\/json/);
  });

  it('creates with 201, then adds versions with 200; versions only grow', async () => {
    const a = await api('PUT', `${keys}/STRIPE_KEY`, { body: { value: 'sk_test_one' } });
    assert.equal(a.status, 201);
    assert.deepEqual(a.json, { name: 'STRIPE_KEY', version: 1, digest: digestOf('sk_test_one') });
    assert.equal(a.headers.location, '/v1/projects/demo/keys/STRIPE_KEY');
    const b = await api('PUT', `${keys}/STRIPE_KEY`, { body: { value: 'sk_test_two' } });
    assert.equal(b.status, 200);
    assert.deepEqual(b.json, { name: 'STRIPE_KEY', version: 2, digest: digestOf('sk_test_two') });
    // The same value again is still a new version.
    const c = await api('PUT', `${keys}/STRIPE_KEY`, { body: { value: 'sk_test_two' } });
    assert.equal(c.json.version, 3);
  });

  it('lists keys sorted by name, with metadata and never a value', async () => {
    await api('PUT', `${keys}/ZED`, { body: { value: 'zed-value-1' } });
    await api('PUT', `${keys}/ALPHA`, { body: { value: 'alpha-value-1' } });
    await api('PUT', `${keys}/MIDDLE_1`, { body: { value: 'middle-value-1' } });
    const res = await api('GET', keys);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.keys.map((k: { name: string }) => k.name),
      ['ALPHA', 'MIDDLE_1', 'ZED'],
    );
    const alpha = res.json.keys[0];
    assert.deepEqual(Object.keys(alpha).sort(), ['createdAt', 'digest', 'name', 'updatedAt', 'usedBy', 'version']);
    assert.equal(alpha.digest, digestOf('alpha-value-1'));
    assert.deepEqual(alpha.usedBy, []);
    assert.match(alpha.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(!res.text.includes('value-1'));
  });

  it('an empty project lists no keys', async () => {
    const res = await api('GET', keys);
    assert.deepEqual(res.json, { keys: [] });
  });

  it('GET one key gives its versions, oldest first; 404 for a missing key', async () => {
    await api('PUT', `${keys}/API_KEY`, { body: { value: 'first-value' } });
    await api('PUT', `${keys}/API_KEY`, { body: { value: 'second-value' } });
    const res = await api('GET', `${keys}/API_KEY`);
    assert.equal(res.status, 200);
    assert.equal(res.json.name, 'API_KEY');
    assert.equal(res.json.version, 2);
    assert.equal(res.json.digest, digestOf('second-value'));
    assert.deepEqual(
      res.json.versions.map((v: { version: number; digest: string }) => [v.version, v.digest]),
      [
        [1, digestOf('first-value')],
        [2, digestOf('second-value')],
      ],
    );
    assert.ok(!res.text.includes('first-value') && !res.text.includes('second-value'));
    const missing = await api('GET', `${keys}/NOPE`);
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing).code, 'not_found');
  });

  it('compare-and-set: ifVersion 0 means must not exist; a mismatch is 409 with currentVersion', async () => {
    const a = await api('PUT', `${keys}/CAS`, { body: { value: 'v1-value', ifVersion: 0 } });
    assert.equal(a.status, 201);
    const again = await api('PUT', `${keys}/CAS`, { body: { value: 'other', ifVersion: 0 } });
    assert.equal(again.status, 409);
    assert.equal(errorOf(again).code, 'version_conflict');
    assert.deepEqual(errorOf(again).details, { currentVersion: 1 });
    const ok = await api('PUT', `${keys}/CAS`, { body: { value: 'v2-value', ifVersion: 1 } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.version, 2);
    const stale = await api('PUT', `${keys}/CAS`, { body: { value: 'v3-value', ifVersion: 1 } });
    assert.equal(stale.status, 409);
    assert.equal(errorOf(stale).details?.currentVersion, 2);
    // Nothing changed.
    const now = await api('GET', `${keys}/CAS`);
    assert.equal(now.json.version, 2);
    assert.equal(now.json.digest, digestOf('v2-value'));
    // A key that does not exist is at version 0.
    const absent = await api('PUT', `${keys}/ABSENT`, { body: { value: 'x', ifVersion: 3 } });
    assert.equal(absent.status, 409);
    assert.equal(errorOf(absent).details?.currentVersion, 0);
    assert.equal((await api('GET', `${keys}/ABSENT`)).status, 404);
  });

  it('ifVersion null is the same as no condition', async () => {
    const a = await api('PUT', `${keys}/NULLABLE`, { body: { value: 'abc', ifVersion: null } });
    assert.equal(a.status, 201);
  });

  it('concurrent compare-and-set writers: exactly one wins', async () => {
    await api('PUT', `${keys}/RACE`, { body: { value: 'start' } });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api('PUT', `${keys}/RACE`, { body: { value: `writer-${i}`, ifVersion: 1 } })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.equal(results.filter((r) => r.status === 409).length, 7);
  });

  it('DELETE answers 204, erases the key, and 404 the second time', async () => {
    await api('PUT', `${keys}/GONE`, { body: { value: 'bye-value' } });
    const del = await api('DELETE', `${keys}/GONE`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal((await api('GET', `${keys}/GONE`)).status, 404);
    assert.deepEqual((await api('GET', keys)).json.keys, []);
    const again = await api('DELETE', `${keys}/GONE`);
    assert.equal(again.status, 404);
    assert.equal(errorOf(again).code, 'not_found');
    assert.equal(await t.cloud.services.vault.readValue('demo', 'GONE', 1), undefined);
  });

  it('a key created again after deletion continues its version numbers', async () => {
    await api('PUT', `${keys}/REBORN`, { body: { value: 'a-value' } });
    await api('PUT', `${keys}/REBORN`, { body: { value: 'b-value' } });
    await api('DELETE', `${keys}/REBORN`);
    const again = await api('PUT', `${keys}/REBORN`, { body: { value: 'c-value', ifVersion: 0 } });
    assert.equal(again.status, 201);
    assert.equal(again.json.version, 3);
    const got = await api('GET', `${keys}/REBORN`);
    assert.deepEqual(
      got.json.versions.map((v: { version: number }) => v.version),
      [3],
    );
  });

  it('usedBy and key_in_use come from active function releases; ?force=true deletes anyway', async () => {
    await api('PUT', `${keys}/STRIPE_SECRET_KEY`, { body: { value: 'sk_live_used' } });
    await api('PUT', `${keys}/FREE_KEY`, { body: { value: 'free-value' } });
    await deployFake(t.cloud, 'demo', 'create-checkout', ['STRIPE_SECRET_KEY']);
    await deployFake(t.cloud, 'demo', 'billing-webhook', ['STRIPE_SECRET_KEY', 'FREE_KEY'], false); // not active
    await deployFake(t.cloud, 'demo', 'another-fn', ['STRIPE_SECRET_KEY']);
    await deployFake(t.cloud, 'other', 'foreign-fn', ['FREE_KEY']); // another project

    const list = await api('GET', keys);
    const byName = Object.fromEntries(
      list.json.keys.map((k: { name: string; usedBy: string[] }) => [k.name, k.usedBy]),
    );
    assert.deepEqual(byName, { FREE_KEY: [], STRIPE_SECRET_KEY: ['another-fn', 'create-checkout'] });
    assert.deepEqual((await api('GET', `${keys}/STRIPE_SECRET_KEY`)).json.usedBy, ['another-fn', 'create-checkout']);

    const refused = await api('DELETE', `${keys}/STRIPE_SECRET_KEY`);
    assert.equal(refused.status, 409);
    assert.equal(errorOf(refused).code, 'key_in_use');
    assert.deepEqual(errorOf(refused).details, { functions: ['another-fn', 'create-checkout'] });
    assert.equal((await api('GET', `${keys}/STRIPE_SECRET_KEY`)).status, 200);

    assert.equal((await api('DELETE', `${keys}/FREE_KEY`)).status, 204);
    assert.equal((await api('DELETE', `${keys}/STRIPE_SECRET_KEY?force=false`)).status, 409);
    assert.equal((await api('DELETE', `${keys}/STRIPE_SECRET_KEY?force=maybe`)).status, 400);
    assert.equal((await api('DELETE', `${keys}/STRIPE_SECRET_KEY?force=true`)).status, 204);
    assert.equal((await api('GET', `${keys}/STRIPE_SECRET_KEY`)).status, 404);
  });

  it('the audit log records who did what to which key, never a value or a token', async () => {
    await api('PUT', `${keys}/AUDITED`, { body: { value: 'audited-secret-value' } });
    await api('PUT', `${keys}/AUDITED`, { body: { value: 'audited-secret-value-2' } });
    await api('PUT', `${keys}/AUDITED`, { body: { value: 'nope', ifVersion: 7 } }); // refused: not logged
    await api('DELETE', `${keys}/AUDITED`);
    const res = await api('GET', '/v1/projects/demo/audit');
    assert.equal(res.status, 200);
    const events = res.json.events as Array<{ time: string; action: string; target: string; token: string }>;
    assert.deepEqual(
      events.map((e) => [e.action, e.target]),
      [
        ['key.create', 'AUDITED'],
        ['key.update', 'AUDITED'],
        ['key.delete', 'AUDITED'],
      ],
    );
    for (const e of events) {
      assert.deepEqual(Object.keys(e).sort(), ['action', 'actor', 'source', 'target', 'time', 'token']);
      assert.match(e.token, /^tok_[0-9a-f]+$/);
      assert.equal((e as { actor?: string }).actor, 'project token');
      assert.match((e as { source?: string }).source ?? '', /^hmac-sha256:[0-9a-f]{64}$/);
      assert.match(e.time, /Z$/);
    }
    assert.ok(!res.text.includes('audited-secret-value'));
    assert.ok(!res.text.includes(t.tokens.demo));
    // limit keeps the newest events, still oldest first.
    const two = await api('GET', '/v1/projects/demo/audit?limit=2');
    assert.deepEqual(
      two.json.events.map((e: { action: string }) => e.action),
      ['key.update', 'key.delete'],
    );
    for (const bad of ['0', '-1', 'abc', '1.5']) {
      const r = await api('GET', `/v1/projects/demo/audit?limit=${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(errorOf(r).code, 'invalid_request');
    }
    assert.equal((await api('GET', '/v1/projects/demo/audit?limit=100000')).status, 200);
    // Another project's log is its own.
    const other = await request(t.cloud.url, 'GET', '/v1/projects/other/audit', { token: t.tokens.other });
    assert.deepEqual(other.json.events, []);
  });

  it('projects are isolated: same names, separate values, versions and lists', async () => {
    const other = client(t.cloud.url, t.tokens.other);
    await api('PUT', `${keys}/SHARED_NAME`, { body: { value: 'demo-value' } });
    await api('PUT', `${keys}/SHARED_NAME`, { body: { value: 'demo-value-2' } });
    const o = await other('PUT', '/v1/projects/other/keys/SHARED_NAME', { body: { value: 'other-value' } });
    assert.equal(o.status, 201);
    assert.equal(o.json.version, 1);
    assert.equal((await other('GET', '/v1/projects/other/keys/SHARED_NAME')).json.digest, digestOf('other-value'));
    assert.equal((await api('GET', `${keys}/SHARED_NAME`)).json.digest, digestOf('demo-value-2'));
    await other('DELETE', '/v1/projects/other/keys/SHARED_NAME');
    assert.equal((await api('GET', `${keys}/SHARED_NAME`)).status, 200);
    assert.equal(await t.cloud.services.vault.readValue('demo', 'SHARED_NAME', 'latest'), 'demo-value-2');
    assert.equal(await t.cloud.services.vault.readValue('other', 'SHARED_NAME', 'latest'), undefined);
  });

  it('vault.readValue reads latest and pinned versions (for the functions runtime only)', async () => {
    await api('PUT', `${keys}/RUNTIME_KEY`, { body: { value: 'rt-one' } });
    await api('PUT', `${keys}/RUNTIME_KEY`, { body: { value: 'rt-two ünïcødé 🔑' } });
    const vault = t.cloud.services.vault;
    assert.equal(await vault.readValue('demo', 'RUNTIME_KEY', 'latest'), 'rt-two ünïcødé 🔑');
    assert.equal(await vault.readValue('demo', 'RUNTIME_KEY', 1), 'rt-one');
    assert.equal(await vault.readValue('demo', 'RUNTIME_KEY', 3), undefined);
    assert.equal(await vault.readValue('demo', 'NOPE', 'latest'), undefined);
    assert.deepEqual(await vault.readLatestValues('demo'), [
      { name: 'RUNTIME_KEY', version: 2, value: 'rt-two ünïcødé 🔑' },
    ]);
    const digest = (await api('GET', `${keys}/RUNTIME_KEY`)).json.digest;
    assert.equal(digest, digestOf('rt-two ünïcødé 🔑'));
  });

  it('accepts values up to 64 KiB of UTF-8', async () => {
    const max = 'x'.repeat(64 * 1024);
    assert.equal((await api('PUT', `${keys}/BIG`, { body: { value: max } })).status, 201);
    const over = await api('PUT', `${keys}/BIG`, { body: { value: max + 'y' } });
    assert.equal(over.status, 422);
    assert.equal(errorOf(over).code, 'invalid_value');
    // 64 KiB counted in bytes, not characters: 2-byte characters.
    const wide = await api('PUT', `${keys}/WIDE`, { body: { value: 'é'.repeat(32 * 1024 + 1) } });
    assert.equal(wide.status, 422);
    assert.ok(!wide.text.includes('éé'));
  });

  it('unknown paths are 404 and known paths with other methods are 405 with Allow', async () => {
    const res = await api('GET', '/v1/nothing');
    assert.equal(res.status, 404);
    assert.equal(errorOf(res).code, 'not_found');
    const post = await api('POST', keys, { body: {} });
    assert.equal(post.status, 405);
    assert.equal(errorOf(post).code, 'method_not_allowed');
    assert.equal(post.headers.allow, 'GET');
    const patch = await api('PATCH', `${keys}/A`, { body: {} });
    assert.equal(patch.status, 405);
    assert.equal(patch.headers.allow, 'GET, PUT, DELETE');
  });
});
