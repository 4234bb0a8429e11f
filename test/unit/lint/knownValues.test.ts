import * as assert from 'assert';
import { buildKnownValueIndex, scanText } from '../../../src/lint/engine';
import { prng, randomString } from './corpus';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

describe('lint: known values', () => {
  const rand = prng(99);
  const values = Array.from({ length: 10_000 }, (_, i) => randomString(rand, ALNUM, 12 + (i % 60)));
  const index = buildKnownValueIndex(values);

  it('indexes 10,000 values and finds each one wherever it appears', () => {
    assert.strictEqual(index.size, 10_000);
    const picked = [0, 1, 4999, 9998, 9999].map((i) => values[i] as string);
    const text = `const a = 1;\nlet x = ${JSON.stringify(picked[0])};\nfoo(${picked[1]})\n/*${picked[2]}*/ ${picked[3]}-${picked[4]}`;
    const found = scanText(text, { knownValues: index }).filter((f) => f.ruleId === 'known-value');
    assert.deepStrictEqual(
      found.map((f) => text.slice(f.start, f.end)),
      picked,
    );
  });

  it('costs the same with 10 or 10,000 values', () => {
    const filler = 'function f(a,b){return a.map(x=>x*2).filter(Boolean)}const q="abcdefghijklmnop";\n'.repeat(40_000);
    const small = buildKnownValueIndex(values.slice(0, 10));
    const time = (idx: ReturnType<typeof buildKnownValueIndex>) => {
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        idx.search(filler, 0, filler.length, () => undefined);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const t10 = time(small);
    const t10k = time(index);
    console.log(
      `      ${(filler.length / 1e6).toFixed(1)} MB: ${t10.toFixed(1)} ms with 10 values, ${t10k.toFixed(1)} ms with 10,000`,
    );
    assert.ok(t10k < t10 * 3 + 5, 'search time grew with the number of values');
  });

  it('names the stored key a match is of, in the message and as the name to use', () => {
    const value = 'Zq4vL9mT2xW7pK5nR8bY3aa';
    const named = buildKnownValueIndex([{ name: 'PAYMENTS_TOKEN', value }]);
    const [f] = scanText(`const t = "${value}";`, { knownValues: named });
    assert.strictEqual(f?.ruleId, 'known-value');
    assert.match(f.message, /^The value of your stored API key PAYMENTS_TOKEN \(/);
    assert.strictEqual(f.storedAs, 'PAYMENTS_TOKEN');
    assert.strictEqual(f.suggestedKeyName, 'PAYMENTS_TOKEN');
    const [env] = scanText(`VITE_PAYMENTS=${value}\n`, { knownValues: named, kind: 'env' });
    assert.match(env?.message ?? '', /VITE_PAYMENTS holds the value of your stored API key PAYMENTS_TOKEN/);
    assert.strictEqual(env?.storedAs, 'PAYMENTS_TOKEN');
  });

  it('never shows the value: the message holds a masked excerpt only', () => {
    const v = values[42] as string;
    const [f] = scanText(`x = "${v}"`, { knownValues: index });
    assert.ok(f);
    assert.ok(!JSON.stringify(f).includes(v.slice(0, v.length - 4)));
    assert.match(f.message, /stored API keys/);
  });

  it('skips short and public-by-design values', () => {
    const idx = buildKnownValueIndex(['short', 'pk_live_' + 'a1B2'.repeat(6), 'q8Zr2LmX9vB4nK7t']);
    assert.strictEqual(idx.size, 1);
  });

  it('reports the longest of overlapping values once', () => {
    const idx = buildKnownValueIndex(['q8Zr2LmX9vB4nK7t', 'q8Zr2LmX9vB4nK7tW1yP3sD6']);
    const found = scanText('v = "q8Zr2LmX9vB4nK7tW1yP3sD6"', { knownValues: idx });
    assert.strictEqual(found.length, 1);
    assert.strictEqual((found[0] as { end: number }).end - (found[0] as { start: number }).start, 24);
  });
});
