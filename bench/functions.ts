// Function runtime: invocations per second and p50/p99 latency of a trivial function run warm
// through the runtime (child-process workers, IPC, key resolution, redaction), beside the same
// handler called in-process, and the ratio of the two. Also one cold start for reference.
// Bounded: a fixed number of calls and a time cap per phase.
import { createHash } from 'crypto';
import { FunctionRuntime, type FunctionRequest } from '../src/localCloud/functions/runtime';

const CODE = `module.exports.default = async (request, ctx) => {
  const key = await ctx.secrets.get('BENCH_KEY');
  return { ok: true, n: request.body.n, len: key.length };
};`;
const VALUE = 'sk_test_bench_value_0123456789';
const SEQUENTIAL = 2000;
const CONCURRENT = 4000;
const TIME_CAP_MS = 20_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(label: string, latencies: number[], wallMs: number): { perSecond: number; p50: number; p99: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const out = { perSecond: (latencies.length / wallMs) * 1000, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  console.log(`${label.padEnd(34)} ${String(latencies.length).padStart(5)} calls  ${out.perSecond.toFixed(0).padStart(8)} /s  p50 ${out.p50.toFixed(4)} ms  p99 ${out.p99.toFixed(4)} ms`);
  return out;
}

export async function run(): Promise<void> {
  const sha256 = createHash('sha256').update(CODE).digest('hex');
  const spec = { project: 'bench', functionName: 'trivial', release: 1, sha256, loadCode: () => CODE, secrets: [{ name: 'BENCH_KEY', version: 'latest' as const }], env: {} };
  const request = (n: number): FunctionRequest => ({ method: 'POST', headers: {}, query: {}, body: { n } });
  const readSecret = (): string => VALUE;

  // In-process baseline: the same handler, with an in-process ctx.
  const mod: { exports: { default?: (r: FunctionRequest, c: unknown) => Promise<unknown> } } = { exports: {} };
  new Function('module', 'exports', CODE)(mod, mod.exports);
  const handler = mod.exports.default as (r: FunctionRequest, c: unknown) => Promise<unknown>;
  const ctx = { secrets: { get: async () => VALUE }, env: {}, log: console };
  const inProc: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < SEQUENTIAL * 5 && performance.now() - t0 < TIME_CAP_MS; i++) {
    const s = performance.now();
    JSON.stringify(await handler(request(i), ctx));
    inProc.push(performance.now() - s);
  }
  const base = stats('in-process handler (sequential)', inProc, performance.now() - t0);

  const runtime = new FunctionRuntime({ maxWorkers: 2, prewarm: 0 });
  try {
    t0 = performance.now();
    const cold = await runtime.invoke(spec, request(0), readSecret);
    console.log(`${'runtime cold start (spawn + load)'.padEnd(34)} ${(performance.now() - t0).toFixed(1)} ms (status ${cold.status})`);

    const warm: number[] = [];
    t0 = performance.now();
    for (let i = 0; i < SEQUENTIAL && performance.now() - t0 < TIME_CAP_MS; i++) {
      const s = performance.now();
      const r = await runtime.invoke(spec, request(i), readSecret);
      if (r.status !== 'ok') throw new Error(`bench invocation failed: ${r.error?.message}`);
      warm.push(performance.now() - s);
    }
    const seq = stats('runtime, warm (sequential)', warm, performance.now() - t0);

    // Concurrent: 2 workers (the machine has 2 cores), 16 callers.
    const conc: number[] = [];
    t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < CONCURRENT && performance.now() - t0 < TIME_CAP_MS) {
          const i = next++;
          const s = performance.now();
          await runtime.invoke(spec, request(i), readSecret);
          conc.push(performance.now() - s);
        }
      }),
    );
    const par = stats('runtime, warm (16 callers, 2 workers)', conc, performance.now() - t0);

    console.log(`ratio in-process / runtime (sequential): ${(base.perSecond / seq.perSecond).toFixed(0)}x more calls per second in-process; p50 ${(seq.p50 / base.p50).toFixed(0)}x`);
    console.log(`ratio in-process / runtime (concurrent): ${(base.perSecond / par.perSecond).toFixed(0)}x`);
    console.log(`warm overhead per call: ~${(seq.p50 - base.p50).toFixed(3)} ms (IPC round trips for the call and the key, JSON, redaction)`);
  } finally {
    await runtime.close();
  }
}
