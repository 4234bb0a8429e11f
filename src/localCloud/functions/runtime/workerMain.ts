// The program a function worker runs. It is shipped as the source text of `workerMain` and
// started with `node -e`, so it works the same from the TypeScript output, the CLI bundle and
// an installed .vsix without a separate file to locate. Hence the function must be
// self-contained: no imports, no references to anything outside its own body.
//
// A worker serves one invocation at a time. It loads a release's CommonJS bundle once per
// sha256 (warm invocations skip that), calls the handler with (request, ctx), and sends logs
// and the result back as length-prefixed frames on fd 3 (see framing.ts; the parent trusts
// none of it). Key values come from the parent on request and are never stored in
// process.env or on any global. After each call it reports whether it is clean: anything
// left keeping its event loop busy (timers, sockets, servers, immediates) gets it ended
// instead of reused.

export function workerMain(): void {
  const vm = require('vm') as typeof import('vm');
  const util = require('util') as typeof import('util');
  const nodeModule = require('module') as typeof import('module');
  const pathMod = require('path') as typeof import('path');
  const net = require('net') as typeof import('net');
  const proc = process;
  // Captured before any function runs: a function may replace process.exit.
  const reallyExit = (proc as unknown as { reallyExit: (code: number) => void }).reallyExit.bind(proc);
  const channel = new net.Socket({ fd: 3, readable: true, writable: true });
  const send = (m: unknown): void => {
    const body = Buffer.from(JSON.stringify(m), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    channel.write(Buffer.concat([head, body]));
  };
  // The stdio streams are created lazily; create them now so that a function writing to them
  // does not look like a handle it left behind.
  void proc.stdout;
  void proc.stderr;
  const resourceCounts = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const r of proc.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
    return counts;
  };
  const baseline = new Map<string, number>();
  /** What the function left keeping the event loop busy, beyond the worker's own handles. */
  const leftovers = (): string[] => {
    const out: string[] = [];
    for (const [r, n] of resourceCounts()) if (n > (baseline.get(r) ?? 0)) out.push(r);
    return out;
  };

  type Level = 'info' | 'warn' | 'error';
  interface Limits {
    maxLogBytes: number;
    maxMessageBytes: number;
    maxResultBytes: number;
    maxCachedBundles: number;
  }
  interface Loaded {
    handler: (request: unknown, ctx: unknown) => unknown;
  }

  const bundles = new Map<string, Loaded>();
  const pendingSecrets = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  let nextReq = 1;
  let current: { inv: string; limits: Limits; logBytes: number; dropped: boolean } | undefined;

  const cut = (text: string, max: number): [string, boolean] =>
    text.length > max ? [text.slice(0, max), true] : [text, false];

  function log(level: Level, args: unknown[]): void {
    const inv = current;
    if (!inv) return;
    if (inv.logBytes >= inv.limits.maxLogBytes) {
      if (!inv.dropped) {
        inv.dropped = true;
        send({
          t: 'log',
          inv: inv.inv,
          level: 'warn',
          message: '[further log output of this invocation was dropped: log limit reached]',
          cut: false,
        });
      }
      return;
    }
    let message: string;
    try {
      message = util.format(...args);
    } catch {
      message = '[unprintable log message]';
    }
    const [text, wasCut] = cut(message, inv.limits.maxMessageBytes);
    inv.logBytes += text.length;
    send({ t: 'log', inv: inv.inv, level, message: text, cut: wasCut });
  }

  // console.* goes to the function's logs, not to the process's stdout.
  const consoleLevels: Record<string, Level> = {
    log: 'info',
    info: 'info',
    debug: 'info',
    trace: 'info',
    warn: 'warn',
    error: 'error',
  };
  for (const [method, level] of Object.entries(consoleLevels)) {
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => log(level, args);
  }

  function load(sha256: string, code: string, limits: Limits): Loaded {
    const filename = pathMod.join(proc.cwd(), `function-${sha256.slice(0, 16)}.js`);
    const wrapper = vm.runInThisContext(nodeModule.wrap(code), { filename }) as (
      exports: unknown,
      require: unknown,
      module: unknown,
      filename: string,
      dirname: string,
    ) => void;
    const mod: { exports: unknown } = { exports: {} };
    const req = nodeModule.createRequire(filename);
    wrapper.call(mod.exports, mod.exports, req, mod, filename, pathMod.dirname(filename));
    const exp = mod.exports as { default?: unknown } | ((...a: unknown[]) => unknown);
    let handler: unknown;
    if (exp && typeof (exp as { default?: unknown }).default === 'function')
      handler = (exp as { default: unknown }).default;
    else if (typeof exp === 'function') handler = exp;
    if (typeof handler !== 'function') {
      throw new Error(
        'The bundle exports no handler: export an async function as the default export (module.exports.default or module.exports).',
      );
    }
    const loaded: Loaded = { handler: handler as Loaded['handler'] };
    bundles.set(sha256, loaded);
    while (bundles.size > limits.maxCachedBundles) bundles.delete(bundles.keys().next().value as string);
    return loaded;
  }

  function requestSecret(inv: string, name: unknown): Promise<string> {
    if (typeof name !== 'string')
      return Promise.reject(new TypeError('ctx.secrets.get expects a key name as a string.'));
    if (!current || current.inv !== inv) {
      return Promise.reject(new Error(`Key "${name}" was requested after the invocation ended.`));
    }
    const req = nextReq++;
    return new Promise<string>((resolve, reject) => {
      pendingSecrets.set(req, { resolve, reject });
      send({ t: 'secret', inv, req, name });
    });
  }

  async function run(m: {
    inv: string;
    sha256: string;
    code?: string;
    request: unknown;
    env: Record<string, string>;
    functionName: string;
    limits: Limits;
  }): Promise<void> {
    current = { inv: m.inv, limits: m.limits, logBytes: 0, dropped: false };
    const inv = m.inv;
    try {
      let loaded = bundles.get(m.sha256);
      if (!loaded) {
        if (typeof m.code !== 'string') throw new Error('The function bundle is not loaded in this worker.');
        loaded = load(m.sha256, m.code, m.limits);
      } else {
        // Keep recently used bundles at the end of the map (least recently used first out).
        bundles.delete(m.sha256);
        bundles.set(m.sha256, loaded);
      }
      const logger = Object.freeze({
        info: (...a: unknown[]) => log('info', a),
        warn: (...a: unknown[]) => log('warn', a),
        error: (...a: unknown[]) => log('error', a),
      });
      const ctx = Object.freeze({
        secrets: Object.freeze({ get: (name: string) => requestSecret(inv, name) }),
        env: Object.freeze({ ...m.env }),
        log: logger,
        requestId: inv,
        functionName: m.functionName,
      });
      const request = Object.freeze(m.request as object);
      const value = await loaded.handler(request, ctx);
      let json: string | undefined;
      try {
        json = JSON.stringify(value === undefined ? null : value);
      } catch (e) {
        throw new Error(
          `The function's return value cannot be sent as JSON: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      if (json === undefined) json = 'null';
      if (json.length > m.limits.maxResultBytes) {
        throw new Error(
          `The function's result is too large (${json.length} bytes; the limit is ${m.limits.maxResultBytes}).`,
        );
      }
      if (current?.inv === inv) current = undefined;
      send({ t: 'done', inv, ok: true, json, leftovers: leftovers() });
    } catch (e) {
      const raw = e instanceof Error ? e.message : String(e);
      const [message, wasCut] = cut(String(raw), m.limits.maxMessageBytes);
      // The stack without the worker's own frames, for the function's logs.
      const stack =
        e instanceof Error && typeof e.stack === 'string'
          ? cut(
              e.stack
                .split('\n')
                .filter((l) => !/\[eval\]|\(node:|at node:/.test(l))
                .join('\n'),
              m.limits.maxMessageBytes,
            )[0]
          : undefined;
      if (current?.inv === inv) current = undefined;
      send({ t: 'done', inv, ok: false, message, cut: wasCut, stack, leftovers: leftovers() });
    } finally {
      for (const [req, p] of pendingSecrets) {
        pendingSecrets.delete(req);
        p.reject(new Error('The invocation ended before the key was read.'));
      }
    }
  }

  const onMessage = (raw: unknown): void => {
    const m = raw as { t?: string; req?: number; ok?: boolean; value?: string; message?: string };
    if (m && m.t === 'secret' && typeof m.req === 'number') {
      const p = pendingSecrets.get(m.req);
      if (!p) return;
      pendingSecrets.delete(m.req);
      if (m.ok && typeof m.value === 'string') p.resolve(m.value);
      else p.reject(new Error(typeof m.message === 'string' ? m.message : 'The key could not be read.'));
      return;
    }
    if (m && m.t === 'run') void run(raw as Parameters<typeof run>[0]);
  };
  // Frames from the parent (trusted): 4-byte length, then JSON.
  let chunks: Buffer[] = [];
  let buffered = 0;
  let need = 4;
  channel.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    // Joins the chunks only once a whole frame is there.
    while (buffered >= need) {
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
      const length = all.readUInt32BE(0);
      need = 4 + length;
      chunks = [all];
      if (buffered < need) break;
      const frame = all.subarray(4, need);
      const rest = all.subarray(need);
      chunks = rest.length ? [rest] : [];
      buffered = rest.length;
      need = 4;
      onMessage(JSON.parse(frame.toString('utf8')) as unknown);
    }
  });
  // The parent going away ends the worker, whatever the function did to process.exit.
  channel.on('end', () => reallyExit(0));
  channel.on('close', () => reallyExit(0));
  channel.on('error', () => reallyExit(0));
  for (const [r, n] of resourceCounts()) baseline.set(r, n);
  send({ t: 'ready' });
}

/** The worker's program text, run with `node -e`. */
export const WORKER_SOURCE = `(${workerMain.toString()})();`;
