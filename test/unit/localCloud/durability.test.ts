import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import * as http from 'http';
import { digestOf } from '../../../src/shared/secretText';
import { buildCli, startCli } from './cliProcess';
import { sqliteOf, startTestCloud, tempDir } from './helpers';

const TOKEN = 'durability-test-token';

/** One PUT over a keep-alive agent; resolves with the status, or 0 when the connection failed. */
function put(
  agent: http.Agent,
  url: string,
  name: string,
  body: unknown,
): Promise<{ status: number; json: { version?: number } }> {
  const u = new URL(url);
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: 'PUT',
        path: `/v1/projects/demo/keys/${name}`,
        agent,
        headers: {
          Authorization: `Bearer ${TOKEN}`,
          'Content-Type': 'application/json',
          'Content-Length': data.length,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as { version?: number } });
          } catch {
            resolve({ status: 0, json: {} });
          }
        });
        res.on('error', () => resolve({ status: 0, json: {} }));
      },
    );
    req.on('error', () => resolve({ status: 0, json: {} }));
    req.end(data);
  });
}

interface KeyJson {
  keys: Array<{ name: string; digest: string }>;
  versions: Array<{ version: number; digest: string }>;
}

function get(url: string, path: string): Promise<{ status: number; json: KeyJson }> {
  return new Promise((resolve, reject) => {
    http
      .get(url + path, { headers: { Authorization: `Bearer ${TOKEN}` }, agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as KeyJson }));
      })
      .on('error', reject);
  });
}

describe('local cloud: durability (kill -9 during a stream of writes)', function () {
  this.timeout(60_000);
  before(() => buildCli());

  it("runs SQLite in WAL mode with synchronous=FULL (every commit fsync'd)", async () => {
    const t = await startTestCloud();
    try {
      assert.equal(sqliteOf(t.cloud).pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(sqliteOf(t.cloud).pragma('synchronous', { simple: true }), 2); // FULL
    } finally {
      await t.close();
    }
  });

  it('keeps every acknowledged write across kill -9 and restart', async () => {
    const dataDir = tempDir('cloudxlr-durable-');
    const args = [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data',
      dataDir,
      '--project',
      'demo',
      '--token',
      TOKEN,
      '--quiet',
    ];
    const first = await startCli(args);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

    const acked = new Map<string, string>(); // name -> digest of the acknowledged value
    const rotating = new Map<number, string>(); // acknowledged version -> digest
    let running = true;
    let killedAt = -1;

    const writer = async (w: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const name = `KEY_${w}_${i}`;
        const value = `value-${w}-${i}-${randomBytes(8).toString('hex')}`;
        const r = await put(agent, first.url, name, { value });
        if (r.status === 201) acked.set(name, digestOf(value));
        else if (r.status === 0) return;
        else throw new Error(`unexpected ${r.status}`);
      }
    };
    const rotator = async (): Promise<void> => {
      for (let i = 0; running; i++) {
        const value = `rotation-${i}-${randomBytes(8).toString('hex')}`;
        const r = await put(agent, first.url, 'ROTATING', { value });
        if (r.status === 200 || r.status === 201) rotating.set(r.json.version as number, digestOf(value));
        else if (r.status === 0) return;
      }
    };
    const killer = (async () => {
      while (acked.size < 400) await new Promise((r) => setTimeout(r, 5));
      killedAt = acked.size;
      first.proc.kill('SIGKILL'); // mid-stream: writes are in flight
      await first.exited;
      running = false;
    })();
    await Promise.all([writer(0), writer(1), writer(2), rotator(), killer]);
    agent.destroy();
    assert.ok(killedAt >= 400);
    assert.ok(acked.size >= killedAt);

    const second = await startCli(args);
    try {
      const list = await get(second.url, '/v1/projects/demo/keys');
      assert.equal(list.status, 200);
      const stored = new Map<string, string>(list.json.keys.map((k) => [k.name, k.digest]));
      for (const [name, digest] of acked) assert.equal(stored.get(name), digest, `lost acknowledged write ${name}`);
      const rot = await get(second.url, '/v1/projects/demo/keys/ROTATING');
      const versions = new Map<number, string>(rot.json.versions.map((v) => [v.version, v.digest]));
      for (const [version, digest] of rotating) assert.equal(versions.get(version), digest, `lost version ${version}`);
      // A write acknowledged is never missing; one in flight may or may not have landed, but
      // the server is consistent again and keeps going.
      const after = await put(new http.Agent(), second.url, 'AFTER_RESTART', { value: 'after' });
      assert.equal(after.status, 201);
    } finally {
      second.proc.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });
});
