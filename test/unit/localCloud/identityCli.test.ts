// `cloudxlr cloud members|tokens|audit-hash` in a real process, on both engines: what they
// print, their exit codes and messages for wrong input, and that the cloud honours what they
// changed.
import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import { buildCli, runCli } from './cliProcess';
import { describeEachEngine, freshDatabase, request, startTestCloud, tempDir, type TestCloud } from './helpers';

const TOKEN = 'identity-cli-token-0123456789';

describeEachEngine('cloudxlr cloud members and tokens', (engine) => {
  let t: TestCloud | undefined;
  let dataDir: string;
  let database: string | undefined;
  const masterKey = randomBytes(32);
  const start = async () => (t = await startTestCloud({ engine, dataDir, database, masterKey, token: TOKEN }));
  // The embedded cloud must be stopped while the command line changes its database.
  const stopEmbedded = async () => {
    if (engine === 'embedded') await t?.close();
  };
  const startEmbedded = async () => {
    if (engine === 'embedded') await start();
  };
  const cli = (...args: string[]) =>
    runCli(['cloud', ...args], {
      CLOUDXLR_DATABASE_URL: database ?? '',
      CLOUDXLR_MASTER_KEY: masterKey.toString('base64'),
    });
  const where = () => (engine === 'embedded' ? ['--data', dataDir] : []);

  before(async function () {
    this.timeout(60_000);
    buildCli();
    dataDir = tempDir();
    if (engine === 'postgres') database = await freshDatabase();
    await start();
  });
  after(() => t?.close());

  it('adds a member (token printed once), sets its role, lists and removes it; the cloud honours each step', async function () {
    this.timeout(60_000);
    if (engine === 'embedded') {
      const busy = cli('members', 'add', 'ada@example.com', '--project', 'demo', '--role', 'owner', ...where());
      assert.equal(busy.status, 1);
      assert.match(busy.stderr, /in use by another local cloud.*owners manage members and tokens through its API/);
    }
    await stopEmbedded();
    const added = cli('members', 'add', 'ada@example.com', '--project', 'demo', '--role', 'owner', ...where());
    assert.equal(added.status, 0, added.stderr);
    const token = /^\s+(cxlr_mem_\S+)$/m.exec(added.stdout)?.[1];
    assert.ok(token, added.stdout);
    assert.match(added.stdout, /Added ada@example.com \(mem_[0-9a-f]+\) to project demo as owner\./);
    const second = cli('members', 'add', 'bo@example.com', '--project', 'demo', '--role', 'viewer', ...where());
    const boToken = /^\s+(cxlr_mem_\S+)$/m.exec(second.stdout)![1];
    const again = cli('members', 'add', 'bo@example.com', '--project', 'demo', '--role', 'developer', ...where());
    assert.equal(again.status, 0);
    assert.ok(!again.stdout.includes('cxlr_mem_'), 'a known member gets no new token');
    assert.match(again.stdout, /bo@example.com \(mem_[0-9a-f]+\) is developer in project demo\./);

    const badRole = cli('members', 'add', 'cy', '--project', 'demo', '--role', 'admin', ...where());
    assert.equal(badRole.status, 1);
    assert.match(badRole.stderr, /"admin" is not a role: use owner, developer, viewer\./);
    const noProject = cli('members', 'list', '--project', 'nosuch', ...where());
    assert.equal(noProject.status, 1);
    assert.match(noProject.stderr, /There is no project "nosuch"/);
    const noRole = cli('members', 'add', 'cy', '--project', 'demo', ...where());
    assert.equal(noRole.status, 2);
    assert.match(noRole.stderr, /needs --role owner, developer or viewer/);
    const lastOwner = cli('members', 'remove', 'ada@example.com', '--project', 'demo', ...where());
    assert.equal(lastOwner.status, 1);
    assert.match(lastOwner.stderr, /last owner of project demo/);

    const list = cli('members', 'list', '--project', 'demo', ...where());
    assert.equal(list.status, 0);
    assert.match(list.stdout, /^ada@example.com\s+owner\s+mem_/m);
    assert.match(list.stdout, /^bo@example.com\s+developer\s+mem_/m);
    assert.ok(!list.stdout.includes('cxlr_mem_'));

    await startEmbedded();
    const me = await request(t!.cloud.url, 'GET', '/v1/projects/demo/me', { token: boToken });
    assert.equal(me.json.identity.role, 'developer');
    assert.equal(me.json.identity.name, 'bo@example.com');
    const adaMe = await request(t!.cloud.url, 'GET', '/v1/projects/demo/me', { token });
    assert.equal(adaMe.json.identity.role, 'owner');

    // A lost token: a new one, printed once; the old one is refused at once.
    await stopEmbedded();
    const reissued = cli('members', 'reissue', 'bo@example.com', ...where());
    assert.equal(reissued.status, 0, reissued.stderr);
    assert.match(
      reissued.stdout,
      /New token for bo@example.com \(mem_[0-9a-f]+, projects demo\); the previous token no longer works\./,
    );
    const boNewToken = /^\s+(cxlr_mem_\S+)$/m.exec(reissued.stdout)?.[1];
    assert.ok(boNewToken && boNewToken !== boToken, reissued.stdout);
    const nobody = cli('members', 'reissue', 'nobody@example.com', ...where());
    assert.equal(nobody.status, 1);
    assert.match(nobody.stderr, /There is no member nobody@example.com in this cloud\./);
    await startEmbedded();
    assert.equal((await request(t!.cloud.url, 'GET', '/v1/projects/demo/me', { token: boToken })).status, 401);
    const renewed = await request(t!.cloud.url, 'GET', '/v1/projects/demo/me', { token: boNewToken });
    assert.equal(renewed.json.identity.name, 'bo@example.com');

    await stopEmbedded();
    const removed = cli('members', 'remove', 'bo@example.com', '--project', 'demo', ...where());
    assert.equal(removed.status, 0, removed.stderr);
    await startEmbedded();
    const gone = await request(t!.cloud.url, 'GET', '/v1/projects/demo/me', { token: boNewToken });
    assert.equal(gone.status, 401);
    const audit = await request(t!.cloud.url, 'GET', '/v1/projects/demo/audit', { token });
    const byCli = (audit.json.events as Array<{ action: string; actor?: string }>).filter(
      (e) => e.actor === 'admin command line',
    );
    assert.deepEqual(
      byCli.map((e) => e.action),
      ['member.create', 'member.create', 'member.role', 'member.token', 'member.remove'],
    );
  });

  it('creates a scoped service token (printed once), lists it by hint, revokes it; wrong input is refused clearly', async function () {
    this.timeout(60_000);
    await stopEmbedded();
    for (const [args, status, pattern] of [
      [['--permission', 'members.manage', '--expires-in', '30d'], 1, /cannot hold members.manage/],
      [['--permission', 'keys.read', '--expires-in', '30d'], 1, /"keys.read" is not a permission/],
      [['--permission', 'keys.write', '--expires-in', '0d'], 1, /from 1 to 365/],
      [['--permission', 'keys.write', '--expires-in', '366'], 1, /from 1 to 365/],
      [['--permission', 'keys.write', '--expires-in', 'soon'], 2, /--expires-in must be a number of days/],
      [['--permission', 'keys.write'], 2, /needs --expires-in/],
      [['--expires-in', '30d'], 2, /needs --permission/],
    ] as const) {
      const r = cli('tokens', 'create', '--project', 'demo', '--name', 'ci', ...args, ...where());
      assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
    const made = cli(
      'tokens',
      'create',
      '--project',
      'demo',
      '--name',
      'deploy from CI',
      '--permission',
      'functions.deploy',
      '--permission',
      'keys.describe',
      '--expires-in',
      '30d',
      ...where(),
    );
    assert.equal(made.status, 0, made.stderr);
    const token = /^\s+(cxlr_svc_\S+)$/m.exec(made.stdout)![1];
    const id = /service token (svc_[0-9a-f]+)/.exec(made.stdout)![1];
    assert.match(made.stdout, /keys.describe, functions.deploy; expires /);
    const list = cli('tokens', 'list', '--project', 'demo', ...where());
    assert.ok(list.stdout.includes(`${id}  deploy from CI  ${token.slice(0, 13)}…`), list.stdout);
    assert.match(list.stdout, /active/);
    assert.ok(!list.stdout.includes(token));

    await startEmbedded();
    const me = await request(t!.cloud.url, 'GET', '/v1/projects/demo/me', { token });
    assert.deepEqual(me.json.identity.permissions, ['keys.describe', 'functions.deploy']);
    await stopEmbedded();
    const revoked = cli('tokens', 'revoke', id, '--project', 'demo', ...where());
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`Revoked service token ${id} "deploy from CI" of project demo`));
    const unknown = cli('tokens', 'revoke', 'svc_nosuch', '--project', 'demo', ...where());
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /There is no service token svc_nosuch in project demo/);
    await startEmbedded();
    const refused = await request(t!.cloud.url, 'GET', '/v1/projects/demo/me', { token });
    assert.equal(refused.status, 401);
    assert.match(refused.json.error.message, /was revoked on/);
  });

  it('audit-hash prints the HMAC the audit stores for a client address, beside the running cloud', async () => {
    const put = await request(t!.cloud.url, 'PUT', '/v1/projects/demo/keys/HASHED_SOURCE', {
      token: TOKEN,
      body: { value: 'hashed-source-value' },
    });
    assert.ok(put.status === 201 || put.status === 200, put.text);
    const audit = await request(t!.cloud.url, 'GET', '/v1/projects/demo/audit', { token: TOKEN });
    const event = (audit.json.events as Array<{ target: string; source: string }>).find(
      (e) => e.target === 'HASHED_SOURCE',
    )!;
    const r = cli('audit-hash', '127.0.0.1', ...where());
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), event.source);
    const other = cli('audit-hash', '10.0.0.1', ...where());
    assert.notEqual(other.stdout.trim(), event.source);
  });
});
