// The one value matcher and redactor (src/shared/valueMatch), form by form: each form a value
// takes on its way into code, a log line or an answer is found by the matcher and hidden by
// the redactor, and the attacks of a function handing out an encoded key are caught.
import * as assert from 'assert';
import { inspect } from 'util';
import { MIN_VALUE_LENGTH, Redactor, ValueMatcher, type FormKind } from '../../../src/shared/valueMatch';

/**
 * A value with every character that makes its encoded forms differ from it; its base64 holds
 * `+` or `/` at every alignment, so base64url is a form of its own (the base64url cases check it).
 */
const KEY = 'sk_live_51H"q\\L?y>jW~D arjtT1z>?';
const NAME = 'STRIPE_SECRET_KEY';
const LABEL = `[REDACTED:${NAME}]`;
const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----';
/** Over 50 bytes: Node prints only the first 50 of a Buffer. */
const LONG = 'xoxb-' + 'A1b2C3d4E5f6G7h8'.repeat(4);

const values = [
  { name: NAME, value: KEY },
  { name: 'PEM_KEY', value: PEM },
  { name: 'SLACK_TOKEN', value: LONG },
];
const matcher = new ValueMatcher(values);
const redactor = new Redactor(values);

const hex = (s: string): string => Buffer.from(s).toString('hex');
const json = (s: string): string => JSON.stringify(s).slice(1, -1);

interface Case {
  kind: FormKind;
  title: string;
  text: string;
  redacted: string;
}

const cases: Case[] = [
  { kind: 'raw', title: 'as it is', text: `key=${KEY}!`, redacted: `key=${LABEL}!` },
  { kind: 'json', title: 'JSON-escaped', text: JSON.stringify({ k: KEY }), redacted: `{"k":"${LABEL}"}` },
  {
    kind: 'json-twice',
    title: 'JSON-escaped twice',
    text: JSON.stringify(JSON.stringify({ k: KEY })),
    redacted: `"{\\"k\\":\\"${LABEL}\\"}"`,
  },
  {
    kind: 'url',
    title: 'URL-encoded (encodeURIComponent)',
    text: `https://x.test/?k=${encodeURIComponent(KEY)}&a=1`,
    redacted: `https://x.test/?k=${LABEL}&a=1`,
  },
  {
    kind: 'form-url',
    title: 'form-encoded (URLSearchParams)',
    text: new URLSearchParams({ k: KEY, a: '1' }).toString(),
    redacted: `k=${LABEL}&a=1`,
  },
  { kind: 'hex', title: 'hex', text: `hex: ${hex(KEY)}.`, redacted: `hex: ${LABEL}.` },
  { kind: 'hex-upper', title: 'hex in capitals', text: `HEX: ${hex(KEY).toUpperCase()}.`, redacted: `HEX: ${LABEL}.` },
  {
    kind: 'buffer',
    title: 'a Buffer as console.log prints it',
    text: inspect(Buffer.from(KEY)),
    redacted: `<Buffer ${LABEL}>`,
  },
  {
    kind: 'buffer',
    title: 'a Buffer of a long value, of which Node prints 50 bytes',
    text: inspect(Buffer.from(LONG)),
    redacted: `<Buffer [REDACTED:SLACK_TOKEN] ... ${Buffer.byteLength(LONG) - 50} more bytes>`,
  },
  {
    kind: 'bytes',
    title: 'the byte list of JSON.stringify(Buffer)',
    text: JSON.stringify({ b: Buffer.from(KEY) }),
    redacted: `{"b":{"type":"Buffer","data":[${LABEL}]}}`,
  },
  {
    kind: 'line',
    title: 'one line of a multi-line value (PEM)',
    text: 'line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC end',
    redacted: 'line [REDACTED:PEM_KEY] end',
  },
];

/**
 * A value base64-encoded after `prefix` and before `suffix`: the redacted text keeps exactly the
 * characters that hold no bit of the value, and the padding goes when the value ends the text.
 */
function base64Case(kind: 'base64' | 'base64url', prefix: string, suffix: string): Case {
  const encoding = kind === 'base64' ? 'base64' : 'base64url';
  const text = Buffer.from(prefix + KEY + suffix).toString(encoding);
  const before = Buffer.byteLength(prefix);
  const first = Math.floor((8 * before) / 6);
  const after = Math.ceil((8 * (before + Buffer.byteLength(KEY))) / 6);
  const rest = suffix ? text.slice(after) : '';
  return {
    kind,
    title: `${kind} after ${before} byte(s)${suffix ? ', inside a longer text' : ''}`,
    text: `auth ${text};`,
    redacted: `auth ${text.slice(0, first)}${LABEL}${rest};`,
  };
}
for (const kind of ['base64', 'base64url'] as const) {
  for (const prefix of ['', 'a', 'ab', 'api:', '{"k":"'])
    cases.push(base64Case(kind, prefix, ''), base64Case(kind, prefix, '"}'));
}

describe('value matcher: every form of a stored value', () => {
  it(`matches values from ${MIN_VALUE_LENGTH} characters, one limit for every caller`, () => {
    assert.strictEqual(MIN_VALUE_LENGTH, 8);
  });

  for (const c of cases) {
    it(`finds a value ${c.title}`, () => {
      const found = matcher.matches(c.text);
      assert.ok(
        found.some((m) => m.kind === c.kind),
        `${c.kind} not found in ${c.text}: ${JSON.stringify(found)}`,
      );
      assert.strictEqual(matcher.names(c.text).length, 1);
    });
    it(`redacts a value ${c.title}`, () => {
      assert.strictEqual(redactor.redact(c.text), c.redacted);
    });
  }

  it('finds nothing in text without a value, and never carries a value in a match', () => {
    assert.deepStrictEqual(matcher.matches('hello world, sk_live_ and 736b5f6c69 are not keys'), []);
    const found = matcher.matches(`a ${KEY} b ${hex(KEY)}`);
    assert.strictEqual(found.length, 2);
    for (const v of [KEY, hex(KEY), json(KEY)]) assert.ok(!JSON.stringify(found).includes(v));
  });

  it('reports every occurrence and the longest of overlapping values', () => {
    const m = new ValueMatcher([
      { name: 'A', value: 'q8Zr2LmX9vB4' },
      { name: 'B', value: 'q8Zr2LmX9vB4nK7tW1yP' },
    ]);
    const text = 'x q8Zr2LmX9vB4nK7tW1yP y q8Zr2LmX9vB4 z';
    assert.deepStrictEqual(
      m.matches(text).map((f) => [f.name, f.start, f.end]),
      [
        ['B', 2, 22],
        ['A', 2, 14],
        ['A', 25, 37],
      ],
    );
    assert.strictEqual(
      new Redactor([
        { name: 'A', value: 'q8Zr2LmX9vB4' },
        { name: 'B', value: 'q8Zr2LmX9vB4nK7tW1yP' },
      ]).redact(text),
      'x [REDACTED:B] y [REDACTED:A] z',
    );
  });

  it("finds occurrences starting in the range asked for, for the linter's incremental scan", () => {
    const text = `${'.'.repeat(100)}${Buffer.from('ab' + KEY).toString('base64')}${'.'.repeat(100)}`;
    const all = matcher.matches(text);
    assert.strictEqual(all.length, 1);
    const start = all[0]!.start;
    const within = (from: number, to: number): number => {
      let n = 0;
      matcher.search(text, from, to, () => n++);
      return n;
    };
    assert.deepStrictEqual([within(0, start), within(start, start + 1), within(start + 1, text.length)], [0, 1, 0]);
  });
});

describe('value matcher: the minimum length', () => {
  it('leaves a 7-character value alone and finds an 8- and a 10-character one in every form', () => {
    const m = new ValueMatcher([
      { name: 'SEVEN', value: 'Zq9Rt7Y' },
      { name: 'EIGHT', value: 'Zq9Rt7Yu' },
      { name: 'TEN', value: 'Xw3Pk8Lm2N' },
    ]);
    assert.deepStrictEqual(m.names('v = "Zq9Rt7Y!"'), []);
    assert.deepStrictEqual(m.names('v = "Zq9Rt7Yu"'), ['EIGHT']);
    for (const text of [
      'Xw3Pk8Lm2N',
      hex('Xw3Pk8Lm2N'),
      Buffer.from('Xw3Pk8Lm2N').toString('base64'),
      Buffer.from('api:Xw3Pk8Lm2N').toString('base64'),
      inspect(Buffer.from('Xw3Pk8Lm2N')),
    ]) {
      assert.deepStrictEqual(m.names(`x ${text} y`), ['TEN'], text);
    }
  });

  it('redacts a value shorter than that as it is, not its encodings', () => {
    const r = new Redactor([{ name: 'PIN', value: '4711' }]);
    assert.strictEqual(r.redact('pin 4711 hex 34373131'), 'pin [REDACTED:PIN] hex 34373131');
  });
});

describe('redactor', () => {
  it('redacts the start of a value cut off at the end of a truncated text', () => {
    assert.strictEqual(redactor.redact(`prefix ${KEY.slice(0, 12)}`, true), `prefix ${LABEL}`);
    assert.strictEqual(redactor.redact(`prefix ${hex(KEY).slice(0, 30)}`, true), `prefix ${LABEL}`);
    assert.strictEqual(redactor.redact('prefix sk_', true), 'prefix sk_', 'three characters are not a value');
    assert.strictEqual(
      redactor.redact(`prefix ${KEY.slice(0, 12)}`),
      `prefix ${KEY.slice(0, 12)}`,
      'only a truncated text',
    );
  });

  it('redacts strings and keys inside a result', () => {
    assert.deepStrictEqual(
      redactor.redactDeep({ a: [KEY, 1, null], [hex(KEY)]: { b: `x${encodeURIComponent(KEY)}` } }),
      {
        a: [LABEL, 1, null],
        [LABEL]: { b: `x${LABEL}` },
      },
    );
  });

  it('labels a value without a name [REDACTED]', () => {
    assert.strictEqual(new Redactor([{ name: '', value: KEY }]).redact(`t ${KEY}`), 't [REDACTED]');
  });
});

describe('redactor: a function handing out an encoded key', () => {
  const key = 'sk_live_51HabcdefGHIJ0123xyzQ';
  const r = new Redactor([{ name: 'K', value: key }]);
  const b64 = (s: string, e: BufferEncoding = 'base64'): string => Buffer.from(s).toString(e);
  const attacks: Array<[string, string]> = [
    ['hex', hex(key)],
    ['a Buffer printed by console.log', inspect(Buffer.from(key))],
    ["'Basic ' + base64('api:' + key)", 'Basic ' + b64('api:' + key)],
    ['base64(JSON.stringify({ k }))', b64(JSON.stringify({ k: key }))],
    ['URL-encoded', encodeURIComponent(`${key}/`)],
    ['base64url, aligned', b64(key, 'base64url')],
    ['base64url after one byte', b64('x' + key, 'base64url')],
    ['base64url after two bytes', b64('xy' + key, 'base64url')],
  ];
  for (const [title, text] of attacks) {
    it(`hides ${title}`, () => {
      const out = r.redact(`leak: ${text}`);
      assert.ok(out.includes('[REDACTED:K]'), out);
      // No run of 6 characters of the key or of any of its encodings is left.
      for (const form of [
        key,
        hex(key),
        b64(key),
        b64('x' + key),
        b64('xy' + key),
        b64('api:' + key),
        b64(JSON.stringify({ k: key })),
      ]) {
        for (let i = 6; i + 6 <= form.length - 3; i++)
          assert.ok(!out.includes(form.slice(i, i + 6)), `${form.slice(i, i + 6)} left in ${out}`);
      }
    });
  }
});
