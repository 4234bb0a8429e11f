// The deploy leak guards against a real local cloud: the editor's and the CLI's guard (before
// upload) and the cloud's secret_in_bundle check (when a client skipped it) find a stored value
// in the same forms and from the same length, so a bundle one lets through the other does not
// refuse, and the other way round.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudClient } from '../../../src/cloud/client';
import { deployFunctions, engineLeakGuard, type DeployOutcome, type LocalKeySource } from '../../../src/deploy';
import { PROJECT, startTestCloud, TOKEN, type TestCloud } from '../functions/helpers';

/** Ten characters: under the 12 the editor's guard once required, over the cloud's 8. */
const TEN = 'Xw3Pk8Lm2N';
/** Seven characters: under the one minimum, looked for by neither side. */
const SEVEN = 'Qz7Rv2T';
const LONG = 'whsec_9Kd2LpQ7xVb4Nz8TmW3yHc6R';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const hex = (s: string): string => Buffer.from(s).toString('hex');

const bundles: Array<{ title: string; key: string; code: string; form?: RegExp }> = [
  {
    title: 'a 10-character value',
    key: 'SHORT_KEY',
    code: `module.exports = async () => ${JSON.stringify(TEN)}.length;`,
  },
  {
    title: 'a value in hex',
    key: 'WEBHOOK_SECRET',
    code: `module.exports = async () => Buffer.from("${hex(LONG)}", "hex").length;`,
    form: /\(hex-encoded\)/,
  },
  {
    title: 'a value in hex capitals',
    key: 'WEBHOOK_SECRET',
    code: `module.exports = async () => "${hex(LONG).toUpperCase()}".length;`,
    form: /\(hex-encoded\)/,
  },
  {
    title: "'Basic ' + base64('api:' + value)",
    key: 'WEBHOOK_SECRET',
    code: `module.exports = async () => ({ headers: { Authorization: "Basic ${b64('api:' + LONG)}" } });`,
    form: /\(base64-encoded\)/,
  },
  {
    title: 'base64(JSON.stringify({ k: value }))',
    key: 'WEBHOOK_SECRET',
    code: `module.exports = async () => "${b64(JSON.stringify({ k: LONG }))}".length;`,
    form: /\(base64-encoded\)/,
  },
  {
    title: 'a value URL-encoded in a string',
    key: 'WEBHOOK_SECRET',
    code: `module.exports = async () => "https://x.test/?k=${encodeURIComponent(LONG + '/')}".length;`,
  },
  {
    title: 'a 10-character value in base64url after one byte',
    key: 'SHORT_KEY',
    code: `module.exports = async () => "${Buffer.from('a' + TEN).toString('base64url')}".length;`,
    form: /\(base64(url)?-encoded\)/,
  },
];

describe('deploy: the editor and the cloud refuse the same encoded values', function () {
  this.timeout(60_000);
  let t: TestCloud;
  let client: CloudClient;
  const roots: string[] = [];
  const local: LocalKeySource = {
    names: async () => ['SHORT_KEY', 'WEBHOOK_SECRET', 'TINY_KEY'],
    value: async (n) => ({ SHORT_KEY: TEN, WEBHOOK_SECRET: LONG, TINY_KEY: SEVEN })[n],
  };
  const deployFile = async (name: string, code: string, withLocalValues: boolean): Promise<DeployOutcome> => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-leak-'));
    roots.push(root);
    fs.mkdirSync(path.join(root, 'functions'));
    fs.writeFileSync(path.join(root, 'functions', `${name}.js`), code);
    // Without local values (CI, or a client that skips its guard) only the cloud checks values.
    const deps = withLocalValues ? { cloud: client, local, ...engineLeakGuard() } : { cloud: client };
    const [o] = await deployFunctions({ root, functionsDir: 'functions' }, [name], deps);
    return o as DeployOutcome;
  };

  before(async () => {
    t = await startTestCloud();
    for (const [name, value] of [
      ['SHORT_KEY', TEN],
      ['WEBHOOK_SECRET', LONG],
      ['TINY_KEY', SEVEN],
    ])
      assert.strictEqual(await t.putKey(name as string, value as string), 201);
    client = new CloudClient({ endpoint: t.url, project: PROJECT, token: TOKEN });
  });
  after(async () => {
    client.dispose();
    await t.close();
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  bundles.forEach((b, i) => {
    it(`the editor's and the CLI's guard stops ${b.title} before upload`, async () => {
      const o = await deployFile(`client-${i}`, b.code, true);
      assert.strictEqual(o.status, 'leak', JSON.stringify(o));
      const { findings } = o as Extract<DeployOutcome, { status: 'leak' }>;
      assert.strictEqual(findings[0]?.key, b.key);
      if (b.form) assert.match(findings[0]?.message ?? '', b.form);
      assert.strictEqual(await client.getFunction(`client-${i}`), undefined, 'nothing was uploaded');
    });

    it(`the cloud refuses ${b.title} itself (secret_in_bundle)`, async () => {
      const o = await deployFile(`server-${i}`, b.code, false);
      assert.strictEqual(o.status, 'cloud-refused', JSON.stringify(o));
      const refused = o as Extract<DeployOutcome, { status: 'cloud-refused' }>;
      assert.strictEqual(refused.code, 'secret_in_bundle');
      assert.deepStrictEqual(refused.details.keys, [b.key]);
      for (const v of [TEN, LONG, hex(LONG)]) assert.ok(!refused.message.includes(v));
    });
  });

  it('both let a value under 8 characters through, alike', async () => {
    const code = `module.exports = async () => ${JSON.stringify(SEVEN)}.length;`;
    assert.strictEqual((await deployFile('tiny-client', code, true)).status, 'deployed');
    assert.strictEqual((await deployFile('tiny-server', code, false)).status, 'deployed');
  });
});
