// Adversarial inputs: long runs of each rule's alphabet, its anchor repeated, unterminated
// strings and blocks. Every rule's expression is bounded, so each line scans quickly.
import * as assert from 'assert';
import { PROVIDER_RULES, buildKnownValueIndex, scanText } from '../../../src/lint/engine';
import { scanRegion } from '../../../src/lint/engine/scanner';

const N = 100_000;
/** CPU time (user + system), steadier than wall time when other processes share the machine. */
const LIMIT_MS = 500;
const ALPHABETS = ['a', 'A', '0', 'aA0', 'aA0-_', 'aA0+/=', '-', '_', '.', ':', '$', '@', '/', ' ', '"', '\\'];

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU milliseconds that `f` takes. */
function cpuTime(f: () => unknown): number {
  const t0 = cpuMs();
  f();
  return cpuMs() - t0;
}

/** Lines whose every part matters: anchors over and over, and hand-picked generic cases. */
function adversarialLines(): Array<{ name: string; text: string }> {
  const lines: Array<{ name: string; text: string }> = [];
  for (const rule of PROVIDER_RULES) {
    for (const p of rule.patterns) {
      lines.push({ name: `${rule.id} anchor repeated`, text: p.anchor.repeat(Math.ceil(N / p.anchor.length)) });
      lines.push({
        name: `${rule.id} (anchor + 30 chars) repeated`,
        text: (p.anchor + 'aB3'.repeat(10) + ' ').repeat(Math.ceil(N / (p.anchor.length + 31))),
      });
    }
  }
  const generic = [
    ['unterminated assignment', 'apiKey = "' + 'a1'.repeat(N / 2)],
    ['keywords', 'secretKeyToken'.repeat(N / 14)],
    ['assignments', 'apiKey="x";'.repeat(N / 11)],
    ['nested quotes', 'token: "\\"'.repeat(N / 10)],
    ['private key without end', '-----BEGIN RSA PRIVATE KEY-----\n' + 'QUJD'.repeat(N / 4)],
    ['private key headers', '-----BEGIN PRIVATE KEY-----'.repeat(N / 27)],
    ['connection string', 'postgres://' + 'a:'.repeat(N / 2)],
    ['connection string at signs', 'mongodb://u:' + '@'.repeat(N)],
    ['jwt without dots', 'eyJ' + 'a'.repeat(N)],
    ['jwt dots', 'eyJaaaaaaaaaaaa.'.repeat(N / 16)],
    ['telegram digits', '1'.repeat(N) + ':AA'],
    ['mailchimp', 'a'.repeat(N) + '-us1'],
    ['env lines', 'VITE_KEY='.repeat(N / 9)],
    ['newlines', '\n'.repeat(N)],
    ['ignore markers', 'cloudxlr-ignore-'.repeat(N / 16)],
  ] as const;
  for (const [name, text] of generic) lines.push({ name, text });
  return lines;
}

describe('lint: adversarial input', () => {
  const known = buildKnownValueIndex(['aaaaaaaaaaaaaaaaaaaaaaaaaaaaab', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a2']);
  let worst = { name: '', ms: 0 };
  const timed = (name: string, f: () => unknown): void => {
    const ms = cpuTime(f);
    if (ms > worst.ms) worst = { name, ms };
    assert.ok(ms < LIMIT_MS, `${name} took ${ms.toFixed(0)} ms`);
  };
  beforeEach(() => (worst = { name: '', ms: 0 }));
  afterEach(function () {
    if (worst.name)
      console.log(`      ${this.currentTest?.title}: slowest ${worst.name}, ${worst.ms.toFixed(1)} ms of CPU`);
  });

  it('scans every adversarial line of 100k characters in well under a second', function () {
    this.timeout(120_000);
    const lines = adversarialLines();
    for (const { name, text } of lines)
      for (const kind of ['frontend', 'env'] as const)
        timed(`${name} (${kind})`, () => scanText(text, { kind, knownValues: known }));
  });

  it("runs each rule's expression from its anchor over 100k characters of each alphabet in well under a second", function () {
    this.timeout(120_000);
    // The run (with every anchor hit inside it, and the known-value search) is scanned in full
    // once per alphabet. Then, with each anchor in front of it, only the values that start at
    // the anchor are scanned: the anchor's expression still runs over the whole run, but the
    // run is not scanned again once per pattern.
    for (const a of ALPHABETS) {
      const run = a.repeat(Math.ceil(N / a.length));
      timed(`${JSON.stringify(a)}* (frontend)`, () => scanText(run, { knownValues: known }));
      for (const rule of PROVIDER_RULES) {
        for (const p of rule.patterns) {
          const name = `${rule.id} anchor + ${JSON.stringify(a)}*`;
          const line = p.anchor + run;
          timed(`${name} (frontend)`, () => scanRegion(line, 0, p.anchor.length, { knownValues: known }, []));
          timed(`${name} (env)`, () => scanText(line, { kind: 'env', knownValues: known }));
        }
      }
    }
  });

  it('grows linearly with the input', () => {
    const unit =
      'const a = "sk_live_' + 'x1Y2z3'.repeat(5) + '"; apiKey: "' + 'q8Zr2LmX9vB4nK7t' + '"; token = process.env.T;\n';
    const time = (n: number) => {
      const text = unit.repeat(n);
      const t0 = cpuMs();
      scanText(text);
      return cpuMs() - t0;
    };
    // Half a megabyte against four: large enough to measure, and linear growth is what counts.
    time(5000);
    const small = Math.min(time(5000), time(5000));
    const big = Math.min(time(40_000), time(40_000));
    console.log(
      `      ${((unit.length * 5000) / 1e6).toFixed(1)} MB: ${small.toFixed(0)} ms; ${((unit.length * 40_000) / 1e6).toFixed(1)} MB: ${big.toFixed(0)} ms`,
    );
    assert.ok(big < small * 8 * 2.5, `8x the input took ${(big / small).toFixed(1)}x the time`);
  });

  it('skips binary content', () => {
    assert.deepStrictEqual(scanText('\u0000PNG sk_live_' + 'a1B2'.repeat(8)), []);
  });
});
