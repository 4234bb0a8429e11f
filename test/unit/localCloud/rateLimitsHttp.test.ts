// Rate limits against the real server over HTTP. Clients are told apart by the loopback address
// they send from (127.0.0.2, 127.0.0.3, …), which is what the server sees as their peer, and,
// behind a trusted proxy, by the address the proxy forwards: a real HAProxy with
// `option forwardfor` in the last suite.
import { strict as assert } from 'assert';
import { sha256Hex } from '../../../src/localCloud/functions/validate';
import { startBalancer, type Balancer } from '../../host/balancer';
import { errorOf, request, startTestCloud, type RawResponse, type TestCloud } from './helpers';

const KEYS = (project: string): string => `/v1/projects/${project}/keys`;

async function deploy(t: TestCloud, name: string): Promise<void> {
  const code = 'module.exports = async () => ({ ok: true });';
  const res = await request(t.cloud.url, 'PUT', `/v1/projects/demo/functions/${name}`, {
    token: t.tokens.demo,
    body: { runtime: 'node20', code, sha256: sha256Hex(code), secrets: [] },
  });
  assert.ok(res.status === 201 || res.status === 200, res.text);
}

function assertTooMany(res: RawResponse, message: RegExp): void {
  assert.equal(res.status, 429, res.text);
  const e = errorOf(res);
  assert.equal(e.code, 'too_many_requests');
  assert.match(e.message, message);
  assert.match(String(res.headers['retry-after']), /^[1-9][0-9]*$/);
}

describe('rate limits over HTTP', function () {
  this.timeout(60_000);
  let t: TestCloud | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('limits one identity while another goes on, reads and changes apart', async () => {
    t = await startTestCloud({
      rateLimits: { read: { perSecond: 0.01, burst: 5 }, write: { perSecond: 0.01, burst: 2 } },
    });
    const { url } = t.cloud;
    for (let i = 0; i < 5; i++)
      assert.equal((await request(url, 'GET', KEYS('demo'), { token: t.tokens.demo })).status, 200);
    const refused = await request(url, 'GET', KEYS('demo'), { token: t.tokens.demo });
    assertTooMany(refused, /This token has sent more reads than the cloud accepts from one identity/);
    assert.ok(Number(refused.headers['retry-after']) >= 90, 'one read comes back every 100 s');
    // Another identity (the other project's token) is not limited by the first one's use.
    assert.equal((await request(url, 'GET', KEYS('other'), { token: t.tokens.other })).status, 200);
    // Changes have their own, smaller bucket: the read limit does not block them.
    for (let i = 0; i < 2; i++)
      assert.equal(
        (
          await request(url, 'PUT', `${KEYS('demo')}/K${i}`, {
            token: t.tokens.demo,
            body: { value: `value-${i}-abcdef` },
          })
        ).status,
        201,
      );
    assertTooMany(
      await request(url, 'PUT', `${KEYS('demo')}/K9`, { token: t.tokens.demo, body: { value: 'value-9-abcdef' } }),
      /more changes/,
    );
  });

  it('limits a public function for every caller, and each client address on /fn/', async () => {
    t = await startTestCloud({
      rateLimits: { function: { perSecond: 0.01, burst: 4 }, 'function-client': { perSecond: 0.01, burst: 3 } },
    });
    await deploy(t, 'hot');
    await deploy(t, 'calm');
    const { url } = t.cloud;
    const call = (fn: string, from: string): Promise<RawResponse> =>
      request(url, 'POST', `/fn/demo/${fn}`, { body: {}, localAddress: from });
    // One address: three calls, then its own limit.
    for (let i = 0; i < 3; i++) assert.equal((await call('hot', '127.0.0.2')).status, 200);
    const client = await call('calm', '127.0.0.2');
    assertTooMany(client, /Your address has called public functions more often/);
    assert.equal(client.headers['access-control-allow-origin'], '*', 'the page can read the refusal');
    // Another address: the function's fourth call is its last.
    assert.equal((await call('hot', '127.0.0.3')).status, 200);
    assertTooMany(await call('hot', '127.0.0.4'), /The function hot is called more often than the cloud accepts/);
    // Another function is not limited by the first one's calls.
    assert.equal((await call('calm', '127.0.0.5')).status, 200);
  });

  it('answers a flood of bad tokens from one address with 429 quickly, and never a good client elsewhere', async () => {
    t = await startTestCloud({ rateLimits: { 'auth-failure': { perSecond: 1, burst: 20 } } });
    const { url } = t.cloud;
    const flood: number[] = [];
    const good: Array<{ status: number; ms: number }> = [];
    let flooding = true;
    const started = Date.now();
    const attacker = (async () => {
      for (let i = 0; i < 400; i++)
        flood.push(
          (await request(url, 'GET', KEYS('demo'), { token: `cxlr_wrong_${i}`, localAddress: '127.0.0.2' })).status,
        );
      flooding = false;
    })();
    const user = (async () => {
      while (flooding) {
        const started = Date.now();
        const res = await request(url, 'GET', KEYS('demo'), { token: t!.tokens.demo, localAddress: '127.0.0.3' });
        good.push({ status: res.status, ms: Date.now() - started });
      }
    })();
    await Promise.all([attacker, user]);
    const elapsedSeconds = (Date.now() - started) / 1000;
    const firstRefusal = flood.indexOf(429);
    assert.ok(firstRefusal >= 20 && firstRefusal <= 22, `the 21st bad token is refused, not the ${firstRefusal + 1}th`);
    const passed = flood.filter((s) => s === 401).length;
    assert.ok(
      passed <= 21 + elapsedSeconds,
      `${passed} bad tokens checked in ${elapsedSeconds} s: one more a second at most`,
    );
    assert.ok(
      good.length > 0 && good.every((g) => g.status === 200),
      JSON.stringify(good.filter((g) => g.status !== 200)),
    );
    // A wrong token from another address is still a plain 401: the flood's limit is its own.
    assert.equal(
      (await request(url, 'GET', KEYS('demo'), { token: 'cxlr_wrong_elsewhere', localAddress: '127.0.0.4' })).status,
      401,
    );
    // Once refused, even the right token from the flooding address waits.
    const refused = await request(url, 'GET', KEYS('demo'), { token: t.tokens.demo, localAddress: '127.0.0.2' });
    assertTooMany(refused, /Too many requests with a missing or wrong token came from your address/);
    const worst = Math.max(...good.map((g) => g.ms));
    console.log(`      good client: ${good.length} answers during the flood, the slowest in ${worst} ms`);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy (the real peer is limited)', async () => {
    t = await startTestCloud({
      trustedProxies: ['10.0.0.0/8'],
      rateLimits: { 'auth-failure': { perSecond: 0.01, burst: 3 } },
    });
    const { url } = t.cloud;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await request(url, 'GET', KEYS('demo'), {
            token: 'cxlr_wrong',
            localAddress: '127.0.0.2',
            headers: { 'X-Forwarded-For': `203.0.113.${i}` },
          })
        ).status,
      );
    assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
    assert.equal(t.cloud.services.rateLimits.sizes()['auth-failure'], 1, 'one bucket: the peer 127.0.0.2');
  });

  it('keeps a bounded number of buckets under a flood of forwarded addresses from a trusted proxy', async () => {
    t = await startTestCloud({
      trustedProxies: ['127.0.0.1'],
      rateLimitBuckets: 100,
      rateLimits: { 'function-client': { perSecond: 0.01, burst: 1 } },
    });
    const { url } = t.cloud;
    const call = (address: string): Promise<RawResponse> =>
      request(url, 'GET', '/fn/demo/none', { headers: { 'X-Forwarded-For': address } });
    // Each forwarded address is a client of its own: one call each, then its limit.
    assert.equal((await call('198.51.100.1')).status, 404);
    assertTooMany(await call('198.51.100.1'), /Your address/);
    assert.equal((await call('198.51.100.2')).status, 404);
    for (let i = 0; i < 3000; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => call(`10.${(i + j) >> 16}.${((i + j) >> 8) & 255}.${(i + j) & 255}`)),
      );
    const sizes = t.cloud.services.rateLimits.sizes();
    assert.ok(sizes['function-client'] <= 100 && sizes['function-client'] >= 50, JSON.stringify(sizes));
  });
});

describe('rate limits behind a real HAProxy (option forwardfor, the balancer trusted)', function () {
  this.timeout(60_000);
  let t: TestCloud;
  let balancer: Balancer;

  before(async () => {
    t = await startTestCloud({
      trustedProxies: ['127.0.0.1'],
      rateLimits: { 'auth-failure': { perSecond: 0.01, burst: 3 } },
    });
    balancer = await startBalancer([t.cloud.port], { forwardFor: true });
  });

  after(async () => {
    await balancer?.stop();
    await t?.close();
  });

  it('limits two clients with different forwarded addresses separately', async () => {
    const bad = (from: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
      request(balancer.url, 'GET', KEYS('demo'), { token: 'cxlr_wrong', localAddress: from, headers });
    // Client A spends its allowance; a header it writes itself does not give it another address.
    const a: number[] = [];
    for (let i = 0; i < 5; i++) a.push((await bad('127.0.0.2', { 'X-Forwarded-For': `203.0.113.${i}` })).status);
    assert.deepEqual(a, [401, 401, 401, 429, 429]);
    // Client B, through the same balancer, is counted apart.
    assert.equal((await bad('127.0.0.3')).status, 401);
    const ok = await request(balancer.url, 'GET', KEYS('demo'), { token: t.tokens.demo, localAddress: '127.0.0.3' });
    assert.equal(ok.status, 200, ok.text);
    assertTooMany(
      await request(balancer.url, 'GET', KEYS('demo'), { token: t.tokens.demo, localAddress: '127.0.0.2' }),
      /wrong token came from your address/,
    );
  });
});
