// Identities against the real server over HTTP, on both engines: members with roles, CI
// service tokens, 403 with a clear message for what a role or scope lacks, 401 for unknown,
// expired or revoked tokens, and the audit naming who acted.
import { strict as assert } from 'assert';
import { PERMISSION_PHRASE, PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '../../../src/api';
import { Router } from '../../../src/localCloud';
import { ANY_IDENTITY } from '../../../src/localCloud/router';
import { routeModules } from '../../../src/localCloud/routes';
import { deployFake, describeEachEngine, errorOf, request, startTestCloud, type TestCloud } from './helpers';

const SECRET = 'sk_live_identity_table_value_0123456789abcdef';

function allRoutes() {
  const router = new Router();
  for (const register of routeModules) register(router);
  return router.list();
}

describe('identities: every project route names one permission', () => {
  it('each project route has exactly one permission, or is /me', () => {
    const project = allRoutes().filter((r) => r.auth);
    assert.ok(project.length >= 18, `only ${project.length} project routes`);
    for (const r of project) {
      assert.ok(
        r.permission === ANY_IDENTITY || PERMISSIONS.includes(r.permission as Permission),
        `${r.methods.join(',')} ${r.pattern} names no permission`,
      );
      if (r.permission === ANY_IDENTITY) assert.equal(r.pattern, '/v1/projects/:project/me');
    }
  });
});

describeEachEngine('identities', (engine) => {
  let t: TestCloud;
  let clock = 0;
  const url = () => t.cloud.url;
  const owner = () => t.tokens.demo;
  const tokens: Record<string, string> = {};

  const addMember = (token: string, name: string, role: string) =>
    request(url(), 'POST', '/v1/projects/demo/members', { token, body: { name, role } });
  const createToken = (token: string, body: unknown) =>
    request(url(), 'POST', '/v1/projects/demo/tokens', { token, body });

  before(async function () {
    this.timeout(60_000);
    t = await startTestCloud({ engine, now: () => new Date(Date.now() + clock) });
    for (const [name, role] of [
      ['alice@example.com', 'owner'],
      ['dev@example.com', 'developer'],
      ['viewer@example.com', 'viewer'],
    ]) {
      const res = await addMember(owner(), name, role);
      assert.equal(res.status, 201, res.text);
      assert.match(res.json.token, /^cxlr_mem_[A-Za-z0-9_-]{43}$/);
      assert.equal(res.json.member.role, role);
      tokens[role] = res.json.token;
    }
    const deploy = await createToken(owner(), {
      name: 'ci deploy',
      permissions: ['functions.deploy'],
      expiresInDays: 30,
    });
    assert.equal(deploy.status, 201, deploy.text);
    tokens.deploy = deploy.json.token;
    const put = await request(url(), 'PUT', '/v1/projects/demo/keys/TABLE_KEY', {
      token: owner(),
      body: { value: SECRET },
    });
    assert.equal(put.status, 201);
    await deployFake(t.cloud, 'demo', 'table-fn', ['TABLE_KEY']);
  });
  after(() => t?.close());

  it('every project route lets exactly the identities whose permission it names through, and answers no value', async function () {
    this.timeout(60_000);
    const who: Array<[string, readonly Permission[] | 'all']> = [
      ['owner', ROLE_PERMISSIONS.owner],
      ['developer', ROLE_PERMISSIONS.developer],
      ['viewer', ROLE_PERMISSIONS.viewer],
      ['deploy', ['functions.deploy']],
    ];
    let checked = 0;
    for (const route of allRoutes().filter((r) => r.auth)) {
      const name = route.pattern.includes('/keys/') ? 'TABLE_KEY' : 'table-fn';
      const path = route.pattern.replace(':project', 'demo').replace(':name', name).replace(':id', 'nobody-here');
      for (const method of route.methods) {
        // GETs first is not needed: every request below changes nothing (bad or missing bodies, unknown ids).
        const body = method === 'PUT' || method === 'POST' ? {} : undefined;
        for (const [identity, permissions] of who) {
          const res = await request(url(), method, path, { token: tokens[identity], body });
          const label = `${identity}: ${method} ${route.pattern}`;
          assert.ok(!res.text.includes(SECRET), `${label} answered the value`);
          assert.notEqual(res.status, 401, `${label}: ${res.text}`);
          const allowed =
            route.permission === ANY_IDENTITY || (permissions as readonly string[]).includes(route.permission!);
          if (allowed) {
            assert.notEqual(res.status, 403, `${label} was refused: ${res.text}`);
          } else {
            assert.equal(res.status, 403, `${label} was let through: ${res.status} ${res.text}`);
            const e = errorOf(res);
            assert.equal(e.code, 'forbidden');
            assert.equal(e.details?.permission, route.permission);
            assert.ok(e.message.includes(PERMISSION_PHRASE[route.permission as Permission]), e.message);
            if (identity === 'deploy')
              assert.match(e.message, /service token "ci deploy" cannot .* may only deploy functions/);
            else assert.ok(e.message.startsWith(`Your role in project demo is ${identity}, which cannot `), e.message);
          }
          checked++;
        }
      }
    }
    assert.ok(checked >= 4 * 18, `${checked} checks`);
    // The key is still there, unchanged, and nothing was deployed or removed by the walk.
    const key = await request(url(), 'GET', '/v1/projects/demo/keys/TABLE_KEY', { token: owner() });
    assert.equal(key.json.version, 1);
  });

  it('the viewer message says what the role cannot do and whom to ask', async () => {
    const res = await request(url(), 'PUT', '/v1/projects/demo/keys/VIEWER_WRITE', {
      token: tokens.viewer,
      body: { value: 'x-value-1234' },
    });
    assert.equal(res.status, 403);
    assert.equal(
      errorOf(res).message,
      'Your role in project demo is viewer, which cannot write keys. Ask an owner of the project.',
    );
    assert.deepEqual(errorOf(res).details, { permission: 'keys.write', role: 'viewer' });
  });

  it('/me answers each identity with its role and permissions', async () => {
    const me = async (token: string) => (await request(url(), 'GET', '/v1/projects/demo/me', { token })).json;
    const p = await me(owner());
    assert.equal(p.identity.kind, 'project-token');
    assert.equal(p.identity.role, 'owner');
    assert.match(p.identity.id, /^tok_/);
    const dev = await me(tokens.developer);
    assert.deepEqual(
      { kind: dev.identity.kind, name: dev.identity.name, role: dev.identity.role },
      { kind: 'member', name: 'dev@example.com', role: 'developer' },
    );
    assert.deepEqual(dev.identity.permissions, [...ROLE_PERMISSIONS.developer]);
    const svc = await me(tokens.deploy);
    assert.equal(svc.identity.kind, 'service-token');
    assert.equal(svc.identity.role, undefined);
    assert.deepEqual(svc.identity.permissions, ['functions.deploy']);
    assert.ok(Date.parse(svc.identity.expiresAt) > Date.now() + 29 * 86_400_000);
  });

  it('a member or service token of one project is 401 in another, like an unknown token', async () => {
    const unknown = await request(url(), 'GET', '/v1/projects/other/keys', { token: 'cxlr_mem_nope' });
    for (const token of [tokens.developer, tokens.deploy, 'cxlr_svc_nope']) {
      for (const project of ['other', 'nosuch']) {
        const res = await request(url(), 'GET', `/v1/projects/${project}/keys`, { token });
        assert.equal(res.status, 401);
        assert.equal(res.text, unknown.text);
      }
    }
  });

  it('members: a known name gets its role changed and no token; lists carry no token', async () => {
    const again = await addMember(owner(), 'viewer@example.com', 'viewer');
    assert.equal(again.status, 200);
    assert.equal(again.json.token, undefined);
    const list = await request(url(), 'GET', '/v1/projects/demo/members', { token: tokens.owner });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.members.map((m: { name: string; role: string }) => `${m.name}:${m.role}`),
      ['alice@example.com:owner', 'dev@example.com:developer', 'viewer@example.com:viewer'],
    );
    for (const token of Object.values(tokens)) assert.ok(!list.text.includes(token));
    const bad = await addMember(owner(), ' spaced ', 'admin');
    assert.equal(bad.status, 400);
    assert.match(errorOf(bad).message, /not a valid member name.*"admin" is not a role: use owner, developer, viewer/);
  });

  it('the last owner can be neither removed nor demoted (409), another owner first', async () => {
    const remove = await request(url(), 'DELETE', '/v1/projects/demo/members/alice%40example.com', {
      token: tokens.owner,
    });
    assert.equal(remove.status, 409);
    assert.equal(errorOf(remove).code, 'last_owner');
    assert.match(errorOf(remove).message, /last owner of project demo.*Make another member an owner first/);
    const demote = await addMember(tokens.owner, 'alice@example.com', 'developer');
    assert.equal(demote.status, 409);
    const me = await request(url(), 'GET', '/v1/projects/demo/me', { token: tokens.owner });
    assert.equal(me.json.identity.role, 'owner');
  });

  it('a removed member is refused at its next request', async () => {
    const added = await addMember(owner(), 'leaver@example.com', 'developer');
    const token = added.json.token as string;
    assert.equal((await request(url(), 'GET', '/v1/projects/demo/keys', { token })).status, 200);
    const removed = await request(url(), 'DELETE', `/v1/projects/demo/members/${added.json.member.id}`, {
      token: tokens.owner,
    });
    assert.equal(removed.status, 204);
    assert.equal((await request(url(), 'GET', '/v1/projects/demo/keys', { token })).status, 401);
    const gone = await request(url(), 'DELETE', `/v1/projects/demo/members/${added.json.member.id}`, {
      token: tokens.owner,
    });
    assert.equal(gone.status, 404);
  });

  it('service tokens: no escalation, an expiry of 1 to 365 days, a hint, never the token in a list', async () => {
    for (const [body, pattern] of [
      [{ name: 'x', permissions: ['members.manage'], expiresInDays: 5 }, /cannot hold members.manage/],
      [{ name: 'x', permissions: ['tokens.manage', 'keys.write'], expiresInDays: 5 }, /cannot hold tokens.manage/],
      [{ name: 'x', permissions: ['keys.read'], expiresInDays: 5 }, /"keys.read" is not a permission/],
      [{ name: 'x', permissions: [], expiresInDays: 5 }, /needs at least one permission/],
      [{ name: 'x', permissions: ['keys.write'] }, /whole number of days from 1 to 365/],
      [{ name: 'x', permissions: ['keys.write'], expiresInDays: 0 }, /whole number of days from 1 to 365/],
      [{ name: 'x', permissions: ['keys.write'], expiresInDays: 366 }, /whole number of days from 1 to 365/],
      [{ name: 'x', permissions: ['keys.write'], expiresInDays: 1.5 }, /whole number of days from 1 to 365/],
    ] as const) {
      const res = await createToken(tokens.owner, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(errorOf(res).message, pattern);
    }
    const made = await createToken(tokens.owner, {
      name: 'ci keys',
      permissions: ['keys.write', 'keys.describe'],
      expiresInDays: 1,
    });
    assert.equal(made.status, 201);
    assert.equal(made.headers['cache-control'], 'no-store');
    assert.match(made.json.token, /^cxlr_svc_/);
    assert.equal(made.json.info.hint, made.json.token.slice(0, 13));
    assert.deepEqual(made.json.info.permissions, ['keys.describe', 'keys.write']);
    assert.equal(made.json.info.createdBy, 'alice@example.com');
    const list = await request(url(), 'GET', '/v1/projects/demo/tokens', { token: tokens.owner });
    assert.ok(list.json.tokens.some((x: { id: string }) => x.id === made.json.info.id));
    assert.ok(!list.text.includes(made.json.token));
    // A developer cannot make one (tokens.manage), whatever it asks for.
    const dev = await createToken(tokens.developer, { name: 'y', permissions: ['keys.write'], expiresInDays: 1 });
    assert.equal(dev.status, 403);
  });

  it('an expired or revoked service token is refused with a message that says so', async () => {
    const made = await createToken(tokens.owner, { name: 'short', permissions: ['keys.describe'], expiresInDays: 1 });
    const token = made.json.token as string;
    assert.equal((await request(url(), 'GET', '/v1/projects/demo/keys', { token })).status, 200);
    clock = 86_400_000 + 1000;
    try {
      const expired = await request(url(), 'GET', '/v1/projects/demo/keys', { token });
      assert.equal(expired.status, 401);
      assert.match(errorOf(expired).message, /^This service token \("short"\) expired on .*create a new one\.$/);
    } finally {
      clock = 0;
    }
    const revoked = await request(url(), 'DELETE', `/v1/projects/demo/tokens/${made.json.info.id}`, {
      token: tokens.owner,
    });
    assert.equal(revoked.status, 204);
    const res = await request(url(), 'GET', '/v1/projects/demo/keys', { token });
    assert.equal(res.status, 401);
    assert.match(errorOf(res).message, /^This service token \("short"\) was revoked on .*create a new one\.$/);
    // Elsewhere it is just an unknown token.
    const other = await request(url(), 'GET', '/v1/projects/other/keys', { token });
    assert.equal(errorOf(other).message, 'The request needs a valid token for this project. Sign in again and retry.');
    const listed = await request(url(), 'GET', '/v1/projects/demo/tokens', { token: tokens.owner });
    const row = listed.json.tokens.find((x: { id: string }) => x.id === made.json.info.id);
    assert.ok(row.revokedAt);
  });

  it('the audit names who acted, and where from only as an HMAC', async () => {
    await request(url(), 'PUT', '/v1/projects/demo/keys/AUDITED_KEY', {
      token: tokens.developer,
      body: { value: 'audited-value-1234' },
    });
    const audit = await request(url(), 'GET', '/v1/projects/demo/audit', { token: tokens.owner });
    const events = audit.json.events as Array<Record<string, string>>;
    const put = events.find((e) => e.target === 'AUDITED_KEY')!;
    assert.equal(put.actor, 'dev@example.com');
    assert.match(put.token, /^mem_/);
    assert.match(put.source, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.equal(put.source, t.cloud.services.auditKey.hash('127.0.0.1'));
    assert.ok(!audit.text.includes('127.0.0.1'));
    const actions = new Set(events.map((e) => e.action));
    for (const a of ['member.create', 'member.remove', 'token.create', 'token.revoke']) assert.ok(actions.has(a), a);
    const created = events.find((e) => e.action === 'member.create' && e.target.startsWith('dev@example.com'))!;
    assert.equal(created.actor, 'project token');
  });
});
