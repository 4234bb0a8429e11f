// Function runtime: the sandboxed design (each worker in its own bubblewrap sandbox with
// slirp4netns networking) beside the previous design (plain child processes under Node's
// permission model), measured in the same run:
// - cold start: a fresh runtime's first invocation (process start, sandbox, bundle load);
// - warm invocations per second and p50/p99, sequential and with 16 callers on 2 workers;
// - memory per idle warm function: resident size of all its processes (node, bwrap, slirp4netns);
// and the ratio that matters: a warm call must stay at least 5x cheaper than a fresh process.
// An in-process call of the same handler is printed for reference. Bounded: a fixed number of
// calls and a time cap per phase.
import { createHash } from 'crypto';
import * as fs from 'fs';
import { FunctionRuntime, probeIsolation, type FunctionRequest } from '../src/localCloud/functions/runtime';

const CODE = `module.exports.default = async (request, ctx) => {
  const key = await ctx.secrets.get('BENCH_KEY');
  return { ok: true, n: request.body.n, len: key.length };
};`;
const VALUE = 'sk_test_bench_value_0123456789';
const SEQUENTIAL = 1000;
const CONCURRENT = 2000;
const TIME_CAP_MS = 15_000;
const COLD_SAMPLES = 3;
const IDLE_FUNCTIONS = 4;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(label: string, latencies: number[], wallMs: number): { perSecond: number; p50: number; p99: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const out = {
    perSecond: (latencies.length / wallMs) * 1000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
  console.log(
    `${label.padEnd(44)} ${String(latencies.length).padStart(5)} calls  ${out.perSecond.toFixed(0).padStart(8)} /s  p50 ${out.p50.toFixed(3)} ms  p99 ${out.p99.toFixed(3)} ms`,
  );
  return out;
}

/** Resident memory of every process below this one, in bytes. */
function descendantsRss(): number {
  let total = 0;
  const walk = (pid: number): void => {
    let kids: string[] = [];
    try {
      kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean);
    } catch {
      return;
    }
    for (const k of kids) {
      try {
        total += Number(fs.readFileSync(`/proc/${k}/statm`, 'utf8').split(' ')[1]) * 4096;
      } catch {
        continue;
      }
      walk(Number(k));
    }
  };
  walk(process.pid);
  return total;
}

const spec = (functionName = 'trivial') => ({
  project: 'bench',
  functionName,
  release: 1,
  sha256: createHash('sha256').update(CODE).digest('hex'),
  loadCode: () => CODE,
  secrets: [{ name: 'BENCH_KEY', version: 'latest' as const }],
  env: {},
});
const request = (n: number): FunctionRequest => ({ method: 'POST', headers: {}, query: {}, body: { n } });
const readSecret = (): string => VALUE;

interface DesignFigures {
  coldMs: number;
  warm: { perSecond: number; p50: number; p99: number };
  concurrent: { perSecond: number; p50: number; p99: number };
  idleMb: number | undefined;
}

async function measure(label: string, isolation: 'auto' | 'off'): Promise<DesignFigures> {
  // Cold: a fresh runtime each time, no prewarmed worker.
  const colds: number[] = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    const rt = new FunctionRuntime({ maxWorkers: 2, prewarm: 0, isolation });
    const t0 = performance.now();
    const r = await rt.invoke(spec(), request(0), readSecret);
    colds.push(performance.now() - t0);
    if (r.status !== 'ok') throw new Error(`bench invocation failed: ${r.error?.message}`);
    await rt.close();
  }
  colds.sort((a, b) => a - b);
  const coldMs = colds[Math.floor(colds.length / 2)];
  console.log(`${`${label}: cold start (median of ${COLD_SAMPLES})`.padEnd(44)} ${coldMs.toFixed(1)} ms`);

  const runtime = new FunctionRuntime({ maxWorkers: 2, maxPerProject: 2, prewarm: 0, isolation });
  try {
    await runtime.invoke(spec(), request(0), readSecret);
    const warm: number[] = [];
    let t0 = performance.now();
    for (let i = 0; i < SEQUENTIAL && performance.now() - t0 < TIME_CAP_MS; i++) {
      const s = performance.now();
      const r = await runtime.invoke(spec(), request(i), readSecret);
      if (r.status !== 'ok') throw new Error(`bench invocation failed: ${r.error?.message}`);
      warm.push(performance.now() - s);
    }
    const seq = stats(`${label}: warm (sequential)`, warm, performance.now() - t0);
    const conc: number[] = [];
    t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < CONCURRENT && performance.now() - t0 < TIME_CAP_MS) {
          const i = next++;
          const s = performance.now();
          await runtime.invoke(spec(), request(i), readSecret);
          conc.push(performance.now() - s);
        }
      }),
    );
    const par = stats(`${label}: warm (16 callers, 2 workers)`, conc, performance.now() - t0);
    await runtime.close();

    // Memory: IDLE_FUNCTIONS functions, each with one warm idle worker.
    let idleMb: number | undefined;
    if (process.platform === 'linux') {
      const before = descendantsRss();
      const many = new FunctionRuntime({
        maxWorkers: IDLE_FUNCTIONS,
        maxPerProject: IDLE_FUNCTIONS,
        prewarm: 0,
        isolation,
      });
      for (let i = 0; i < IDLE_FUNCTIONS; i++) await many.invoke(spec(`f${i}`), request(i), readSecret);
      await new Promise((r) => setTimeout(r, 500));
      idleMb = (descendantsRss() - before) / IDLE_FUNCTIONS / 1024 / 1024;
      console.log(
        `${`${label}: memory per idle warm function`.padEnd(44)} ${idleMb.toFixed(1)} MB (resident, all its processes)`,
      );
      await many.close();
    }
    return { coldMs, warm: seq, concurrent: par, idleMb };
  } finally {
    await runtime.close();
  }
}

export async function run(): Promise<void> {
  // In-process reference: the same handler, with an in-process ctx.
  const mod: { exports: { default?: (r: FunctionRequest, c: unknown) => Promise<unknown> } } = { exports: {} };
  new Function('module', 'exports', CODE)(mod, mod.exports);
  const handler = mod.exports.default as (r: FunctionRequest, c: unknown) => Promise<unknown>;
  const ctx = { secrets: { get: async () => VALUE }, env: {}, log: console };
  const inProc: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SEQUENTIAL * 5 && performance.now() - t0 < TIME_CAP_MS; i++) {
    const s = performance.now();
    JSON.stringify(await handler(request(i), ctx));
    inProc.push(performance.now() - s);
  }
  stats('in-process handler (reference)', inProc, performance.now() - t0);

  const isolation = probeIsolation({ nodePath: process.execPath, mode: 'auto' }).info;
  console.log(
    `isolation here: ${isolation.level} (${isolation.network} network, seccomp ${isolation.seccomp ? 'on' : 'off'})`,
  );
  const previous = await measure('previous (child process)', 'off');
  const current =
    isolation.level === 'sandbox' ? await measure('sandbox (bubblewrap + slirp4netns)', 'auto') : undefined;

  const report = (label: string, f: DesignFigures): void => {
    const ratio = f.coldMs / f.warm.p50;
    console.log(
      `${label}: a warm call is ${ratio.toFixed(0)}x cheaper than a fresh process (cold ${f.coldMs.toFixed(1)} ms / warm p50 ${f.warm.p50.toFixed(3)} ms)${ratio >= 5 ? '' : '  BELOW the 5x target'}`,
    );
  };
  report('previous', previous);
  if (current) {
    report('sandbox ', current);
    console.log(
      `sandbox / previous: cold start ${(current.coldMs / previous.coldMs).toFixed(2)}x, warm p50 ${(current.warm.p50 / previous.warm.p50).toFixed(2)}x, warm throughput ${(current.warm.perSecond / previous.warm.perSecond).toFixed(2)}x` +
        (current.idleMb !== undefined && previous.idleMb !== undefined
          ? `, memory per idle function ${(current.idleMb / previous.idleMb).toFixed(2)}x (${current.idleMb.toFixed(1)} vs ${previous.idleMb.toFixed(1)} MB)`
          : ''),
    );
  }
}
