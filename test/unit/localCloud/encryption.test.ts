import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { startLocalCloud } from '../../../src/localCloud';
import { ValueCipher } from '../../../src/localCloud/crypto';
import { request, sqliteOf, startTestCloud, tempDir } from './helpers';

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? allFiles(p) : [p];
  });
}

/** Every encoding of `value` a careless store could leave on disk. */
function forms(value: string): Buffer[] {
  const b = Buffer.from(value, 'utf8');
  return [
    b,
    Buffer.from(b.toString('base64')),
    Buffer.from(b.toString('base64url')),
    Buffer.from(b.toString('hex')),
    Buffer.from(b.toString('hex').toUpperCase()),
    Buffer.from(value, 'utf16le'),
    Buffer.from(JSON.stringify(value)),
    // A distinctive inner piece, in case of partial writes.
    b.subarray(8, 40),
  ];
}

describe('local cloud: encryption at rest', () => {
  const value = `sk_live_DISTINCTIVE_${randomBytes(12).toString('hex')}_END`;

  it('no file of the data directory (database, -wal, -shm, tokens) holds a stored value in any encoding', async () => {
    const t = await startTestCloud();
    const put = async (v: string): Promise<void> => {
      const r = await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/DISTINCT', {
        token: t.tokens.demo,
        body: { value: v },
      });
      assert.ok(r.status === 200 || r.status === 201);
    };
    await put(value);
    await put(value + '_v2');
    // Check while running (the WAL holds everything), and again after a clean close.
    const check = (running: boolean): void => {
      const files = allFiles(t.dataDir);
      if (running)
        assert.ok(
          files.some((f) => f.endsWith('-wal')),
          `files: ${files.join(', ')}`,
        );
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        for (const form of [...forms(value), ...forms(value + '_v2')]) {
          assert.equal(
            bytes.indexOf(form),
            -1,
            `${path.basename(file)} contains the value (${form.toString('latin1').slice(0, 12)}…)`,
          );
        }
      }
    };
    check(true);
    // But the runtime can read it back.
    assert.equal(await t.cloud.services.vault.readValue('demo', 'DISTINCT', 1), value);
    await t.close();
    check(false);
  });

  it('the database alone reveals nothing: without the master key it will not start', async () => {
    const t = await startTestCloud();
    await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/A', { token: t.tokens.demo, body: { value } });
    await t.close();
    fs.rmSync(path.join(t.dataDir, 'master.key'));
    await assert.rejects(startLocalCloud({ dataDir: t.dataDir, port: 0 }), /master key .* is missing/);
    // A different key is refused too, instead of silently failing to decrypt.
    const other = randomBytes(32).toString('base64');
    await assert.rejects(
      startLocalCloud({ dataDir: t.dataDir, port: 0, env: { CLOUDXLR_MASTER_KEY: other } }),
      /The root key rk_[0-9a-f]{20} \(from CLOUDXLR_MASTER_KEY\) is not accepted by this data directory, which accepts rk_[0-9a-f]{20}\./,
    );
  });

  it('takes the master key from CLOUDXLR_MASTER_KEY and then writes no master.key', async () => {
    const dir = tempDir();
    const key = randomBytes(32).toString('base64');
    const cloud = await startLocalCloud({
      dataDir: dir,
      port: 0,
      env: { CLOUDXLR_MASTER_KEY: key },
      token: 'env-key-token',
    });
    try {
      assert.equal(cloud.masterKeySource, 'environment');
      assert.ok(!fs.existsSync(path.join(dir, 'master.key')));
      await request(cloud.url, 'PUT', '/v1/projects/demo/keys/ENV_KEYED', { token: 'env-key-token', body: { value } });
    } finally {
      await cloud.close();
    }
    const again = await startLocalCloud({ dataDir: dir, port: 0, env: { CLOUDXLR_MASTER_KEY: key } });
    assert.equal(await again.services.vault.readValue('demo', 'ENV_KEYED', 'latest'), value);
    await again.close();
    await assert.rejects(
      startLocalCloud({ dataDir: tempDir(), port: 0, env: { CLOUDXLR_MASTER_KEY: 'dG9vIHNob3J0' } }),
      /not the base64 form of 32 bytes/,
    );
  });

  it('binds each sealed value to its project, name and version', () => {
    const cipher = new ValueCipher(randomBytes(32));
    const sealed = cipher.seal('demo', 'A', 1, 'secret-value');
    assert.equal(cipher.open('demo', 'A', 1, sealed), 'secret-value');
    assert.throws(() => cipher.open('demo', 'A', 2, sealed));
    assert.throws(() => cipher.open('demo', 'B', 1, sealed));
    assert.throws(() => cipher.open('other', 'A', 1, sealed));
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    assert.throws(() => cipher.open('demo', 'A', 1, tampered));
    // A fresh IV each time: the same value never seals to the same bytes.
    assert.notDeepEqual(cipher.seal('demo', 'A', 1, 'secret-value'), sealed);
  });

  it('a sealed value moved to another key in the database cannot be read', async () => {
    const t = await startTestCloud();
    try {
      await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/SOURCE', {
        token: t.tokens.demo,
        body: { value: 'source-value' },
      });
      await request(t.cloud.url, 'PUT', '/v1/projects/demo/keys/TARGET', {
        token: t.tokens.demo,
        body: { value: 'target-value' },
      });
      const db = sqliteOf(t.cloud);
      db.prepare(
        "UPDATE key_versions SET sealed = (SELECT sealed FROM key_versions WHERE name = 'SOURCE') WHERE name = 'TARGET'",
      ).run();
      await assert.rejects(t.cloud.services.vault.readValue('demo', 'TARGET', 1));
      // The API still answers (it never decrypts for a route).
      const res = await request(t.cloud.url, 'GET', '/v1/projects/demo/keys/TARGET', { token: t.tokens.demo });
      assert.equal(res.status, 200);
    } finally {
      await t.close();
    }
  });
});
