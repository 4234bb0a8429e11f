// Attacks on the local cloud from inside a deployed function (issue #9), each run for real:
// a function doing exactly that, deployed to a real local cloud and called over HTTP. Where an
// attack could stop or crash the server, the server runs in its own process.
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as inspector from 'inspector';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { startLocalCloud, type LocalCloud } from '../../../src/localCloud';
import { probeIsolation } from '../../../src/localCloud/functions/runtime';
import { ensureSystemPackages } from '../../host/codeServer';
import { sha256Hex } from '../../../src/localCloud/functions/validate';
import type { Json } from './helpers';

const TOKEN = 'attack-test-token-0123456789';
const LOCAL_CLOUD = path.join(__dirname, '../../../src/localCloud');

interface Cloud {
  url: string;
  dir: string;
  /** The server's process (this one, or a child). */
  pid: number;
  call(project: string, name: string, payload?: unknown): Promise<{ status: number; body: Json }>;
  deploy(project: string, name: string, code: string, extra?: Record<string, unknown>): Promise<void>;
  putKey(project: string, name: string, value: string): Promise<void>;
  api(method: string, pathPart: string, body?: unknown): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

function client(url: string, dir: string, pid: number, close: () => Promise<void>): Cloud {
  const api = async (method: string, pathPart: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(url + pathPart, {
      method,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: Json = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Kept as text.
    }
    return { status: res.status, body: parsed };
  };
  return {
    url,
    dir,
    pid,
    api,
    call: async (project, name, payload = null) =>
      api('POST', `/v1/projects/${project}/functions/${name}/invoke`, { payload }),
    deploy: async (project, name, code, extra = {}) => {
      const r = await api('PUT', `/v1/projects/${project}/functions/${name}`, {
        runtime: 'node20',
        code,
        sha256: sha256Hex(code),
        secrets: [],
        ...extra,
      });
      assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
    },
    putKey: async (project, name, value) => {
      const r = await api('PUT', `/v1/projects/${project}/keys/${name}`, { value });
      assert.ok(r.status < 300, JSON.stringify(r.body));
    },
    close,
  };
}

async function inProcessCloud(): Promise<Cloud & { cloud: LocalCloud }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-attack-'));
  const cloud = await startLocalCloud({
    dataDir: dir,
    port: 0,
    projects: ['a', 'b'],
    token: TOKEN,
    masterKey: randomBytes(32),
  });
  const c = client(cloud.url, dir, process.pid, async () => {
    await cloud.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { ...c, cloud };
}

/** A local cloud in its own process, with everything it prints kept in `output`. */
async function childCloud(): Promise<Cloud & { child: ChildProcess; output: () => string; alive: () => boolean }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-attack-'));
  const script = `
    const { startLocalCloud } = require(${JSON.stringify(LOCAL_CLOUD)});
    startLocalCloud({ dataDir: ${JSON.stringify(dir)}, port: 0, projects: ['a', 'b'], token: ${JSON.stringify(TOKEN)} })
      .then((c) => console.log('URL ' + c.url), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the server did not start: ${output}`)), 20_000);
    child.stdout?.on('data', () => {
      const m = /URL (http:\S+)/.exec(output);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const c = client(url, dir, child.pid as number, async () => {
    if (!exited) {
      try {
        process.kill(child.pid as number, 'SIGCONT');
      } catch {
        // Gone.
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { ...c, child, output: () => output, alive: () => !exited };
}

/** Every process below `pid`, with its command line (host view). */
function descendants(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  const walk = (p: number): void => {
    let kids: number[] = [];
    try {
      kids = fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return;
    }
    for (const k of kids) {
      try {
        out.set(k, fs.readFileSync(`/proc/${k}/cmdline`, 'utf8'));
      } catch {
        continue;
      }
      walk(k);
    }
  };
  walk(pid);
  return out;
}

function stillRunning(pids: Map<number, string>): number[] {
  return [...pids]
    .filter(([pid, cmd]) => {
      try {
        return (
          fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === cmd &&
          !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
        );
      } catch {
        return false;
      }
    })
    .map(([pid]) => pid);
}

async function healthy(url: string, ms: number): Promise<boolean> {
  try {
    const r = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(ms) });
    return r.status === 200;
  } catch {
    return false;
  }
}

async function until(test: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await test()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `message` to the server as the worker's channel would carry it, bypassing the worker's own code. */
const HAND_SEND = `
  const writeAll = (buf) => {
    for (let off = 0; off < buf.length; ) {
      try { off += require('fs').writeSync(3, buf, off); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
    }
  };
  const handSend = (message) => {
    if (typeof process.send === 'function') { process.send(message); return; }
    const body = Buffer.from(JSON.stringify(message));
    const head = Buffer.alloc(4); head.writeUInt32BE(body.length, 0);
    writeAll(Buffer.concat([head, body]));
  };
  // A "done" message whose result is a JSON string of n bytes, built without n-byte JS strings.
  const handSendBigResult = (inv, n) => {
    if (typeof process.send === 'function') { process.send({ t: 'done', inv, ok: true, json: '"' + 'x'.repeat(n) + '"' }); return; }
    const body = Buffer.concat([Buffer.from('{"t":"done","inv":' + JSON.stringify(inv) + ',"ok":true,"json":"\\\\"'), Buffer.alloc(n, 120), Buffer.from('\\\\""}')]);
    const head = Buffer.alloc(4); head.writeUInt32BE(body.length, 0);
    writeAll(head); writeAll(body);
  };`;

describe('functions: attacks from inside a function', function () {
  this.timeout(120_000);
  before(function () {
    // The OS sandbox is what these tests check: on Linux it must be there (the project's
    // scripts install bubblewrap and slirp4netns), never silently skipped.
    if (process.platform !== 'linux') this.skip();
    this.timeout(600_000);
    ensureSystemPackages();
    const { info } = probeIsolation({ nodePath: process.execPath, mode: 'auto' });
    assert.strictEqual(info.level, 'sandbox', info.summary);
    assert.strictEqual(info.network, 'nat', info.summary);
  });

  describe('against the server in this process', () => {
    let c: Cloud & { cloud: LocalCloud };
    before(async () => {
      c = await inProcessCloud();
    });
    after(async () => c.close());

    it('reports its isolation in GET /v1/health', async () => {
      const health = await c.api('GET', '/v1/health');
      assert.strictEqual(health.body.isolation.level, 'sandbox');
      assert.strictEqual(health.body.isolation.network, 'nat');
    });

    it("cannot open the server's inspector, see its processes or read its data directory", async () => {
      await c.deploy(
        'a',
        'escape',
        `module.exports = async (req, ctx) => {
        const out = {};
        const attempt = (f) => { try { return f(); } catch (e) { return e.code || e.message; } };
        out.sigusr1 = attempt(() => process.kill(process.ppid, 'SIGUSR1'));
        out.debug = attempt(() => process._debugProcess(process.ppid));
        await new Promise((r) => setTimeout(r, 500));
        out.inspector = await new Promise((r) => {
          const s = require('net').connect(9229, '127.0.0.1');
          s.on('connect', () => { s.destroy(); r('connected'); });
          s.on('error', (e) => r(e.code));
        });
        // Threads answer kill(tid, 0) too: a sandbox shows its own process and its threads only.
        let visible = 0;
        for (let pid = 1; pid < 40000; pid++) { try { process.kill(pid, 0); visible++; } catch (e) { if (e.code === 'EPERM') visible++; } }
        out.visible = visible;
        out.masterKey = attempt(() => require('fs').readFileSync(ctx.env.DATA_DIR + '/master.key', 'hex'));
        out.db = attempt(() => require('fs').readFileSync(ctx.env.DATA_DIR + '/cloud.db').length);
        return out;
      };`,
        { env: { DATA_DIR: c.dir } },
      );
      const r = await c.call('a', 'escape');
      const opened = inspector.url();
      if (opened) inspector.close();
      assert.strictEqual(opened, undefined, `the function opened the server's inspector (${JSON.stringify(r.body)})`);
      assert.strictEqual(r.body.status, 'ok', JSON.stringify(r.body));
      const out = r.body.result;
      assert.notStrictEqual(out.inspector, 'connected');
      assert.ok(out.visible < 20, `the function saw ${out.visible} processes and threads`);
      assert.strictEqual(typeof out.masterKey, 'string');
      assert.ok(!/^[0-9a-f]{64}$/.test(out.masterKey), 'the master key was read');
      assert.strictEqual(typeof out.db, 'string', 'the database was read');
    });

    it("cannot reach the cloud's own port or other loopback services", async () => {
      const other = http.createServer((_q, s) => s.end('loopback service')).listen(0, '127.0.0.1');
      await new Promise((r) => other.once('listening', r));
      try {
        const port = (other.address() as net.AddressInfo).port;
        await c.deploy(
          'a',
          'reach',
          `module.exports = async (req, ctx) => {
          const out = {};
          for (const [k, u] of Object.entries(ctx.env)) {
            try { const res = await fetch(u, { signal: AbortSignal.timeout(3000) }); out[k] = res.status; } catch (e) { out[k] = (e.cause && e.cause.code) || e.name; }
          }
          return out;
        };`,
          {
            env: {
              CLOUD: `${c.url}/v1/health`,
              CLOUD_GATEWAY: `http://10.0.2.2:${c.cloud.port}/v1/health`,
              OTHER: `http://127.0.0.1:${port}/`,
              OTHER_GATEWAY: `http://10.0.2.2:${port}/`,
            },
          },
        );
        const r = await c.call('a', 'reach');
        assert.strictEqual(r.body.status, 'ok', JSON.stringify(r.body));
        for (const [k, v] of Object.entries(r.body.result as Record<string, unknown>)) {
          assert.strictEqual(typeof v, 'string', `${k} was reachable from the function (HTTP ${String(v)})`);
        }
      } finally {
        other.close();
      }
    });

    it('redacts a value a warm worker cached before a rotation: result, logs and stored logs', async () => {
      await c.putKey('a', 'ROTATED', 'sk_test_first_value_AAAAAAAA');
      await c.deploy(
        'a',
        'cache',
        `module.exports = async (req, ctx) => {
        globalThis.kept = globalThis.kept || await ctx.secrets.get('ROTATED');
        console.log('kept', globalThis.kept);
        return { kept: globalThis.kept };
      };`,
        { secrets: [{ name: 'ROTATED', version: 'latest' }] },
      );
      const first = await c.call('a', 'cache');
      assert.deepStrictEqual(first.body.result, { kept: '[REDACTED:ROTATED]' });
      await c.putKey('a', 'ROTATED', 'sk_test_second_value_BBBBBBB');
      const second = await c.call('a', 'cache');
      assert.strictEqual(
        JSON.stringify(second.body).includes('sk_test_first_value_AAAAAAAA'),
        false,
        JSON.stringify(second.body),
      );
      assert.deepStrictEqual(second.body.result, { kept: '[REDACTED:ROTATED]' });
      const logs = await c.api('GET', '/v1/projects/a/functions/cache/logs');
      assert.strictEqual(JSON.stringify(logs.body).includes('sk_test_first_value'), false);
    });

    it('answers a deep or cyclic result with a clear error on the public trigger, never "internal"', async () => {
      await c.deploy(
        'a',
        'shapes',
        `module.exports = async (req) => {
        if (req.body === 'cyclic') { const o = {}; o.self = o; return o; }
        let v = []; for (let i = 0; i < 200000; i++) v = [v]; return v;
      };`,
      );
      for (const shape of ['cyclic', 'deep']) {
        const res = await fetch(`${c.url}/fn/a/shapes`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(shape),
        });
        const body = (await res.json()) as Json;
        assert.notStrictEqual(body.error?.code, 'internal', JSON.stringify(body));
        assert.strictEqual(body.error?.code, 'function_error', JSON.stringify(body));
        assert.match(body.error.message, /cannot be sent as JSON|nested|circular|call stack/i, JSON.stringify(body));
      }
    });

    it('does not reuse a worker that left a timer spinning', async () => {
      await c.deploy(
        'a',
        'spinner',
        `module.exports = async (req) => {
        if (req.body === 'leave') setTimeout(() => { for (;;) {} }, 50);
        return 'done';
      };`,
        { timeoutMs: 2000 },
      );
      assert.strictEqual((await c.call('a', 'spinner', 'leave')).body.result, 'done');
      await new Promise((r) => setTimeout(r, 200));
      const next = await c.call('a', 'spinner', 'clean');
      assert.strictEqual(next.body.status, 'ok', JSON.stringify(next.body));
      assert.strictEqual(next.body.result, 'done');
    });

    it('writes no trace file, report or profile from inside the sandbox', async () => {
      const before = new Set(fs.readdirSync(os.tmpdir()));
      await c.deploy(
        'a',
        'tracer',
        `module.exports = async () => {
        const attempt = (f) => { try { return f(); } catch (e) { return e.code || e.message; } };
        const tracing = attempt(() => require('trace_events').createTracing({ categories: ['node', 'v8'] }));
        if (tracing && tracing.enable) { tracing.enable(); await new Promise((r) => setTimeout(r, 300)); tracing.disable(); }
        const report = attempt(() => process.report.writeReport('report.json'));
        const inspectorOpen = attempt(() => { require('inspector').open(0, '0.0.0.0'); return require('inspector').url() || 'no url'; });
        await new Promise((r) => setTimeout(r, 300));
        return { report: String(report), inspectorOpen: String(inspectorOpen) };
      };`,
      );
      const r = await c.call('a', 'tracer');
      const created = fs
        .readdirSync(os.tmpdir())
        .filter((f) => !before.has(f) && /node_trace|report|\.cpuprofile|\.heapprofile/.test(f));
      for (const f of created) fs.rmSync(path.join(os.tmpdir(), f), { force: true });
      assert.deepStrictEqual(created, [], `files written: ${created.join(', ')}`);
      assert.ok(!/^ws:/.test(r.body.result?.inspectorOpen ?? ''), `an inspector was opened: ${JSON.stringify(r.body)}`);
    });

    it('turns calls away at once with 429 and Retry-After when too many calls of one function are waiting', async () => {
      const own = await inProcessCloud();
      try {
        await own.deploy(
          'b',
          'slow',
          'module.exports = async () => { await new Promise((r) => setTimeout(r, 30000)); return "slow"; };',
          { timeoutMs: 40_000 },
        );
        // The function's places at the edge (running and waiting) fill first; the rest are turned
        // away before their bodies are read. The runtime's own queue stays behind them.
        const calls = Array.from({ length: 72 }, () =>
          fetch(`${own.url}/fn/b/slow`, { method: 'POST' }).catch(() => undefined),
        );
        const first = await Promise.race(calls);
        assert.ok(first, 'no answer');
        assert.strictEqual(first.status, 429);
        assert.strictEqual(first.headers.get('retry-after'), '1');
        assert.match(((await first.json()) as Json).error.message, /already handling as many calls as it queues/);
      } finally {
        await own.close();
      }
    });

    it('gives a trivial function of project b an answer within 1 s while project a busy-loops', async () => {
      // A cloud of its own: closing it ends project a's spinning workers once b has answered,
      // instead of waiting out their loops.
      const own = await inProcessCloud();
      let busy: Array<Promise<unknown>> = [];
      try {
        await own.deploy(
          'a',
          'busy',
          'module.exports = async () => { const end = Date.now() + 6000; while (Date.now() < end) {} return 1; };',
          { timeoutMs: 10_000 },
        );
        await own.deploy('b', 'trivial', 'module.exports = async () => "b answers";');
        assert.strictEqual((await own.call('b', 'trivial')).body.result, 'b answers');
        busy = Array.from({ length: 4 }, () => own.call('a', 'busy'));
        await new Promise((r) => setTimeout(r, 1000));
        const started = Date.now();
        const r = await own.call('b', 'trivial');
        const took = Date.now() - started;
        assert.strictEqual(r.body.result, 'b answers');
        assert.ok(took < 1000, `project b waited ${took} ms`);
      } finally {
        await own.close();
        await Promise.allSettled(busy);
      }
    });
  });

  describe('against a server in its own process', () => {
    let c: Awaited<ReturnType<typeof childCloud>>;
    beforeEach(async () => {
      c = await childCloud();
    });
    afterEach(async () => c.close());

    it('cannot stop or kill the server with signals to its parent', async () => {
      await c.deploy(
        'a',
        'stopper',
        `module.exports = async (req) => {
        try { process.kill(process.ppid, req.body); return 'sent'; } catch (e) { return e.code; }
      };`,
      );
      await c.call('a', 'stopper', 'SIGSTOP');
      assert.ok(await healthy(c.url, 3000), 'the server stopped answering after SIGSTOP from a function');
      await c.call('a', 'stopper', 'SIGKILL').catch(() => undefined);
      assert.ok(await healthy(c.url, 3000), 'the server was killed by a function');
    });

    it('leaves nothing running, and nothing listening, after kill -9 of the server', async () => {
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      await c.deploy(
        'a',
        'stay',
        `module.exports = async (req, ctx) => {
        process.removeAllListeners('disconnect');
        process.on('disconnect', () => {});
        process.exit = () => {};
        const listening = await new Promise((r) => {
          const srv = require('net').createServer((s) => s.end('still here')).listen(Number(ctx.env.PORT), '0.0.0.0');
          srv.on('listening', () => r('listening')); srv.on('error', (e) => r(e.code));
        });
        return listening;
      };`,
        { env: { PORT: String(port) } },
      );
      const r = await c.call('a', 'stay');
      assert.strictEqual(r.status, 200);
      const procs = descendants(c.pid);
      assert.ok(procs.size > 0, 'the server has worker processes');
      process.kill(c.pid, 'SIGKILL');
      const gone = await until(() => stillRunning(procs).length === 0, 5000);
      const reachable = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      for (const pid of stillRunning(procs)) process.kill(pid, 'SIGKILL');
      assert.strictEqual(
        reachable,
        false,
        `a function kept listening on port ${port} after the server was killed (${JSON.stringify(r.body.result)})`,
      );
      assert.ok(gone, 'function processes outlived the server');
    });

    it('survives hostile bytes on the worker channel within a fixed memory budget, and prints none of it', async () => {
      const secret = 'sk_test_hostile_channel_value_ZZZ';
      await c.putKey('a', 'K', secret);
      const code = `module.exports = async (req, ctx) => {
        ${HAND_SEND}
        const fs = require('fs');
        const k = await ctx.secrets.get('K');
        const big = (n) => 'x'.repeat(n);
        switch (req.body) {
          case 'non-json': writeAll(Buffer.from('not json ' + k + '\\n')); break;
          case 'forged': handSend({ t: 'secret', inv: ctx.requestId, req: 99, name: 'OTHER' }); handSend({ t: 'unknown', k }); break;
          case 'log-flood': for (let i = 0; i < 20; i++) handSend({ t: 'log', inv: ctx.requestId, level: 'info', message: big(30e6), cut: false }); break;
          case 'big-result': handSendBigResult(ctx.requestId, 40e6); await new Promise((r) => setTimeout(r, 2000)); break;
          case 'deep-result': handSend({ t: 'done', inv: ctx.requestId, ok: true, json: '['.repeat(200000) + ']'.repeat(200000) }); await new Promise((r) => setTimeout(r, 2000)); break;
          case 'no-newline': { const chunk = Buffer.alloc(1 << 20, 120); for (let i = 0; i < 700; i++) writeAll(chunk); break; }
        }
        return 'returned';
      };`;
      await c.deploy('a', 'hostile', code, { secrets: [{ name: 'K', version: 'latest' }], timeoutMs: 30_000 });
      const answers: Record<string, Json> = {};
      for (const attack of ['non-json', 'forged', 'log-flood', 'big-result', 'deep-result', 'no-newline']) {
        const r = await c.call('a', 'hostile', attack).catch((e: Error) => ({ status: 0, body: e.message }));
        answers[attack] = r.body;
        assert.ok(
          c.alive() && (await healthy(c.url, 5000)),
          `the server died or hung after "${attack}": ${c.output().slice(-500)}`,
        );
        assert.strictEqual(r.status, 200, `${attack}: ${JSON.stringify(r.body).slice(0, 300)}`);
      }
      const result = (a: string): string => JSON.stringify(answers[a]).slice(0, 300);
      assert.ok(JSON.stringify(answers['big-result']).length < 7 * 1024 * 1024, 'a hand-sent 40 MB result came back');
      assert.strictEqual(answers['big-result'].status, 'error', result('big-result'));
      assert.strictEqual(answers['deep-result'].status, 'error', result('deep-result'));
      assert.match(answers['deep-result'].error.message, /deep|protocol|limit/, result('deep-result'));
      assert.strictEqual(answers['log-flood'].status, 'error', result('log-flood'));
      assert.strictEqual(answers['no-newline'].status, 'error', result('no-newline'));
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8'))?.[1]);
      assert.ok(peakKb < 400 * 1024, `the server's peak memory reached ${Math.round(peakKb / 1024)} MB`);
      assert.strictEqual(
        c.output().includes(secret),
        false,
        `the key reached the server's output: ${c.output().slice(-500)}`,
      );
      assert.strictEqual(JSON.stringify(answers).includes(secret), false);
    });
  });
});
