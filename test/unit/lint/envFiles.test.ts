import * as assert from 'assert';
import { PUBLIC_ENV_PREFIXES, scanText } from '../../../src/lint/engine';
import { prng, randomString } from './corpus';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

describe('lint: .env files', () => {
  const key = 'sk_live_' + randomString(prng(8), ALNUM, 24);

  it('reports a secret in every public prefix, naming the tool and the prefix range', () => {
    for (const { prefix, tool } of PUBLIC_ENV_PREFIXES) {
      const text = `# payments\n${prefix}STRIPE_KEY=${key}\n`;
      const [f, ...rest] = scanText(text, { kind: 'env' });
      assert.strictEqual(rest.length, 0, prefix);
      assert.ok(f, prefix);
      assert.strictEqual(f.ruleId, 'public-env-secret');
      assert.strictEqual(f.severity, 'error');
      assert.strictEqual(f.provider, 'Stripe');
      assert.strictEqual(f.suggestedKeyName, 'STRIPE_KEY');
      assert.ok(f.message.includes(tool) && f.message.includes(prefix), f.message);
      assert.ok(!f.message.includes(key.slice(8, 20)));
      assert.deepStrictEqual(f.env && text.slice(f.env.prefixStart, f.env.prefixEnd), prefix);
      assert.strictEqual(text.slice(f.start, f.end), key);
      assert.strictEqual(f.line, 2);
    }
  });

  it('handles quotes, export and trailing comments', () => {
    const text = `export VITE_A="${key}"\nVITE_B='${key}' # note\nVITE_C=${key} # note\n`;
    const found = scanText(text, { kind: 'env' });
    assert.deepStrictEqual(
      found.map((f) => text.slice(f.start, f.end)),
      [key, key, key],
    );
  });

  it('leaves server-only variables and public non-secrets alone', () => {
    assert.deepStrictEqual(
      scanText(
        `STRIPE_SECRET_KEY=${key}\nVITE_API_URL=https://api.example.org\nVITE_STRIPE_PK=pk_live_${key.slice(8)}\n`,
        { kind: 'env' },
      ),
      [],
    );
  });
});
