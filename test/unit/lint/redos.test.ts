// Adversarial inputs: long runs of each rule's alphabet, its anchor repeated, unterminated
// strings and blocks. Every rule's expression is bounded, so each line scans quickly.
import * as assert from 'assert';
import { PROVIDER_RULES, buildKnownValueIndex, scanText } from '../../../src/lint/engine';

const N = 100_000;
/** CPU time (user + system), steadier than wall time when other processes share the machine. */
const LIMIT_MS = 500;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function adversarialLines(): Array<{ name: string; text: string }> {
  const lines: Array<{ name: string; text: string }> = [];
  const alphabets = ['a', 'A', '0', 'aA0', 'aA0-_', 'aA0+/=', '-', '_', '.', ':', '$', '@', '/', ' ', '"', '\\'];
  for (const rule of PROVIDER_RULES) {
    for (const p of rule.patterns) {
      lines.push({ name: `${rule.id} anchor repeated`, text: p.anchor.repeat(Math.ceil(N / p.anchor.length)) });
      for (const a of alphabets)
        lines.push({
          name: `${rule.id} anchor + ${JSON.stringify(a)}*`,
          text: p.anchor + a.repeat(Math.ceil(N / a.length)),
        });
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
  it('scans every adversarial line of 100k characters in well under a second', function () {
    this.timeout(600_000);
    const known = buildKnownValueIndex(['aaaaaaaaaaaaaaaaaaaaaaaaaaaaab', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a2']);
    let worst = { name: '', ms: 0 };
    const lines = adversarialLines();
    for (const { name, text } of lines) {
      for (const kind of ['frontend', 'env'] as const) {
        const t0 = cpuMs();
        scanText(text, { kind, knownValues: known });
        const ms = cpuMs() - t0;
        if (ms > worst.ms) worst = { name: `${name} (${kind})`, ms };
        assert.ok(ms < LIMIT_MS, `${name} (${kind}) took ${ms.toFixed(0)} ms`);
      }
    }
    console.log(`      ${lines.length * 2} lines; slowest: ${worst.name} in ${worst.ms.toFixed(1)} ms of CPU`);
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
    time(2000);
    const small = Math.min(time(10_000), time(10_000));
    const big = Math.min(time(80_000), time(80_000));
    console.log(
      `      ${((unit.length * 10_000) / 1e6).toFixed(1)} MB: ${small.toFixed(0)} ms; ${((unit.length * 80_000) / 1e6).toFixed(1)} MB: ${big.toFixed(0)} ms`,
    );
    assert.ok(big < small * 8 * 2.5, `8x the input took ${(big / small).toFixed(1)}x the time`);
  });

  it('skips binary content', () => {
    assert.deepStrictEqual(scanText('\u0000PNG sk_live_' + 'a1B2'.repeat(8)), []);
  });
});
