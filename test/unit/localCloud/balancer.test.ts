// Three cloud nodes as separate processes on one PostgreSQL, behind a real HAProxy: the load
// is spread over them, compare-and-set holds through the balancer, a PostgreSQL restart in the
// middle of a stream of writes gives 503s and then recovery, and kill -9 of one node in the
// middle of a stream loses no acknowledged write while the balancer routes around it.
import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import { digestOf } from '../../../src/shared/secretText';
import { startBalancer, type Balancer } from '../../host/balancer';
import { waitForHttp } from '../../host/processes';
import { buildCli, startCli, type CliProcess } from './cliProcess';
import { freshDatabase, request, tempDir, testPostgres, type RawResponse } from './helpers';

const TOKEN = 'balanced-token-0123456789';
const KEYS = '/v1/projects/demo/keys';

interface Acked {
  version: number;
  digest: string;
}

/** Writes `count` versions of `name` one after the other; answers the acknowledged ones and the refusals' statuses. */
async function writeStream(
  url: string,
  name: string,
  count: number,
  onEach: (i: number) => void = () => undefined,
): Promise<{ acked: Acked[]; refused: number[] }> {
  const acked: Acked[] = [];
  const refused: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = `${name.toLowerCase()}-value-${i}-${randomBytes(4).toString('hex')}`;
    let res: RawResponse | undefined;
    try {
      res = await request(url, 'PUT', `${KEYS}/${name}`, { token: TOKEN, body: { value } });
    } catch {
      refused.push(0); // the connection broke: not acknowledged
    }
    if (res && res.status >= 200 && res.status < 300) {
      assert.equal(res.json.digest, digestOf(value));
      acked.push({ version: res.json.version as number, digest: res.json.digest as string });
    } else if (res) {
      refused.push(res.status);
    }
    onEach(i);
  }
  return { acked, refused };
}

/** Every acknowledged version is stored, with the digest of the value acknowledged. */
async function assertKept(url: string, name: string, acked: Acked[]): Promise<void> {
  const key = await request(url, 'GET', `${KEYS}/${name}`, { token: TOKEN });
  assert.equal(key.status, 200, key.text);
  const stored = new Map((key.json.versions as Acked[]).map((v) => [v.version, v.digest]));
  for (const a of acked) assert.equal(stored.get(a.version), a.digest, `${name} version ${a.version} was acknowledged`);
}

describe('team cloud: three nodes behind HAProxy', function () {
  this.timeout(120_000);
  let nodes: CliProcess[] = [];
  let balancer: Balancer;

  before(async () => {
    buildCli();
    const database = await freshDatabase();
    const env = { CLOUDXLR_MASTER_KEY: randomBytes(32).toString('base64') };
    const args = ['--port', '0', '--project', 'demo', '--token', TOKEN, '--database', database];
    // The first node migrates the empty database; the others find it current.
    nodes.push(await startCli([...args, '--data', tempDir()], env));
    nodes.push(...(await Promise.all([1, 2].map(() => startCli([...args, '--data', tempDir()], env)))));
    balancer = await startBalancer(nodes.map((n) => Number(new URL(n.url).port)));
  });

  after(async () => {
    await balancer?.stop();
    for (const n of nodes) n.proc.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    nodes = [];
  });

  it('spreads requests over every node', async () => {
    const marker = `/v1/projects/demo/keys?spread=${Date.now()}`;
    for (let i = 0; i < 30; i++)
      assert.equal((await request(balancer.url, 'GET', marker, { token: TOKEN })).status, 200);
    const served = nodes.map(
      (n) =>
        n
          .output()
          .split('\n')
          .filter((l) => l.startsWith('GET /v1/projects/demo/keys 200')).length,
    );
    for (const count of served) assert.ok(count >= 5, `requests per node: ${served.join(', ')}`);
  });

  it('compare-and-set through the balancer: of 40 racing writers with the same expected version, exactly one wins', async () => {
    assert.equal(
      (await request(balancer.url, 'PUT', `${KEYS}/BALANCED_CAS`, { token: TOKEN, body: { value: 'start' } })).status,
      201,
    );
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(balancer.url, 'PUT', `${KEYS}/BALANCED_CAS`, {
          token: TOKEN,
          body: { value: `racer-${i}`, ifVersion: 1 },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 39, statuses.join(','));
  });

  it('a PostgreSQL restart in the middle of a stream of writes: 503s, then recovery, no acknowledged write lost', async () => {
    const server = await testPostgres();
    let restarted: Promise<void> | undefined;
    const { acked, refused } = await writeStream(balancer.url, 'THROUGH_RESTART', 120, (i) => {
      if (i === 30) {
        server.stop();
        // Back after a second and a half, while the stream goes on.
        restarted = new Promise((r) => setTimeout(r, 1500)).then(() => server.start());
      }
    });
    await restarted;
    assert.ok(refused.length > 0, 'writes while the database was down were refused');
    for (const status of refused) assert.equal(status, 503, `refusals: ${refused.join(',')}`);
    // Recovery by itself: the nodes are ready again (HAProxy's probes see it) and take writes.
    await waitForHttp(`${balancer.url}/v1/ready`, { timeoutMs: 15_000 });
    const after = await writeStream(balancer.url, 'THROUGH_RESTART', 10);
    assert.equal(after.acked.length, 10, `after the restart: ${after.refused.join(',')}`);
    await assertKept(balancer.url, 'THROUGH_RESTART', [...acked, ...after.acked]);
    assert.ok(acked.length >= 30, `acknowledged: ${acked.length}`);
  });

  it('kill -9 of one node in the middle of a stream loses no acknowledged write, and the balancer routes around it', async () => {
    const victim = nodes[1]!;
    const writers = [0, 1, 2, 3].map((w) =>
      writeStream(balancer.url, `STREAM_${w}`, 60, (i) => {
        if (w === 0 && i === 20) victim.proc.kill('SIGKILL');
      }),
    );
    const results = await Promise.all(writers);
    assert.equal(await victim.exited, null, 'the node was killed');
    const refusals = results.flatMap((r) => r.refused);
    // At most the requests the killed node held when it died, and none once it left the rotation.
    assert.ok(refusals.length <= 4, `refused: ${refusals.join(',')}`);
    for (const [w, r] of results.entries()) {
      assert.ok(r.acked.length >= 56, `writer ${w}: ${r.acked.length} acknowledged`);
      await assertKept(balancer.url, `STREAM_${w}`, r.acked);
    }
    const after = await writeStream(balancer.url, 'AFTER_KILL', 20);
    assert.equal(after.acked.length, 20, `after the kill: ${after.refused.join(',')}`);
  });
});
