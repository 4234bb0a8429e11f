// End to end, against a real local cloud: a deployed function that reads a key and hands it
// out encoded (returned, logged with ctx.log and console.log, thrown) gets every encoding
// redacted in the invoke answer, in the public trigger's answer and in the stored logs.
import * as assert from 'assert';
import { PROJECT, startTestCloud, type TestCloud } from './helpers';

/** Its base64 holds `+` or `/` at every alignment, so base64url is an encoding of its own. */
const KEY = 'sk_live_51H?q>LyjW~DarjtT1z>?';
const NAME = 'PAYMENT_KEY';
const LABEL = `[REDACTED:${NAME}]`;

const FUNCTION = `
module.exports = async (req, ctx) => {
  const k = await ctx.secrets.get(${JSON.stringify(NAME)});
  const b = (s, e) => Buffer.from(s).toString(e || 'base64');
  const forms = {
    raw: k,
    hex: b(k, 'hex'),
    hexUpper: b(k, 'hex').toUpperCase(),
    bytes: JSON.stringify(Buffer.from(k)),
    basic: 'Basic ' + b('api:' + k),
    jsonBase64: b(JSON.stringify({ k })),
    url: 'https://x.test/?k=' + encodeURIComponent(k),
    base64url0: b(k, 'base64url'),
    base64url1: b('a' + k, 'base64url'),
    base64url2: b('ab' + k, 'base64url'),
  };
  console.log('buffer', Buffer.from(k));
  for (const [name, text] of Object.entries(forms)) ctx.log.info(name, text);
  if (req.body && req.body.fail) throw new Error('refused ' + forms[req.body.fail]);
  return forms;
};
`;
const FORM_NAMES = [
  'raw',
  'hex',
  'hexUpper',
  'bytes',
  'basic',
  'jsonBase64',
  'url',
  'base64url0',
  'base64url1',
  'base64url2',
];

/** Every 8-character run from inside each encoding of the key (edge characters aside). */
function fragments(): string[] {
  const b = (s: string, e: BufferEncoding = 'base64'): string => Buffer.from(s).toString(e);
  const encodings = [
    KEY,
    b(KEY, 'hex'),
    b(KEY, 'hex').toUpperCase(),
    [...Buffer.from(KEY)].join(','),
    encodeURIComponent(KEY),
  ];
  for (const p of ['', 'a', 'ab', 'api:']) encodings.push(b(p + KEY), b(p + KEY, 'base64url'));
  encodings.push(b(JSON.stringify({ k: KEY })), (b(KEY, 'hex').match(/../g) as string[]).join(' '));
  const out: string[] = [];
  for (const e of encodings) for (let i = 8; i + 8 <= e.length - 4; i++) out.push(e.slice(i, i + 8));
  return out;
}
const FRAGMENTS = fragments();

function assertNoKey(text: string, where: string): void {
  const left = FRAGMENTS.find((f) => text.includes(f));
  assert.strictEqual(left, undefined, `${where} still holds part of the key: ${text}`);
}

describe('functions: every encoding of a key is redacted end to end', function () {
  this.timeout(30_000);
  let t: TestCloud;
  const fnPath = `/v1/projects/${PROJECT}/functions/encoder`;

  before(async () => {
    t = await startTestCloud();
    assert.strictEqual(await t.putKey(NAME, KEY), 201);
    const d = await t.deploy('encoder', FUNCTION, { secrets: [{ name: NAME, version: 'latest' }] });
    assert.strictEqual(d.status, 201, JSON.stringify(d.body));
  });
  after(async () => {
    await t.close();
  });

  it('in the result and the logs of an invoke', async () => {
    const r = await t.api('POST', `${fnPath}/invoke`, { payload: {} });
    assert.strictEqual(r.body.status, 'ok', JSON.stringify(r.body));
    assert.deepStrictEqual(Object.keys(r.body.result), FORM_NAMES);
    for (const name of FORM_NAMES)
      assert.ok(String(r.body.result[name]).includes(LABEL), `${name}: ${r.body.result[name]}`);
    const messages: string[] = r.body.logs.map((l: { message: string }) => l.message);
    assert.ok(messages.includes(`buffer <Buffer ${LABEL}>`), messages.join('\n'));
    for (const name of FORM_NAMES)
      assert.ok(
        messages.some((m) => m.startsWith(`${name} `) && m.includes(LABEL)),
        `${name} log line: ${messages.join('\n')}`,
      );
    assertNoKey(JSON.stringify(r.body), 'the invoke answer');
  });

  it("in the public trigger's answer", async () => {
    const res = await fetch(`${t.url}/fn/${PROJECT}/encoder`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.strictEqual(res.status, 200);
    const text = await res.text();
    assert.ok(text.includes(LABEL), text);
    assertNoKey(text, 'the public answer');
  });

  it('in a thrown error, for each encoding', async () => {
    for (const name of FORM_NAMES) {
      const r = await t.api('POST', `${fnPath}/invoke`, { payload: { fail: name } });
      assert.strictEqual(r.body.status, 'error');
      assert.ok(r.body.error.message.includes(LABEL), `${name}: ${r.body.error.message}`);
      assertNoKey(JSON.stringify(r.body), `the error of ${name}`);
    }
  });

  it('in the stored function logs', async () => {
    const logs = await t.api('GET', `${fnPath}/logs?limit=500`);
    assert.strictEqual(logs.status, 200);
    const messages: string[] = logs.body.logs.map((l: { message: string }) => l.message);
    assert.ok(messages.filter((m) => m.includes(LABEL)).length >= FORM_NAMES.length * 2, messages.join('\n'));
    assertNoKey(JSON.stringify(logs.body), 'the stored logs');
  });
});
