// The runtime on its own: warm reuse, bundle caching, queueing, recovery and isolation.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as path from 'path';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { FrameDecoder, encodeFrame } from '../../../src/localCloud/functions/runtime/framing';
import {
  FunctionRuntime,
  HOST_LOOPBACK_GATEWAY,
  probeIsolation,
  type ReleaseSpec,
} from '../../../src/localCloud/functions/runtime';

const req = { method: 'POST', headers: {}, query: {}, body: null };
const none = (): undefined => undefined;

function spec(code: string, over: Partial<ReleaseSpec> = {}): ReleaseSpec & { loads: number } {
  const s = {
    project: 'p',
    functionName: 'f',
    release: 1,
    sha256: createHash('sha256').update(code).digest('hex'),
    secrets: [],
    env: {},
    loads: 0,
    loadCode(): string {
      s.loads++;
      return code;
    },
    ...over,
  };
  return s;
}

describe('functions: runtime pool', function () {
  this.timeout(30_000);
  let rt: FunctionRuntime;
  afterEach(async () => rt.close());

  it('keeps a warm worker with the bundle loaded: the code is fetched once', async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    const s = spec('let n = 0; module.exports = async () => ++n;');
    for (let i = 1; i <= 5; i++) assert.strictEqual((await rt.invoke(s, req, none)).result, i);
    assert.strictEqual(s.loads, 1);
    assert.deepStrictEqual(rt.stats(), { workers: 1, busy: 0, blank: 0, starting: 0, queued: 0 });
  });

  it('queues invocations beyond the pool and runs them all', async () => {
    rt = new FunctionRuntime({ maxWorkers: 2, prewarm: 0 });
    const s = spec('module.exports = async (r) => { await new Promise((ok) => setTimeout(ok, 50)); return r.body; };');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => rt.invoke(s, { ...req, body: i }, none)));
    assert.deepStrictEqual(
      results.map((r) => r.result),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.ok(rt.stats().workers <= 2);
  });

  it('replaces a worker that died and serves the next invocation', async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    const die = spec('module.exports = async () => process.exit(9);');
    const ok = spec('module.exports = async () => "fine";', { functionName: 'g' });
    assert.strictEqual((await rt.invoke(die, req, none)).status, 'error');
    assert.strictEqual((await rt.invoke(ok, req, none)).result, 'fine');
    assert.strictEqual((await rt.invoke(die, req, none)).status, 'error');
    assert.strictEqual((await rt.invoke(ok, req, none)).result, 'fine');
  });

  it("never gives one project a worker that ran another project's code", async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    const code =
      'module.exports = async (r, ctx) => { const seen = globalThis.stash ?? null; globalThis.stash = ctx.env.WHO; return seen; };';
    const a = spec(code, { project: 'alpha', env: { WHO: 'alpha' } });
    const b = spec(code, { project: 'beta', env: { WHO: 'beta' } });
    assert.strictEqual((await rt.invoke(a, req, none)).result, null);
    assert.strictEqual((await rt.invoke(a, req, none)).result, 'alpha', 'warm within a project');
    assert.strictEqual((await rt.invoke(b, req, none)).result, null, 'fresh worker for another project');
    assert.strictEqual((await rt.invoke(a, req, none)).result, null, 'and again when alpha comes back');
  });

  it('keeps key values out of process.env and reads each key at invocation time', async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    let value = 'first-value-123456';
    const s = spec(
      'module.exports = async (r, ctx) => { const v = await ctx.secrets.get("K"); return [v.length, JSON.stringify(process.env).includes(v), r.body ? v : null]; };',
      {
        secrets: [{ name: 'K', version: 'latest' }],
      },
    );
    const read = (): string => value;
    assert.deepStrictEqual((await rt.invoke(s, req, read)).result, [18, false, null]);
    value = 'second-value-6543210';
    assert.deepStrictEqual((await rt.invoke(s, req, read)).result, [20, false, null]);
    // The result is redacted like logs: a function cannot hand a value to its caller.
    assert.deepStrictEqual((await rt.invoke(s, { ...req, body: 1 }, read)).result, [20, false, '[REDACTED:K]']);
  });

  it('answers an error for a bundle without a handler and for a syntax error', async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    const noHandler = await rt.invoke(spec('module.exports = { x: 1 };'), req, none);
    assert.match(noHandler.error?.message ?? '', /exports no handler/);
    const syntax = await rt.invoke(spec('module.exports = async () => {', { functionName: 'h' }), req, none);
    assert.strictEqual(syntax.status, 'error');
  });

  it('ends running invocations with an error when closed', async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    const pending = rt.invoke(spec('module.exports = () => new Promise(() => {});', { timeoutMs: 20_000 }), req, none);
    await rt.waitFor((s) => s.busy === 1 && s.starting === 0);
    const started = Date.now();
    await rt.close();
    const r = await pending;
    assert.strictEqual(r.status, 'error');
    assert.match(r.error?.message ?? '', /shutting down/);
    assert.ok(Date.now() - started < 5000, 'close() ends the call at once, not through its timeout');
    assert.deepStrictEqual(rt.stats(), { workers: 0, busy: 0, blank: 0, starting: 0, queued: 0 });
  });

  it('leaves no worker running when closed while a worker is starting, and refuses new work', async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    const pending = rt.invoke(spec('module.exports = async () => 1;'), req, none);
    await rt.waitFor((s) => s.starting === 1);
    await rt.close();
    assert.strictEqual((await pending).status, 'error');
    assert.deepStrictEqual(rt.stats(), { workers: 0, busy: 0, blank: 0, starting: 0, queued: 0 });
    const after = await rt.invoke(spec('module.exports = async () => 1;'), req, none);
    assert.match(after.error?.message ?? '', /shutting down/);
    assert.deepStrictEqual(rt.stats(), { workers: 0, busy: 0, blank: 0, starting: 0, queued: 0 });
  });
});

describe('functions: runtime sandbox', function () {
  this.timeout(30_000);
  it('gives functions no file system and no child processes, but the network', async () => {
    const rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    try {
      const code = `module.exports = async () => {
        const tryIt = (f) => { try { f(); return 'allowed'; } catch (e) { return e.code || e.message; } };
        return {
          read: tryIt(() => require('fs').readFileSync(${JSON.stringify(__filename)})),
          write: tryIt(() => require('fs').writeFileSync(require('os').tmpdir() + '/cloudxlr-fn-probe', 'x')),
          spawn: tryIt(() => require('child_process').execSync('echo hi')),
          fetch: typeof fetch,
        };
      };`;
      const r = await rt.invoke(spec(code), req, none);
      assert.deepStrictEqual(r.result, {
        read: 'ERR_ACCESS_DENIED',
        write: 'ERR_ACCESS_DENIED',
        spawn: 'ERR_ACCESS_DENIED',
        fetch: 'function',
      });
    } finally {
      await rt.close();
    }
  });
});

describe('functions: OS sandbox (Linux)', function () {
  this.timeout(60_000);
  let rt: FunctionRuntime | undefined;
  before(function () {
    if (process.platform !== 'linux') this.skip();
    const { info } = probeIsolation({ nodePath: process.execPath, mode: 'auto' });
    assert.strictEqual(info.level, 'sandbox', info.summary);
  });
  afterEach(async () => rt?.close());

  it('has outbound network through the NAT, and the host loopback only when allowed', async () => {
    const server = http.createServer((_q, s) => s.end('outside')).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://${HOST_LOOPBACK_GATEWAY}:${(server.address() as AddressInfo).port}/`;
    const code = `module.exports = async (r) => { try { return await (await fetch(r.body, { signal: AbortSignal.timeout(3000) })).text(); } catch (e) { return (e.cause && e.cause.code) || e.name; } };`;
    try {
      // The test mode maps the gateway to the host's 127.0.0.1: outbound traffic leaves the
      // sandbox's own network namespace through slirp4netns and comes back.
      rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0, gatewayToHostLoopback: true });
      assert.strictEqual((await rt.invoke(spec(code), { ...req, body: url }, none)).result, 'outside');
      await rt.close();
      // By default the same address is refused.
      rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
      const refused = (await rt.invoke(spec(code), { ...req, body: url }, none)).result;
      assert.notStrictEqual(refused, 'outside');
    } finally {
      server.close();
    }
  });

  it("holds without Node's permission model: no server file exists inside, nothing can be written, listen is refused", async () => {
    rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0, permissionModel: false });
    const code = `module.exports = async () => {
      const fs = require('fs');
      const attempt = (f) => { try { return f(); } catch (e) { return e.code; } };
      return {
        uid: process.getuid(),
        thisFile: attempt(() => fs.readFileSync(${JSON.stringify(__filename)}).length),
        home: attempt(() => fs.readdirSync(${JSON.stringify(require('os').homedir())})),
        write: attempt(() => fs.writeFileSync('/tmp-probe', 'x')),
        listen: await new Promise((r) => { const s = require('net').createServer().listen(0); s.on('listening', () => { s.close(); r('listening'); }); s.on('error', (e) => r(e.code)); }),
        root: fs.readdirSync('/').sort(),
      };
    };`;
    const r = await rt.invoke(spec(code), req, none);
    assert.strictEqual(r.status, 'ok', JSON.stringify(r));
    const out = r.result as Record<string, unknown>;
    assert.strictEqual(out.uid, 65534);
    assert.strictEqual(out.thisFile, 'ENOENT');
    assert.strictEqual(out.home, 'ENOENT');
    assert.strictEqual(out.write, 'EROFS');
    assert.strictEqual(out.listen, 'EPERM');
    assert.ok(
      (out.root as string[]).every((d) => ['dev', 'etc', 'lib', 'lib64', 'opt', 'proc', 'usr'].includes(d)),
      JSON.stringify(out.root),
    );
  });
});

describe('functions: worker frames', () => {
  it('reads frames split anywhere and refuses one over the budget before holding it', () => {
    const d = new FrameDecoder(64);
    const bytes = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame({ b: 'two' })]);
    const got: unknown[] = [];
    for (const b of bytes) got.push(...d.push(Buffer.from([b])));
    assert.deepStrictEqual(got, [{ a: 1 }, { b: 'two' }]);
    const big = Buffer.alloc(4);
    big.writeUInt32BE(65, 0);
    assert.throws(() => new FrameDecoder(64).push(big), /exceeds the limit of 64/);
    assert.throws(() => new FrameDecoder(64).push(Buffer.from('not json at all\n')), /exceeds the limit/);
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{{{')]);
    assert.throws(() => new FrameDecoder(64).push(notJson), /not JSON/);
  });
});

describe('functions: runtime shutdown', function () {
  this.timeout(30_000);
  it('lets its caller resume after close(): a script awaiting it is not cut short', () => {
    // Workers are unref'd; close() must still hold the process until they have exited.
    const runtime = path.join(__dirname, '../../../src/localCloud/functions/runtime');
    const script = `
      const { FunctionRuntime } = require(${JSON.stringify(runtime)});
      const code = 'module.exports = async () => 42;';
      const spec = { project: 'p', functionName: 'f', release: 1, sha256: 'x'.repeat(64), secrets: [], env: {}, loadCode: () => code };
      (async () => {
        const rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
        const r = await rt.invoke(spec, { method: 'POST', headers: {}, query: {}, body: null }, () => undefined);
        await rt.close();
        console.log('resumed after close with ' + r.result);
      })();`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.strictEqual(out.trim(), 'resumed after close with 42');
  });
});
