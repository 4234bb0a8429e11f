// Identities on a team cloud: two nodes on one PostgreSQL. What one node (or the admin command
// line, in its own process) changes, every node refuses at the next request, and a warm
// request sends no statement to the database for verifying its token.
import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import { startLocalCloud, type LocalCloud } from '../../../src/localCloud';
import { buildCli, runCli } from './cliProcess';
import { errorOf, freshDatabase, request, tempDir } from './helpers';

const TOKEN = 'identity-nodes-token-0123456789';

describe('identities across nodes on PostgreSQL', function () {
  this.timeout(60_000);
  let database: string;
  let nodes: LocalCloud[] = [];
  let clock = 0;
  const [a, b] = [() => nodes[0], () => nodes[1]];

  before(async () => {
    database = await freshDatabase();
    const masterKey = randomBytes(32);
    nodes = await Promise.all(
      [0, 1].map(() =>
        startLocalCloud({
          dataDir: tempDir(),
          port: 0,
          projects: ['demo'],
          token: TOKEN,
          masterKey,
          database,
          logRequests: false,
          now: () => new Date(Date.now() + clock),
        }),
      ),
    );
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });

  const keys = (node: LocalCloud, token: string) => request(node.url, 'GET', '/v1/projects/demo/keys', { token });

  async function member(name: string, role: string, via = a()): Promise<{ id: string; token: string }> {
    const res = await request(via.url, 'POST', '/v1/projects/demo/members', { token: TOKEN, body: { name, role } });
    assert.equal(res.status, 201, res.text);
    return { id: res.json.member.id, token: res.json.token };
  }

  it('a member removed through one node is refused by the other at its next request', async () => {
    const m = await member('moving@example.com', 'developer');
    // Both nodes know (and keep) the member before the change.
    assert.equal((await keys(a(), m.token)).status, 200);
    assert.equal((await keys(b(), m.token)).status, 200);
    const removed = await request(a().url, 'DELETE', `/v1/projects/demo/members/${m.id}`, { token: TOKEN });
    assert.equal(removed.status, 204);
    assert.equal((await keys(b(), m.token)).status, 401);
    assert.equal((await keys(a(), m.token)).status, 401);
  });

  it('a role lowered through one node is what the other enforces at the next request', async () => {
    const m = await member('demoted@example.com', 'developer');
    const put = () =>
      request(b().url, 'PUT', '/v1/projects/demo/keys/DEMOTED', { token: m.token, body: { value: 'v-123456789' } });
    assert.equal((await put()).status, 201);
    const set = await request(a().url, 'POST', '/v1/projects/demo/members', {
      token: TOKEN,
      body: { name: 'demoted@example.com', role: 'viewer' },
    });
    assert.equal(set.status, 200);
    const refused = await put();
    assert.equal(refused.status, 403);
    assert.match(errorOf(refused).message, /is viewer, which cannot write keys/);
  });

  it('a service token revoked through one node, or expired, is refused by the other', async () => {
    const made = await request(a().url, 'POST', '/v1/projects/demo/tokens', {
      token: TOKEN,
      body: { name: 'ci', permissions: ['keys.describe'], expiresInDays: 2 },
    });
    const token = made.json.token as string;
    assert.equal((await keys(b(), token)).status, 200);
    clock = 2 * 86_400_000;
    try {
      const expired = await keys(b(), token);
      assert.equal(expired.status, 401);
      assert.match(errorOf(expired).message, /expired on/);
    } finally {
      clock = 0;
    }
    assert.equal((await keys(b(), token)).status, 200);
    await request(a().url, 'DELETE', `/v1/projects/demo/tokens/${made.json.info.id}`, { token: TOKEN });
    const revoked = await keys(b(), token);
    assert.equal(revoked.status, 401);
    assert.match(errorOf(revoked).message, /was revoked on/);
  });

  it('the admin command line, in its own process, removes a member every running node then refuses', async () => {
    buildCli();
    const m = await member('cli-removed@example.com', 'viewer');
    assert.equal((await keys(a(), m.token)).status, 200);
    assert.equal((await keys(b(), m.token)).status, 200);
    const r = runCli(['cloud', 'members', 'remove', 'cli-removed@example.com', '--project', 'demo'], {
      CLOUDXLR_DATABASE_URL: database,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Removed cli-removed@example.com from project demo/);
    for (const n of [a(), b()]) {
      const deadline = Date.now() + 1000;
      let status = (await keys(n, m.token)).status;
      while (status !== 401 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 10));
        status = (await keys(n, m.token)).status;
      }
      assert.equal(status, 401);
    }
  });

  it('a warm request of a member or a service token sends no statement to verify the token', async () => {
    const m = await member('warm@example.com', 'viewer');
    const svc = await request(a().url, 'POST', '/v1/projects/demo/tokens', {
      token: TOKEN,
      body: { name: 'warm ci', permissions: ['functions.deploy'], expiresInDays: 1 },
    });
    for (const token of [m.token, svc.json.token as string]) {
      const me = () => request(b().url, 'GET', '/v1/projects/demo/me', { token });
      assert.equal((await me()).status, 200);
      const before = b().services.storage.statements();
      for (let i = 0; i < 20; i++) assert.equal((await me()).status, 200);
      assert.equal(b().services.storage.statements() - before, 0);
    }
  });
});
