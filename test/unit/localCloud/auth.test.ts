import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { startLocalCloud } from '../../../src/localCloud';
import { bearerToken } from '../../../src/localCloud/tokens';
import { sqliteOf, errorOf, request, startTestCloud, tempDir, type TestCloud } from './helpers';

describe('local cloud: tokens and project scope', () => {
  let t: TestCloud;
  beforeEach(async () => {
    t = await startTestCloud();
  });
  afterEach(() => t.close());

  it('answers 401 the same way for a missing, wrong or foreign token and an unknown project', async () => {
    const answers = [
      await request(t.cloud.url, 'GET', '/v1/projects/demo/keys'),
      await request(t.cloud.url, 'GET', '/v1/projects/demo/keys', { token: 'cxlr_wrong_token_value' }),
      await request(t.cloud.url, 'GET', '/v1/projects/demo/keys', { token: t.tokens.other }),
      await request(t.cloud.url, 'GET', '/v1/projects/nosuch/keys', { token: t.tokens.demo }),
      await request(t.cloud.url, 'GET', '/v1/projects/nosuch/keys'),
      await request(t.cloud.url, 'GET', '/v1/projects/demo/keys', {
        headers: { Authorization: `Basic ${t.tokens.demo}` },
      }),
      await request(t.cloud.url, 'GET', '/v1/projects/demo/keys', { headers: { Authorization: 'Bearer' } }),
      await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/A', { token: t.tokens.other, body: { value: 'x' } }),
      await request(t.cloud.url, 'DELETE', '/v1/projects/demo/keys/A', { token: t.tokens.other }),
      await request(t.cloud.url, 'GET', '/v1/projects/demo/audit', { token: t.tokens.other }),
    ];
    for (const a of answers) {
      assert.equal(a.status, 401);
      assert.equal(errorOf(a).code, 'unauthorized');
      assert.equal(a.text, answers[0].text);
    }
  });

  it('a foreign token changes nothing in the other project', async () => {
    await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/KEEP', {
      token: t.tokens.demo,
      body: { value: 'keep-me' },
    });
    await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/KEEP', {
      token: t.tokens.other,
      body: { value: 'overwrite' },
    });
    await request(t.cloud.url, 'DELETE', '/v1/projects/demo/keys/KEEP', { token: t.tokens.other });
    const got = await request(t.cloud.url, 'GET', '/v1/projects/demo/keys/KEEP', { token: t.tokens.demo });
    assert.equal(got.json.version, 1);
  });

  it('auth is checked before validation, so names cannot be probed without a token', async () => {
    const res = await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/bad-name', { body: '{not json' });
    assert.equal(res.status, 401);
  });

  it('stores only a hash of each token, and saves generated tokens with mode 0600', async () => {
    const rows = sqliteOf(t.cloud).prepare('SELECT * FROM tokens').all() as Array<Record<string, unknown>>;
    assert.equal(rows.length, 2);
    const dump = JSON.stringify(rows.map((r) => ({ ...r, hash: (r.hash as Buffer).toString('hex') })));
    for (const token of Object.values(t.tokens)) {
      assert.ok(!dump.includes(token));
      const file = path.join(t.dataDir, 'tokens', `${token === t.tokens.demo ? 'demo' : 'other'}.token`);
      assert.equal(fs.readFileSync(file, 'utf8').trim(), token);
      if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    }
    if (process.platform !== 'win32') assert.equal(fs.statSync(path.join(t.dataDir, 'master.key')).mode & 0o777, 0o600);
  });

  it('generates a token only on the first start of a project', async () => {
    await t.close();
    const again = await startLocalCloud({ dataDir: t.dataDir, port: 0, projects: ['demo', 'other', 'third'] });
    try {
      assert.deepEqual(
        again.createdTokens.map((c) => c.project),
        ['third'],
      );
      const ok = await request(again.url, 'GET', '/v1/projects/demo/keys', { token: t.tokens.demo });
      assert.equal(ok.status, 200);
    } finally {
      await again.close();
    }
    t = await startTestCloud({ dataDir: tempDir() }); // for afterEach
  });

  it('a token given by flag works for each given project, and replaces an earlier flag token', async () => {
    const dir = tempDir();
    const first = await startLocalCloud({
      dataDir: dir,
      port: 0,
      projects: ['demo', 'second'],
      token: 'flag-token-one',
    });
    assert.deepEqual(first.createdTokens, []);
    for (const p of ['demo', 'second']) {
      assert.equal(
        (await request(first.url, 'GET', `/v1/projects/${p}/keys`, { token: 'flag-token-one' })).status,
        200,
      );
    }
    await first.close();
    const second = await startLocalCloud({ dataDir: dir, port: 0, projects: ['demo'], token: 'flag-token-two' });
    try {
      assert.equal(
        (await request(second.url, 'GET', '/v1/projects/demo/keys', { token: 'flag-token-two' })).status,
        200,
      );
      assert.equal(
        (await request(second.url, 'GET', '/v1/projects/demo/keys', { token: 'flag-token-one' })).status,
        401,
      );
      // A project not named this time keeps its token.
      assert.equal(
        (await request(second.url, 'GET', '/v1/projects/second/keys', { token: 'flag-token-one' })).status,
        200,
      );
    } finally {
      await second.close();
    }
  });

  it('refuses unusable project names and tokens at start', async () => {
    await assert.rejects(
      startLocalCloud({ dataDir: tempDir(), port: 0, projects: ['../evil'] }),
      /not a valid project name/,
    );
    await assert.rejects(startLocalCloud({ dataDir: tempDir(), port: 0, token: 'short' }), /8 to 512/);
    await assert.rejects(startLocalCloud({ dataDir: tempDir(), port: 0, token: 'has space in it' }), /8 to 512/);
  });

  it('refuses a data directory it cannot use, saying why', async () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, 'x');
    await assert.rejects(startLocalCloud({ dataDir: file, port: 0 }), /is not a directory/);
    const garbage = tempDir();
    fs.writeFileSync(path.join(garbage, 'cloud.db'), Buffer.alloc(8192, 0x42));
    await assert.rejects(startLocalCloud({ dataDir: garbage, port: 0 }), /is not a CloudXLR database/);
  });

  it('parses Bearer headers strictly', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer   abc  '), 'abc');
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
