// What the cloud benches share: servers under test in child processes of their own (so the
// load generator does not share their event loop), and the HTTP load generator: keep-alive
// connections on loopback, a warm-up, then requests until a count or a time is reached, with
// latencies per request.
import { fork, type ChildProcess } from 'child_process';
import * as http from 'http';
import { cloudNode } from '../test/host/nodeRuntime';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
}

/**
 * Forks `file` with `args` under a Node that has node:sqlite (this one when it has it, else the
 * registry's Node 24); resolves once the child sends `{ port }`.
 */
export function forkServer(
  file: string,
  args: string[],
  what: string,
  env?: NodeJS.ProcessEnv,
): Promise<ServerProcess> {
  const child = fork(file, args, { execPath: cloudNode(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ port: m.port, child }));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}.`)));
  });
}

/** Stops a forked server with SIGTERM and resolves once it has exited. */
export function stopServer(s: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

export interface LoadRequest {
  method: string;
  path: string;
  body?: string;
}

export interface LoadOptions {
  /** The bearer token every request carries. */
  token: string;
  concurrency: number;
  /** Requests sent first and not measured (connections, JIT, the database's cache). */
  warmup: number;
  maxRequests: number;
  maxSeconds: number;
}

export interface LoadResult {
  rps: number;
  count: number;
  p50: number;
  p99: number;
}

/** Sends one request and resolves with its status once the answer has been read. */
export function send(agent: http.Agent, port: number, token: string, r: LoadRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${token}` };
    if (r.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(r.body);
    }
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Runs `request(i)` for i = 0, 1, … from `concurrency` connections; any status ≥ 300 fails the run. */
export async function load(port: number, request: (i: number) => LoadRequest, o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  let next = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.warmup) await send(agent, port, o.token, request(next++));
    }),
  );
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const deadline = Date.now() + o.maxSeconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (done < o.maxRequests && Date.now() < deadline) {
        done++;
        const r = request(next++);
        const t0 = process.hrtime.bigint();
        const status = await send(agent, port, o.token, r);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status >= 300) throw new Error(`${r.method} ${r.path} answered ${status}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / seconds, count: latencies.length, p50: pick(0.5), p99: pick(0.99) };
}
