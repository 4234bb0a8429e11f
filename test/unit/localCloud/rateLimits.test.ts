// Token buckets and the rate limits built on them, with a clock the test moves.
import { strict as assert } from 'assert';
import { ApiError } from '../../../src/localCloud/errors';
import {
  addressKey,
  DEFAULT_RATE_LIMITS,
  parseRateLimit,
  RateLimits,
  resolveRateLimits,
  TokenBuckets,
} from '../../../src/localCloud/rateLimits';

function refusal(fn: () => void): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail('expected a 429');
}

describe('rate limits', () => {
  let ms = 0;
  const clock = (): number => ms;
  beforeEach(() => (ms = 1_000_000));

  it('a bucket gives its burst at once, then refills at its rate', () => {
    const b = new TokenBuckets({ perSecond: 2, burst: 3 }, 100, clock);
    assert.deepEqual([b.take('k'), b.take('k'), b.take('k')], [0, 0, 0]);
    assert.equal(b.take('k'), 0.5);
    ms += 250;
    assert.equal(b.take('k'), 0.25);
    ms += 250;
    assert.equal(b.take('k'), 0);
    ms += 60_000; // a quiet minute refills no more than the burst
    assert.deepEqual([b.take('k'), b.take('k'), b.take('k')], [0, 0, 0]);
    assert.ok(b.take('k') > 0);
    // Another key has its own bucket.
    assert.equal(b.take('other'), 0);
  });

  it('keeps at most maxKeys buckets: refilled ones go first, then the least recently used', () => {
    const b = new TokenBuckets({ perSecond: 0.001, burst: 1 }, 1000, clock);
    b.take('kept');
    for (let i = 0; i < 100_000; i++) {
      ms += 1;
      b.take(`k${i}`);
      assert.ok(b.size <= 1000);
      if (i % 100 === 0) assert.ok(b.take('kept') > 0, 'the bucket in use stays (and stays empty)');
    }
    assert.ok(b.size >= 500);
    // Buckets that have refilled are dropped before any drained one.
    const r = new TokenBuckets({ perSecond: 1, burst: 1 }, 10, clock);
    r.take('drained-early');
    for (let i = 0; i < 8; i++) r.take(`idle${i}`);
    ms += 5000; // every bucket has refilled; only 'drained-late' below is empty
    r.take('drained-late');
    r.take('drained-early');
    r.take('new'); // the eleventh: a sweep
    assert.equal(r.size, 3);
    assert.ok(r.take('drained-late') > 0 && r.take('drained-early') > 0);
  });

  it('keeping buckets bounded under a flood costs about what keeping every bucket would', () => {
    const name = (i: number): string => `198.51.${(i >> 8) & 255}.${i & 255}:${i >> 16}`;
    const perTake = (maxKeys: number): number => {
      let best = Infinity;
      for (let run = 0; run < 2; run++) {
        const b = new TokenBuckets({ perSecond: 1, burst: 5 }, maxKeys, () => performance.now());
        const started = performance.now();
        for (let i = 0; i < 50_000; i++) b.take(name(i));
        best = Math.min(best, (performance.now() - started) / 50_000);
      }
      return best;
    };
    const unbounded = perTake(Number.MAX_SAFE_INTEGER);
    const bounded = perTake(10_000);
    assert.ok(
      bounded < unbounded * 3,
      `${(bounded * 1000).toFixed(2)} µs per new key with at most 10,000 buckets, ${(unbounded * 1000).toFixed(2)} µs without a bound`,
    );
  });

  it('refuses an identity past its reads or changes, each counted apart, with Retry-After', () => {
    const limits = new RateLimits(
      resolveRateLimits({ read: { perSecond: 1, burst: 2 }, write: { perSecond: 0.5, burst: 1 } }),
      100,
      clock,
    );
    limits.identity('tok_a', false);
    limits.identity('tok_a', false);
    const e = refusal(() => limits.identity('tok_a', false));
    assert.equal(e.status, 429);
    assert.equal(e.code, 'too_many_requests');
    assert.equal(e.headers?.['Retry-After'], '1');
    assert.match(
      e.message,
      /more reads than the cloud accepts from one identity \(1 a second, 2 at once\)\. Slow down, then retry in 1 s\./,
    );
    limits.identity('tok_b', false); // another identity is not limited
    limits.identity('tok_a', true); // changes have their own bucket
    const w = refusal(() => limits.identity('tok_a', true));
    assert.equal(w.headers?.['Retry-After'], '2');
    assert.match(w.message, /more changes .*\(30 a minute, 1 at once\)/);
  });

  it('counts failed authentication per address and refuses before checking once it is used up', () => {
    const limits = new RateLimits(resolveRateLimits({ 'auth-failure': { perSecond: 0.1, burst: 3 } }), 100, clock);
    for (let i = 0; i < 3; i++) {
      limits.checkAuthFailures('198.51.100.7');
      limits.authenticationFailed('198.51.100.7');
    }
    const e = refusal(() => limits.checkAuthFailures('198.51.100.7'));
    assert.equal(e.headers?.['Retry-After'], '10');
    assert.match(e.message, /wrong token came from your address/);
    limits.checkAuthFailures('198.51.100.8');
    ms += 10_000;
    limits.checkAuthFailures('198.51.100.7');
  });

  it('limits the public trigger per client address and per function', () => {
    const limits = new RateLimits(
      resolveRateLimits({ function: { perSecond: 1, burst: 3 }, 'function-client': { perSecond: 1, burst: 2 } }),
      100,
      clock,
    );
    limits.publicClient('198.51.100.1');
    limits.publicClient('198.51.100.1');
    assert.match(
      refusal(() => limits.publicClient('198.51.100.1')).message,
      /Your address has called public functions/,
    );
    limits.publicClient('198.51.100.2');
    for (let i = 0; i < 3; i++) limits.publicFunction('demo', 'hello');
    assert.match(
      refusal(() => limits.publicFunction('demo', 'hello')).message,
      /The function hello is called more often/,
    );
    limits.publicFunction('demo', 'other');
  });

  it('counts IPv6 clients by their /64', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('2001:0db8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('203.0.113.9'), '203.0.113.9');
    const limits = new RateLimits(resolveRateLimits({ 'function-client': { perSecond: 1, burst: 1 } }), 100, clock);
    limits.publicClient('2001:db8:1:2::1');
    refusal(() => limits.publicClient('2001:db8:1:2::ffff'));
    limits.publicClient('2001:db8:1:3::1');
  });

  it('a kind set to false has no limit', () => {
    const limits = new RateLimits(resolveRateLimits({ read: false }), 100, clock);
    for (let i = 0; i < 50_000; i++) limits.identity('tok_a', false);
    assert.equal(limits.sizes().read, 0);
  });

  it('parses --rate-limit values and says what is wrong', () => {
    assert.deepEqual(parseRateLimit('write=20/s'), ['write', { perSecond: 20, burst: 200 }]);
    assert.deepEqual(parseRateLimit('write=20/s,burst=5'), ['write', { perSecond: 20, burst: 5 }]);
    assert.deepEqual(parseRateLimit('auth-failure=30/min'), ['auth-failure', { perSecond: 0.5, burst: 5 }]);
    assert.deepEqual(parseRateLimit('function=off'), ['function', false]);
    for (const bad of ['writes=20/s', 'write=20', 'write=0/s', 'write=20/s,burst=0', 'write=-1/s', 'read=1/h'])
      assert.throws(() => parseRateLimit(bad), /--rate-limit/, bad);
    assert.throws(() => resolveRateLimits({ read: { perSecond: 0, burst: 1 } }), /rate above 0/);
  });

  it('defaults stay above what the editor, the tests and the bench send', () => {
    const d = DEFAULT_RATE_LIMITS;
    assert.ok(d.write && d.write.burst >= 5200, 'the cloud bench puts 5,200 times through one token');
    assert.ok(
      d['function-client'] && d['function-client'].burst >= 4100,
      'the team bench calls one function 4,100 times',
    );
  });
});
