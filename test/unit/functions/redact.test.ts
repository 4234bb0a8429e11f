// Redaction of key values, data-driven: every form a value takes on its way into a log line.
import * as assert from 'assert';
import { Redactor } from '../../../src/localCloud/functions/runtime';

const KEY = 'sk_live_51Habc"def\\ghi/jkl+mno=';
const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----';
const r = new Redactor([
  { name: 'STRIPE_SECRET_KEY', value: KEY },
  { name: 'PEM_KEY', value: PEM },
]);

const cases: Array<[string, string, string]> = [
  ['raw', `key=${KEY}!`, 'key=[REDACTED:STRIPE_SECRET_KEY]!'],
  ['JSON-escaped', JSON.stringify({ k: KEY }), '{"k":"[REDACTED:STRIPE_SECRET_KEY]"}'],
  [
    'JSON-escaped twice',
    JSON.stringify(JSON.stringify({ k: KEY })),
    JSON.stringify('{"k":"').slice(0, -1) + '[REDACTED:STRIPE_SECRET_KEY]' + JSON.stringify('"}').slice(1),
  ],
  ['URL-encoded', `https://x.test/?k=${encodeURIComponent(KEY)}`, 'https://x.test/?k=[REDACTED:STRIPE_SECRET_KEY]'],
  ['base64', `Basic ${Buffer.from(KEY).toString('base64')}`, 'Basic [REDACTED:STRIPE_SECRET_KEY]'],
  ['base64url', Buffer.from(KEY).toString('base64url'), '[REDACTED:STRIPE_SECRET_KEY]'],
  ['twice in one line', `${KEY} and ${KEY}`, '[REDACTED:STRIPE_SECRET_KEY] and [REDACTED:STRIPE_SECRET_KEY]'],
  ['a whole multi-line value', `pem: ${PEM}`, 'pem: [REDACTED:PEM_KEY]'],
  ['one line of a multi-line value', 'line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'line [REDACTED:PEM_KEY]'],
  ['nothing to redact', 'hello world', 'hello world'],
];

describe('functions: redaction', () => {
  for (const [title, input, expected] of cases) {
    it(title, () => assert.strictEqual(r.redact(input), expected));
  }

  it('redacts the start of a value cut off at the end of a truncated text', () => {
    assert.strictEqual(r.redact(`prefix ${KEY.slice(0, 12)}`, true), 'prefix [REDACTED:STRIPE_SECRET_KEY]');
    assert.strictEqual(r.redact('prefix sk_', true), 'prefix sk_', 'three characters are not a value');
  });

  it('redacts strings and keys inside a result', () => {
    assert.deepStrictEqual(r.redactDeep({ a: [KEY, 1, null], [KEY]: { b: `x${KEY}` } }), {
      a: ['[REDACTED:STRIPE_SECRET_KEY]', 1, null],
      '[REDACTED:STRIPE_SECRET_KEY]': { b: 'x[REDACTED:STRIPE_SECRET_KEY]' },
    });
  });
});
