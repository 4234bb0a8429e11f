// The client address behind trusted proxies: the peer unless it is trusted, then
// X-Forwarded-For from the right, skipping trusted hops; anything malformed means the peer.
import { strict as assert } from 'assert';
import { TrustedProxies, trustedProxiesFromEnv, trustedProxyProblem } from '../../../src/localCloud/clientAddress';

describe('client address behind trusted proxies', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '::1']);

  it('is the peer when no proxy is trusted, whatever the header says', () => {
    const none = new TrustedProxies([]);
    assert.equal(none.clientAddress('127.0.0.1', '203.0.113.9'), '127.0.0.1');
  });

  it('ignores the header of a peer that is not trusted (a spoofed X-Forwarded-For)', () => {
    assert.equal(proxies.clientAddress('198.51.100.7', '203.0.113.9'), '198.51.100.7');
    assert.equal(proxies.clientAddress('2001:db8::7', '203.0.113.9'), '2001:db8::7');
  });

  it('takes the forwarded address from a trusted peer', () => {
    assert.equal(proxies.clientAddress('127.0.0.1', '203.0.113.9'), '203.0.113.9');
    assert.equal(proxies.clientAddress('::1', '2001:db8::42'), '2001:db8::42');
    assert.equal(proxies.clientAddress('fd12::3', '203.0.113.9'), '203.0.113.9');
  });

  it('reads right to left, skipping trusted proxies, and stops at the first untrusted address', () => {
    // The client wrote "1.2.3.4" itself; 203.0.113.9 is what the first proxy saw.
    assert.equal(proxies.clientAddress('127.0.0.1', '1.2.3.4, 203.0.113.9, 10.1.2.3'), '203.0.113.9');
    // Several header lines are one list, in order.
    assert.equal(proxies.clientAddress('127.0.0.1', ['1.2.3.4, 203.0.113.9', '10.1.2.3']), '203.0.113.9');
  });

  it('takes the first hop when every hop is a trusted proxy', () => {
    assert.equal(proxies.clientAddress('127.0.0.1', '10.0.0.1, 10.0.0.2'), '10.0.0.1');
  });

  it('accepts ports and bracketed IPv6, and spells addresses one way', () => {
    assert.equal(proxies.clientAddress('127.0.0.1', '203.0.113.9:5123'), '203.0.113.9');
    assert.equal(proxies.clientAddress('127.0.0.1', '[2001:DB8::1]:443'), '2001:db8::1');
    assert.equal(proxies.clientAddress('127.0.0.1', '[2001:db8::1]'), '2001:db8::1');
    // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
    assert.equal(proxies.clientAddress('::ffff:127.0.0.1', '203.0.113.9'), '203.0.113.9');
    assert.equal(proxies.clientAddress('::ffff:198.51.100.7', '203.0.113.9'), '198.51.100.7');
  });

  it('falls back to the peer for a malformed header', () => {
    for (const header of [
      'unknown',
      '',
      'a, 203.0.113.9',
      '203.0.113.9,',
      '300.1.1.1',
      '1.2.3.4:99999999',
      'x'.repeat(100),
    ])
      assert.equal(proxies.clientAddress('127.0.0.1', header), '127.0.0.1', header);
    assert.equal(proxies.clientAddress('127.0.0.1', Array(65).fill('203.0.113.9').join(',')), '127.0.0.1');
  });

  it('is the peer without a header', () => {
    assert.equal(proxies.clientAddress('127.0.0.1', undefined), '127.0.0.1');
    assert.equal(proxies.clientAddress(undefined, '203.0.113.9'), 'unknown');
  });

  it('checks ranges by prefix, IPv4 and IPv6', () => {
    const p = new TrustedProxies(['192.168.4.0/22', '2001:db8:aa00::/40']);
    assert.ok(p.trusts('192.168.7.255'));
    assert.ok(!p.trusts('192.168.8.0'));
    assert.ok(p.trusts('2001:db8:aaff::1'));
    assert.ok(!p.trusts('2001:db8:ab00::1'));
    assert.ok(!p.trusts('not an address'));
    // One address, any spelling: IPv4-mapped, zero groups written out, upper case.
    assert.ok(p.trusts('::ffff:192.168.5.1'));
    assert.ok(p.trusts('2001:0DB8:AA00:0:0:0:0:1'));
    assert.ok(new TrustedProxies(['::ffff:10.0.0.0/104']).trusts('10.9.9.9'));
    assert.ok(new TrustedProxies(['0.0.0.0/0']).trusts('203.0.113.9'));
    assert.ok(!new TrustedProxies(['0.0.0.0/0']).trusts('2001:db8::1'));
    assert.ok(new TrustedProxies(['::/0']).trusts('2001:db8::1'));
  });

  it('names what is wrong with an entry', () => {
    for (const ok of ['10.0.0.5', '10.0.0.0/8', '::1', '[::1]', 'fd00::/8', '0.0.0.0/0'])
      assert.equal(trustedProxyProblem(ok), undefined, ok);
    for (const bad of ['proxy.example', '10.0.0.0/33', '::/129', '10.0.0', '', '10.0.0.1/']) {
      assert.match(trustedProxyProblem(bad) ?? '', /is not a proxy address/, bad);
      assert.throws(() => new TrustedProxies([bad]), /is not a proxy address/);
    }
  });

  it('reads CLOUDXLR_TRUSTED_PROXIES', () => {
    assert.deepEqual(trustedProxiesFromEnv({ CLOUDXLR_TRUSTED_PROXIES: '10.0.0.1, fd00::/8,,' }), [
      '10.0.0.1',
      'fd00::/8',
    ]);
    assert.deepEqual(trustedProxiesFromEnv({}), []);
  });
});
