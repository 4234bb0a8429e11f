import * as assert from 'assert';
import { notASecretReason, parseEnv, removeValues } from '../../../src/keys/dotenv';

describe('dotenv parsing', () => {
  it('reads the dotenv forms', () => {
    const text = [
      '# comment',
      'PLAIN=abc',
      'export EXPORTED=def',
      'SPACED = ghi   # trailing comment',
      'DOUBLE="a b\\nc"',
      "SINGLE='x # not a comment'",
      'MULTI="line1',
      'line2"',
      'EMPTY=',
      'garbage line',
      'HASH=abc#def',
    ].join('\n');
    const { entries, skippedLines } = parseEnv(text);
    const got = Object.fromEntries(entries.map((e) => [e.name, e.value]));
    assert.deepStrictEqual(got, {
      PLAIN: 'abc',
      EXPORTED: 'def',
      SPACED: 'ghi',
      DOUBLE: 'a b\nc',
      SINGLE: 'x # not a comment',
      MULTI: 'line1\nline2',
      EMPTY: '',
      HASH: 'abc#def',
    });
    assert.deepStrictEqual(skippedLines, [10]);
  });

  it('handles CRLF and an unterminated quote without taking the rest of the file', () => {
    const { entries, skippedLines } = parseEnv('A=1\r\nB="open\r\n');
    assert.deepStrictEqual(
      entries.map((e) => e.name),
      ['A'],
    );
    assert.deepStrictEqual(skippedLines, [2]);
  });

  it('removes chosen values and keeps names, comments and the rest', () => {
    const text = '# keys\nexport STRIPE_SECRET_KEY=sk_test_123\nMULTI="a\nb"\nKEEP=1\n';
    const out = removeValues(text, new Set(['STRIPE_SECRET_KEY', 'MULTI']));
    assert.strictEqual(out, '# keys\nexport STRIPE_SECRET_KEY=\nMULTI=\nKEEP=1\n');
  });

  it('keeps CRLF line endings when rewriting', () => {
    assert.strictEqual(removeValues('A=1\r\nB=2\r\n', new Set(['A'])), 'A=\r\nB=2\r\n');
  });

  it('tells configuration from secrets, so import pre-selects only possible secrets', () => {
    const config: [string, string, string][] = [
      ['VITE_API_URL', 'https://api.example.com', 'a URL'],
      ['REDIS_HOST', 'cache.internal.example.com', 'a host name'],
      ['HOST', 'localhost:6379', 'a host name'],
      ['DEBUG', 'true', 'a flag'],
      ['FEATURE_X', 'off', 'a flag'],
      ['PORT', '3000', 'a number'],
      ['NODE_ENV', 'production', 'a short value'],
      ['APP_TITLE', 'My Checkout Demo', 'text with spaces'],
      ['STRIPE_SECRET_KEY', 'short', 'a short value'],
      ['APP_NAME', 'CheckoutApplicationName', 'a word, not a key'],
    ];
    for (const [name, value, reason] of config)
      assert.strictEqual(notASecretReason(name, value), reason, `${name}=${value}`);
    const secrets: [string, string][] = [
      ['STRIPE_SECRET_KEY', 'sk_test_' + '51Hx9QvLkZpTtWc3RmYbNd7Ae2'],
      ['DATABASE_URL', 'postgres://app:' + 'S3cretPassw0rd' + '@db.example.com:5432/app'],
      ['SLACK_WEBHOOK', 'https://hooks.slack.com/services/T000/B000/' + 'XXXXXXXXXXXXXXXXXXXXXXXX'],
      ['ADMIN_PASSWORD', 'hunter2!x'],
      ['SESSION_SIGNING', 'Zq4vL9mT2xW7pK5nR8bY3'],
      ['SOME_ID_HASH', 'a8f5f167f44f4964e6c998dee827110c'],
    ];
    for (const [name, value] of secrets)
      assert.strictEqual(notASecretReason(name, value), undefined, `${name} is not taken for a secret`);
  });
});
