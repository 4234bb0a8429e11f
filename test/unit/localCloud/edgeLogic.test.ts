// The edge's pure pieces: the streaming JSON scanner, the per-function places, the body budget
// and the Host check.
import { strict as assert } from 'assert';
import { Admission, MemoryBudget } from '../../../src/localCloud/admission';
import { HostCheck, allowedHostProblem } from '../../../src/localCloud/hosts';
import { JsonScanner, scanJson } from '../../../src/localCloud/http';

const LIMITS = { maxDepth: 3, maxValues: 10 };

describe('local cloud edge: JSON scanner', () => {
  const cases: Array<[string, { depth: number; over?: 'depth' | 'values' }]> = [
    ['{}', { depth: 1 }],
    ['[[[1]]]', { depth: 3 }],
    ['[[[[1]]]]', { depth: 4, over: 'depth' }],
    ['"[[[[[["', { depth: 0 }],
    ['["\\"[[[[", 1]', { depth: 1 }],
    ['["\\\\", [[[1]]]]', { depth: 4, over: 'depth' }],
    ['["\\\\\\"[[[[", 1]', { depth: 1 }],
    ['{"a,b,c,d,e,f,g,h,i,j,k": 1}', { depth: 1 }],
    ['[1,2,3,4,5,6,7,8,9,10]', { depth: 1, over: 'values' }],
    ['[1,2,3,4,5,6,7,8]', { depth: 1 }],
  ];

  it('measures depth and values outside strings, escapes included', () => {
    for (const [text, want] of cases) {
      const got = scanJson(Buffer.from(text), LIMITS);
      assert.equal(got.over, want.over, text);
      if (!want.over) assert.equal(got.depth, want.depth, text);
    }
  });

  it('gives the same verdict whatever the chunk boundaries (escapes split across chunks)', () => {
    for (const [text, want] of cases) {
      const bytes = Buffer.from(text);
      for (let size = 1; size <= 3; size++) {
        const scanner = new JsonScanner(LIMITS);
        for (let i = 0; i < bytes.length; i += size) if (!scanner.feed(bytes.subarray(i, i + size))) break;
        assert.equal(scanner.over, want.over, `${text} in chunks of ${size}`);
        if (!want.over) assert.equal(scanner.maxDepth, want.depth, `${text} in chunks of ${size}`);
      }
    }
  });

  it('stops early: a 12 MB [{},…] is refused within its first bytes past the limit', () => {
    const limits = { maxDepth: 100, maxValues: 200_000 };
    const scanner = new JsonScanner(limits);
    const chunk = Buffer.from('{},'.repeat(20_000));
    let fed = 0;
    while (scanner.feed(chunk)) fed += chunk.length;
    assert.equal(scanner.over, 'values');
    assert.ok(fed < 700_000, `${fed} bytes`);
  });
});

describe('local cloud edge: places per function and the body budget', () => {
  it('admits running + waiting places, refuses the next, and hands a freed place on in order', async () => {
    const a = new Admission(1, 2);
    const p1 = a.enter('f');
    const p2 = a.enter('f');
    const p3 = a.enter('f');
    assert.ok(p1 && p2 && p3);
    assert.equal(a.enter('f'), undefined);
    assert.ok(a.enter('g'), 'another function has its own places');
    const order: number[] = [];
    await p1.turn();
    const t2 = p2.turn().then(() => order.push(2));
    const t3 = p3.turn().then(() => order.push(3));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    p1.leave();
    await t2;
    assert.deepEqual(order, [2]);
    assert.ok(a.enter('f'), 'a place is free again');
    p2.leave();
    await t3;
    assert.deepEqual(order, [2, 3]);
    p3.leave();
    // Everyone left: the next request runs at once.
    const p4 = a.enter('f');
    assert.ok(p4);
    const now = await Promise.race([
      p4.turn().then(() => 'ran'),
      new Promise((r) => setTimeout(() => r('waited'), 50)),
    ]);
    assert.equal(now, 'ran');
  });

  it('a waiting request that leaves (its client went away) gives its place back', async () => {
    const a = new Admission(1, 1);
    const p1 = a.enter('f');
    const p2 = a.enter('f');
    assert.ok(p1 && p2);
    await p1.turn();
    void p2.turn();
    p2.leave();
    p2.leave();
    const p3 = a.enter('f');
    assert.ok(p3);
    p1.leave();
    await p3.turn();
  });

  it('a budget gives what it has, refuses more, and takes it back once per reservation', () => {
    const b = new MemoryBudget(100);
    const r1 = b.reservation();
    const r2 = b.reservation();
    assert.ok(r1.grow(60));
    assert.ok(!r2.grow(50));
    assert.equal(r2.heldBytes, 0);
    assert.ok(r2.grow(40));
    assert.equal(b.usedBytes, 100);
    r1.release();
    r1.release();
    assert.equal(b.usedBytes, 40);
    assert.ok(!r1.grow(1), 'a released reservation takes nothing more');
  });
});

describe('local cloud edge: Host check', () => {
  it('allows loopback names, the listen address and configured names; refuses look-alikes', () => {
    const h = new HostCheck('127.0.0.1', ['cloud.example.test', 'proxy.example.test:8443']);
    for (const ok of [
      'localhost',
      'LOCALHOST:8787',
      'localhost.:1',
      '127.0.0.1:8787',
      '[::1]:8787',
      '[::1]',
      'cloud.example.test:80',
      'proxy.example.test:8443',
      undefined,
      '',
    ]) {
      assert.ok(h.allows(ok), String(ok));
    }
    for (const bad of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.nip.io:8787',
      'proxy.example.test:8444',
      'proxy.example.test',
      '127.0.0.2',
      '[::2]:8787',
      'cloud.example.test.evil',
      'a@localhost',
    ]) {
      assert.ok(!h.allows(bad), bad);
    }
    assert.ok(new HostCheck('192.168.1.5', []).allows('192.168.1.5:8787'));
    assert.ok(!new HostCheck('0.0.0.0', []).allows('0.0.0.0:8787'));
    assert.ok(new HostCheck('::1', []).allows('[::1]:1'));
  });

  it('checks --allowed-host values', () => {
    for (const ok of ['cloud.example.test', 'cloud.example.test:8443', '192.168.1.5', '[fe80::1]:8787'])
      assert.equal(allowedHostProblem(ok), undefined, ok);
    for (const bad of ['http://x', 'a b', '', 'x/y', 'évil']) assert.ok(allowedHostProblem(bad), bad);
  });
});
