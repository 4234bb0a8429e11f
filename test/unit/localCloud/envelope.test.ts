// Envelope encryption: a root key wraps one data key per project, each sealed value names its
// data key, databases from before envelopes keep working, and the root key rotates online
// while nodes on the old key and on the new one keep serving (PostgreSQL, several nodes), with
// `cloudxlr cloud rotate-root-key` run as a user runs it.
import { strict as assert } from 'assert';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import { startLocalCloud, type LocalCloud } from '../../../src/localCloud';
import { RootKey, rootKeyId, ValueCipher } from '../../../src/localCloud/crypto';
import { loadNodeSqlite } from '../../../src/localCloud/nodeSqlite';
import { addRootKey, finishRotation, keyInfo, rotateDataKey } from '../../../src/localCloud/rootKeys';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from '../../../src/localCloud/storage/migrations';
import { buildCli, runCli } from './cliProcess';
import {
  describeEachEngine,
  freshDatabase,
  request,
  sqliteOf,
  startTestCloud,
  tempDir,
  type TestCloud,
} from './helpers';

const TOKEN = 'envelope-token-0123456789';
const b64 = (k: Buffer): string => k.toString('base64');

/** Rows of a query on the cloud's database, whichever the engine. */
async function rows<R>(cloud: LocalCloud, database: string | undefined, sql: string): Promise<R[]> {
  if (!database) return sqliteOf(cloud).prepare(sql).all() as R[];
  const c = new Client({ connectionString: database });
  await c.connect();
  try {
    return (await c.query(sql)).rows as R[];
  } finally {
    await c.end();
  }
}

async function pgQuery(database: string, sql: string, params: unknown[] = []): Promise<void> {
  const c = new Client({ connectionString: database });
  await c.connect();
  try {
    await c.query(sql, params);
  } finally {
    await c.end();
  }
}

const put = (url: string, project: string, name: string, value: string) =>
  request(url, 'PUT', `/v1/projects/${project}/keys/${name}`, { token: TOKEN, body: { value } });

/** Deploys a function that answers the first 8 characters of each of `keys`. */
async function deployReader(url: string, project: string, fn: string, keys: string[]): Promise<void> {
  const code = `module.exports = async (req, ctx) => { const out = {}; for (const k of ${JSON.stringify(keys)}) out[k] = (await ctx.secrets.get(k)).slice(0, 8); return out; };`;
  const r = await request(url, 'PUT', `/v1/projects/${project}/functions/${fn}`, {
    token: TOKEN,
    body: {
      runtime: 'node20',
      code,
      sha256: createHash('sha256').update(code).digest('hex'),
      secrets: keys.map((name) => ({ name, version: 'latest' })),
    },
  });
  assert.ok(r.status === 200 || r.status === 201, r.text);
}

const invoke = async (url: string, project: string, fn: string) => {
  const r = await request(url, 'POST', `/fn/${project}/${fn}`, { body: {} });
  assert.equal(r.status, 200, r.text);
  return r.json as Record<string, string>;
};

describe('envelope encryption: root key and data keys', () => {
  it('a root key wraps a data key bound to its id and owner; its id is a fingerprint that reveals nothing', () => {
    const raw = randomBytes(32);
    const root = new RootKey(raw, 'option');
    assert.match(root.id, /^rk_[0-9a-f]{20}$/);
    assert.equal(root.id, rootKeyId(Buffer.from(raw)), 'the same key always has the same id');
    assert.notEqual(new RootKey(randomBytes(32), 'option').id, root.id);
    for (const form of [raw.toString('hex'), raw.toString('base64')]) assert.ok(!form.includes(root.id.slice(3)));
    const dataKey = randomBytes(32);
    const wrapped = root.wrap('dk_1', 'project:demo', dataKey);
    assert.deepEqual(root.unwrap('dk_1', 'project:demo', wrapped), dataKey);
    assert.ok(wrapped.indexOf(dataKey) === -1);
    assert.throws(() => root.unwrap('dk_2', 'project:demo', wrapped), 'moved to another data key id');
    assert.throws(() => root.unwrap('dk_1', 'project:other', wrapped), 'moved to another project');
    assert.throws(
      () => new RootKey(randomBytes(32), 'option').unwrap('dk_1', 'project:demo', wrapped),
      'another root key',
    );
  });

  it('the master-derived key of earlier versions, kept as a data key, opens what earlier versions sealed', () => {
    const master = randomBytes(32);
    const sealed = new ValueCipher(master).seal('demo', 'A', 1, 'earlier-value');
    const legacy = new ValueCipher(new RootKey(master, 'option').legacyValueKey, 'data-key');
    assert.equal(legacy.open('demo', 'A', 1, sealed), 'earlier-value');
  });
});

describeEachEngine('envelope encryption over HTTP', function (engine) {
  this.timeout(60_000);
  let t: TestCloud | undefined;
  let database: string | undefined;
  beforeEach(async () => {
    database = engine === 'postgres' ? await freshDatabase() : undefined;
    t = await startTestCloud({ engine, database, token: TOKEN });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('each new value records its data key, wrapped by the root key; the two projects never share one', async () => {
    const { url } = t!.cloud;
    for (const p of ['demo', 'other']) {
      assert.equal((await put(url, p, 'SAME_NAME', `value-of-${p}-1`)).status, 201);
      assert.equal((await put(url, p, 'SAME_NAME', `value-of-${p}-2`)).status, 200);
    }
    const versions = await rows<{ project: string; data_key_id: string | null }>(
      t!.cloud,
      database,
      'SELECT project, data_key_id FROM key_versions ORDER BY project, version',
    );
    assert.equal(versions.length, 4);
    for (const v of versions) assert.match(v.data_key_id ?? 'NULL', /^dk_[0-9a-f]{24}$/);
    const byProject = new Map(versions.map((v) => [v.project, v.data_key_id]));
    assert.notEqual(byProject.get('demo'), byProject.get('other'), 'one data key per project');
    assert.equal(versions[0]!.data_key_id, versions[1]!.data_key_id, 'a project keeps its data key');
    const keys = await rows<{ id: string; owner: string; root_key_id: string }>(
      t!.cloud,
      database,
      "SELECT id, owner, root_key_id FROM data_keys WHERE owner LIKE 'project:%' ORDER BY owner",
    );
    assert.deepEqual(
      keys.map((k) => [k.owner, k.id, k.root_key_id]),
      [
        ['project:demo', byProject.get('demo'), t!.cloud.rootKeys.current],
        ['project:other', byProject.get('other'), t!.cloud.rootKeys.current],
      ],
    );
    assert.equal(await t!.cloud.services.vault.readValue('other', 'SAME_NAME', 2), 'value-of-other-2');
  });

  it('a ciphertext swapped between projects (with its data key id) does not open', async () => {
    const { url } = t!.cloud;
    assert.equal((await put(url, 'demo', 'PAYMENT_KEY', 'demo-secret-value')).status, 201);
    assert.equal((await put(url, 'other', 'PAYMENT_KEY', 'other-secret-value')).status, 201);
    const swap =
      "UPDATE key_versions SET sealed = (SELECT sealed FROM key_versions WHERE project = 'other' AND name = 'PAYMENT_KEY'), data_key_id = (SELECT data_key_id FROM key_versions WHERE project = 'other' AND name = 'PAYMENT_KEY') WHERE project = 'demo' AND name = 'PAYMENT_KEY'";
    if (database) await pgQuery(database, swap);
    else sqliteOf(t!.cloud).prepare(swap).run();
    // Not kept in memory: the swap is not announced, so a fresh cloud reads it.
    await t!.close();
    t = await startTestCloud({ engine, database, dataDir: t!.dataDir, token: TOKEN });
    await assert.rejects(t.cloud.services.vault.readValue('demo', 'PAYMENT_KEY', 1), (e: Error) => {
      assert.match(e.message, /belongs to another project/);
      assert.ok(!e.message.includes('secret-value'));
      return true;
    });
    assert.equal(await t.cloud.services.vault.readValue('other', 'PAYMENT_KEY', 1), 'other-secret-value');
  });

  it('a data key rotation seals new values under a new data key; older values still read', async () => {
    const { url } = t!.cloud;
    assert.equal((await put(url, 'demo', 'K', 'before-rotation')).status, 201);
    const first = await t!.cloud.keyring.sealerOf('demo');
    const made = await t!.cloud.keyring.rotateDataKey('demo');
    assert.equal(made.generation, 2);
    assert.equal((await put(url, 'demo', 'K', 'after-rotation')).status, 200);
    const ids = await rows<{ data_key_id: string }>(
      t!.cloud,
      database,
      "SELECT data_key_id FROM key_versions WHERE project = 'demo' ORDER BY version",
    );
    assert.deepEqual(
      ids.map((r) => r.data_key_id),
      [first.id, made.id],
    );
    assert.equal(await t!.cloud.services.vault.readValue('demo', 'K', 1), 'before-rotation');
    assert.equal(await t!.cloud.services.vault.readValue('demo', 'K', 2), 'after-rotation');
  });

  it('an install-wide key (the audit HMAC key) is made once, wrapped like a data key, and the same after a restart', async () => {
    const key = await t!.cloud.keyring.installKey('audit_key');
    assert.equal(key.length, 32);
    assert.deepEqual(await t!.cloud.keyring.installKey('audit_key'), key);
    await t!.close();
    t = await startTestCloud({ engine, database, dataDir: t!.dataDir, token: TOKEN });
    assert.deepEqual(await t.cloud.keyring.installKey('audit_key'), key);
    const wrapped = await rows<{ wrapped: Buffer }>(
      t.cloud,
      database,
      "SELECT wrapped FROM data_keys WHERE owner = 'install:audit_key'",
    );
    assert.equal(wrapped.length, 1);
    assert.equal(Buffer.from(wrapped[0]!.wrapped).indexOf(key), -1);
  });
});

/** A SQLite database exactly as the version before envelopes made it, with one sealed value. */
function oldSqliteDatabase(dir: string, master: Buffer, value: string): void {
  const { DatabaseSync } = loadNodeSqlite();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(path.join(dir, 'cloud.db'));
  db.exec('PRAGMA journal_mode = WAL');
  const before = SQLITE_MIGRATIONS.length - 1;
  for (let v = 0; v < before; v++) db.exec(SQLITE_MIGRATIONS[v]!);
  db.exec(`PRAGMA user_version = ${before}`);
  const cipher = new ValueCipher(master);
  const time = new Date().toISOString();
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('master_key_check', cipher.check);
  db.prepare('INSERT INTO projects (name, created_at) VALUES (?, ?)').run('demo', time);
  db.prepare('INSERT INTO keys (project, name, version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)').run(
    'demo',
    'OLD_KEY',
    time,
    time,
  );
  db.prepare(
    'INSERT INTO key_versions (project, name, version, digest, sealed, created_at) VALUES (?, ?, 1, ?, ?, ?)',
  ).run('demo', 'OLD_KEY', 'sha256:x', cipher.seal('demo', 'OLD_KEY', 1, value), time);
  db.close();
}

/** The same on PostgreSQL: the schema before envelopes (migration 1) and one sealed value. */
async function oldPostgresDatabase(master: Buffer, value: string): Promise<string> {
  const database = await freshDatabase();
  const cipher = new ValueCipher(master);
  const time = new Date().toISOString();
  const before = POSTGRES_MIGRATIONS.length - 1;
  const c = new Client({ connectionString: database });
  await c.connect();
  try {
    await c.query(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, breaks_older BOOLEAN NOT NULL DEFAULT false)',
    );
    for (let v = 0; v < before; v++) {
      await c.query(POSTGRES_MIGRATIONS[v]!.sql);
      await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, time]);
    }
    await c.query('INSERT INTO meta (key, value) VALUES ($1, $2)', ['master_key_check', cipher.check]);
    await c.query('INSERT INTO projects (name, created_at) VALUES ($1, $2)', ['demo', time]);
    await c.query('INSERT INTO keys (project, name, version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)', [
      'demo',
      'OLD_KEY',
      time,
    ]);
    await c.query(
      'INSERT INTO key_versions (project, name, version, digest, sealed, created_at) VALUES ($1, $2, 1, $3, $4, $5)',
      ['demo', 'OLD_KEY', 'sha256:x', cipher.seal('demo', 'OLD_KEY', 1, value), time],
    );
  } finally {
    await c.end();
  }
  return database;
}

describe('envelope encryption: a database from before envelopes, and root key rotation', function () {
  this.timeout(120_000);
  let nodes: LocalCloud[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
  });

  const start = (database: string | undefined, dataDir: string, master: Buffer, previous: Buffer[] = []) =>
    startLocalCloud({
      dataDir,
      port: 0,
      projects: ['demo', 'other'],
      token: TOKEN,
      database,
      logRequests: false,
      env: { CLOUDXLR_MASTER_KEY: b64(master), CLOUDXLR_PREVIOUS_MASTER_KEYS: previous.map(b64).join(',') },
    });

  it('embedded: values written before envelopes still read, new ones get a data key, and a rotation carries both', async () => {
    const dir = tempDir();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    oldSqliteDatabase(dir, oldKey, 'written-before-envelopes');
    let cloud = await start(undefined, dir, oldKey);
    nodes.push(cloud);
    assert.equal(await cloud.services.vault.readValue('demo', 'OLD_KEY', 1), 'written-before-envelopes');
    assert.equal((await put(cloud.url, 'demo', 'NEW_KEY', 'written-with-envelopes')).status, 201);
    const ids = sqliteOf(cloud).prepare('SELECT name, data_key_id FROM key_versions ORDER BY name').all() as Array<{
      name: string;
      data_key_id: string | null;
    }>;
    assert.equal(ids[0]!.name, 'NEW_KEY');
    assert.match(ids[0]!.data_key_id!, /^dk_/);
    assert.deepEqual(ids[1], { name: 'OLD_KEY', data_key_id: null });
    await cloud.close();
    nodes = [];
    // Offline rotation of the embedded cloud: add the new key, finish, start with it alone.
    const env = { CLOUDXLR_MASTER_KEY: b64(newKey), CLOUDXLR_PREVIOUS_MASTER_KEYS: b64(oldKey) };
    const added = await addRootKey({ dataDir: dir, env });
    assert.equal(added.rootKeyId, rootKeyId(newKey));
    assert.deepEqual(added.accepted.sort(), [rootKeyId(oldKey), rootKeyId(newKey)].sort());
    assert.equal(added.rewrapped, 3, 'the key of earlier versions, the data key of demo and the audit key');
    const finished = await finishRotation({ dataDir: dir, env: { CLOUDXLR_MASTER_KEY: b64(newKey) } });
    assert.deepEqual(finished.retired, [rootKeyId(oldKey)]);
    cloud = await start(undefined, dir, newKey);
    nodes.push(cloud);
    assert.equal(await cloud.services.vault.readValue('demo', 'OLD_KEY', 1), 'written-before-envelopes');
    assert.equal(await cloud.services.vault.readValue('demo', 'NEW_KEY', 1), 'written-with-envelopes');
    await cloud.close();
    nodes = [];
    await assert.rejects(start(undefined, dir, oldKey), (e: Error) => {
      assert.equal(
        e.message,
        `The root key ${rootKeyId(oldKey)} (from CLOUDXLR_MASTER_KEY) is not accepted by this data directory, which accepts ${rootKeyId(newKey)}. Start with the current root key (CLOUDXLR_MASTER_KEY or master.key), or, to rotate to this key, run cloudxlr cloud rotate-root-key with the previous key.`,
      );
      return true;
    });
  });

  it('PostgreSQL: rotation while a node on the old key and a node on new+old serve; --finish; the old key is then refused', async () => {
    buildCli();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const [oldId, newId] = [rootKeyId(oldKey), rootKeyId(newKey)];
    const database = await oldPostgresDatabase(oldKey, 'legacy-value-000');
    const a = await start(database, tempDir(), oldKey);
    nodes.push(a);
    assert.equal((await put(a.url, 'demo', 'API_KEY', 'api-value-111')).status, 201);
    await deployReader(a.url, 'demo', 'reader', ['OLD_KEY', 'API_KEY']);
    assert.deepEqual(await invoke(a.url, 'demo', 'reader'), { OLD_KEY: 'legacy-v', API_KEY: 'api-valu' });

    // Step 1, while node a serves: the new key wraps every data key too.
    const rotated = runCli(['cloud', 'rotate-root-key', '--database', database], {
      CLOUDXLR_MASTER_KEY: b64(newKey),
      CLOUDXLR_PREVIOUS_MASTER_KEYS: b64(oldKey),
    });
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(
      rotated.stdout,
      new RegExp(`The database accepts ${oldId}, ${newId}: 3 of 3 data keys wrapped by ${newId} just now\\.`),
    );
    assert.ok(!rotated.stdout.includes(b64(newKey)) && !rotated.stderr.includes(b64(oldKey)));

    // Step 2: a node restarted with the new key and the old one as previous; a keeps serving.
    const b = await start(database, tempDir(), newKey, [oldKey]);
    nodes.push(b);
    assert.deepEqual(b.rootKeys, { current: newId, previous: [oldId], accepted: [oldId, newId] });
    for (const n of [a, b])
      assert.deepEqual(await invoke(n.url, 'demo', 'reader'), { OLD_KEY: 'legacy-v', API_KEY: 'api-valu' });
    // A value written through each node reads on the other; b's new data key is wrapped by both keys.
    assert.equal((await put(b.url, 'demo', 'API_KEY', 'api-value-222')).status, 200);
    assert.equal((await put(a.url, 'other', 'OTHER_KEY', 'other-value-333')).status, 201);
    await deployReader(b.url, 'other', 'reader', ['OTHER_KEY']);
    for (const n of [a, b]) {
      assert.deepEqual(await invoke(n.url, 'other', 'reader'), { OTHER_KEY: 'other-va' });
      assert.equal(await n.services.vault.readValue('demo', 'API_KEY', 2), 'api-value-222');
    }

    // Step 3 without the old key: a made project other's data key after step 1, under the old key only.
    const early = runCli(['cloud', 'rotate-root-key', '--finish', '--database', database], {
      CLOUDXLR_MASTER_KEY: b64(newKey),
    });
    assert.equal(early.status, 1);
    assert.match(early.stderr, new RegExp(`1 data key is still wrapped only by ${oldId} .*Nothing was changed\\.`));
    // Every node still serves.
    for (const n of [a, b]) assert.deepEqual(await invoke(n.url, 'other', 'reader'), { OTHER_KEY: 'other-va' });

    // Rolling restart done: every node on the new key (here: a stops), then --finish with the old key to wrap the straggler.
    await a.close();
    nodes = [b];
    const keyFile = path.join(tempDir(), 'old.key');
    fs.writeFileSync(keyFile, b64(oldKey) + '\n', { mode: 0o600 });
    const finish = runCli(
      ['cloud', 'rotate-root-key', '--finish', '--database', database, '--previous-key-file', keyFile],
      {
        CLOUDXLR_MASTER_KEY: b64(newKey),
      },
    );
    assert.equal(finish.status, 0, finish.stderr);
    assert.match(
      finish.stdout,
      new RegExp(
        `Rotation finished: the database accepts only ${newId}; 4 data keys are wrapped by it \\(1 wrapped just now\\)\\. Removed 4 wrappings by ${oldId}\\.`,
      ),
    );

    // A node with the new key only reads everything.
    const c = await start(database, tempDir(), newKey);
    nodes.push(c);
    assert.deepEqual(await invoke(c.url, 'demo', 'reader'), { OLD_KEY: 'legacy-v', API_KEY: 'api-valu' });
    assert.deepEqual(await invoke(c.url, 'other', 'reader'), { OTHER_KEY: 'other-va' });
    assert.equal(await c.services.vault.readValue('demo', 'API_KEY', 1), 'api-value-111');
    const info = runCli(['cloud', 'key-info', '--database', database], { CLOUDXLR_MASTER_KEY: b64(newKey) });
    assert.equal(info.status, 0, info.stderr);
    assert.match(
      info.stdout,
      new RegExp(
        `Root keys the database accepts: ${newId}\\n  ${newId} wraps 4 data keys\\nThis machine's current root key: ${newId} \\(accepted\\)`,
      ),
    );

    // A node with only the old key, or with a wrong key, is refused with the ids.
    for (const [key, id] of [
      [oldKey, oldId],
      [randomBytes(32), undefined],
    ] as const) {
      await assert.rejects(start(database, tempDir(), key), (e: Error) => {
        assert.match(
          e.message,
          new RegExp(
            `^The root key ${id ?? 'rk_[0-9a-f]{20}'} \\(from CLOUDXLR_MASTER_KEY\\) is not accepted by this database, which accepts ${newId}\\.`,
          ),
        );
        assert.ok(!e.message.includes(b64(key)));
        return true;
      });
    }
    const refused = runCli(['cloud', 'start', '--port', '0', '--database', database, '--data', tempDir()], {
      CLOUDXLR_MASTER_KEY: b64(oldKey),
    });
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      new RegExp(`The local cloud did not start: The root key ${oldId} .* which accepts ${newId}\\.`),
    );
  });

  it("PostgreSQL: nodes racing to seal a project's first value agree on one data key", async () => {
    const database = await freshDatabase();
    const master = randomBytes(32);
    nodes = await Promise.all([0, 1, 2].map(() => start(database, tempDir(), master)));
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => put(nodes[i % 3]!.url, 'demo', `RACE_${i}`, `race-value-${i}`)),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(12).fill(201),
    );
    const c = new Client({ connectionString: database });
    await c.connect();
    try {
      const used = (await c.query("SELECT DISTINCT data_key_id FROM key_versions WHERE project = 'demo'")).rows;
      assert.equal(used.length, 1, JSON.stringify(used));
      const made = (await c.query("SELECT id FROM data_keys WHERE owner = 'project:demo'")).rows;
      assert.equal(made.length, 1);
    } finally {
      await c.end();
    }
    for (const n of nodes) assert.equal(await n.services.vault.readValue('demo', 'RACE_5', 1), 'race-value-5');
    const info = await keyInfo({ dataDir: tempDir(), database, env: { CLOUDXLR_MASTER_KEY: b64(master) } });
    assert.deepEqual(info.mine, [{ id: rootKeyId(master), source: 'environment', accepted: true }]);
    const rotatedData = await rotateDataKey(
      { dataDir: tempDir(), database, env: { CLOUDXLR_MASTER_KEY: b64(master) } },
      'demo',
    );
    assert.equal(rotatedData.generation, 2);
  });
});
