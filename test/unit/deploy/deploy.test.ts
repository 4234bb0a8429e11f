// Discovery, bundling and the whole deploy against a real local cloud over HTTP, with the real
// cloud client: a TypeScript function importing a local module is bundled, its references
// found, the vault checked, the leak guard run, and the release invoked.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudClient } from '../../../src/cloud/client';
import {
  bundleFunction,
  deployFunctions,
  deployNotice,
  describeOutcome,
  discoverFunctions,
  engineLeakGuard,
  type DeployOutcome,
  type DeployProgress,
  type LocalKeySource,
} from '../../../src/deploy';
import { bundleHashesIn, mapBundlePositions } from '../../../src/deploy/stackMap';
import { FunctionRuntime } from '../../../src/localCloud/functions/runtime';
import { parseProjectFile } from '../../../src/project/projectFile';
import { PROJECT, startTestCloud, TOKEN, type TestCloud } from '../functions/helpers';

const STRIPE = 'sk_test_51Hdeploytestvalue0123456789';

function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-ws-'));
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return root;
}

const CHECKOUT_TS = [
  "import { priceLabel } from './lib/price';",
  'interface Body { amount: number }',
  'export default async function handler(req: { body: Body }, ctx: { secrets: { get(n: string): Promise<string> }; env: Record<string, string> }) {',
  '  const key = await ctx.secrets.get("STRIPE_SECRET_KEY");',
  '  return { label: priceLabel(req.body.amount), keyLength: key.length, mode: ctx.env.MODE };',
  '}',
].join('\n');
const PRICE_TS = 'export function priceLabel(cents: number): string {\n  return `$${(cents / 100).toFixed(2)}`;\n}\n';

function localKeys(values: Record<string, string>): LocalKeySource {
  return { names: async () => Object.keys(values), value: async (n) => values[n] };
}

describe('deploy: discovery, bundling and the deploy steps', function () {
  this.timeout(60_000);
  let t: TestCloud;
  let client: CloudClient;
  const roots: string[] = [];
  const ws = (files: Record<string, string>): string => {
    const r = workspace(files);
    roots.push(r);
    return r;
  };

  before(async () => {
    t = await startTestCloud();
    client = new CloudClient({ endpoint: t.url, project: PROJECT, token: TOKEN });
  });
  after(async () => {
    client.dispose();
    await t.close();
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  it('discovers <name>.ts|js and <name>/index.ts|js, and flags bad names and double entries', async () => {
    const root = ws({
      'functions/create-checkout.ts': CHECKOUT_TS,
      'functions/lib/price.ts': PRICE_TS,
      'functions/webhook/index.js': 'module.exports = async () => 1;',
      'functions/_shared.ts': 'export const x = 1;',
      'functions/types.d.ts': 'export {};',
      'functions/BadName.ts': 'export default async () => 1;',
      'functions/twice.ts': 'export default async () => 1;',
      'functions/twice/index.ts': 'export default async () => 2;',
      'functions/readme.md': '# not code',
    });
    const found = await discoverFunctions(root, 'functions');
    assert.deepStrictEqual(
      found.map((f) => [f.name, f.relativePath, !!f.problem]),
      [
        ['BadName', 'functions/BadName.ts', true],
        ['create-checkout', 'functions/create-checkout.ts', false],
        ['twice', 'functions/twice.ts', true],
        ['webhook', 'functions/webhook/index.js', false],
      ],
    );
    assert.deepStrictEqual(await discoverFunctions(root, 'nothing-here'), []);
  });

  it('bundles a TypeScript function with a local module into one CommonJS file that runs', async () => {
    const root = ws({ 'functions/create-checkout.ts': CHECKOUT_TS, 'functions/lib/price.ts': PRICE_TS });
    const b = await bundleFunction(root, 'functions/create-checkout.ts');
    assert.match(b.sha256, /^[0-9a-f]{64}$/);
    assert.ok(b.code.includes('module.exports'));
    assert.ok(!b.code.includes('import '), 'CommonJS, no import statements');
    assert.deepStrictEqual(b.sourceFiles.map((f) => path.relative(root, f).split(path.sep).join('/')).sort(), [
      'functions/create-checkout.ts',
      'functions/lib/price.ts',
    ]);
    // The same sources give the same bundle.
    assert.strictEqual((await bundleFunction(root, 'functions/create-checkout.ts')).sha256, b.sha256);
    // And the bundle runs in the function runtime.
    const rt = new FunctionRuntime({ maxWorkers: 1, prewarm: 0 });
    try {
      const r = await rt.invoke(
        {
          project: 'p',
          functionName: 'create-checkout',
          release: 1,
          sha256: b.sha256,
          loadCode: () => b.code,
          secrets: [{ name: 'STRIPE_SECRET_KEY', version: 'latest' }],
          env: { MODE: 'test' },
        },
        { method: 'POST', headers: {}, query: {}, body: { amount: 1250 } },
        () => STRIPE,
      );
      assert.deepStrictEqual(r.result, { label: '$12.50', keyLength: STRIPE.length, mode: 'test' });
    } finally {
      await rt.close();
    }
  });

  it('reports a missing import with its file and line', async () => {
    const root = ws({ 'functions/broken.ts': "import { nope } from './missing';\nexport default async () => nope;\n" });
    await assert.rejects(
      bundleFunction(root, 'functions/broken.ts'),
      (e: Error & { errors?: Array<{ location?: { line: number } }> }) => {
        assert.match(e.message, /Cannot find the file "\.\/missing"/);
        assert.strictEqual(e.errors?.[0].location?.line, 1);
        return true;
      },
    );
  });

  it('deploys: bundle, references, vault, leak guard, upload; the release answers', async () => {
    assert.strictEqual(await t.putKey('STRIPE_SECRET_KEY', STRIPE), 201);
    const root = ws({
      'functions/create-checkout.ts': CHECKOUT_TS,
      'functions/lib/price.ts': PRICE_TS,
      'cloudxlr.json': JSON.stringify({
        project: PROJECT,
        functions: { 'create-checkout': { env: { MODE: 'test' }, timeoutMs: 5000 } },
      }),
    });
    const { functions } = parseProjectFile(fs.readFileSync(path.join(root, 'cloudxlr.json'), 'utf8'));
    const steps: DeployProgress[] = [];
    const [o] = await deployFunctions({ root, functionsDir: 'functions', functions }, ['create-checkout'], {
      cloud: client,
      local: localKeys({ STRIPE_SECRET_KEY: STRIPE }),
      onProgress: (p) => steps.push(p),
    });
    assert.strictEqual(o.status, 'deployed', describeOutcome(o));
    assert.deepStrictEqual(
      [...new Set(steps.map((s) => s.step))],
      ['discover', 'bundle', 'references', 'vault', 'leak-guard', 'upload'],
    );
    assert.ok(!JSON.stringify(steps).includes(STRIPE));
    const inv = await client.invoke('create-checkout', { amount: 999 });
    assert.deepStrictEqual(inv.result, { label: '$9.99', keyLength: STRIPE.length, mode: 'test' });
    const details = await client.getFunction('create-checkout');
    assert.deepStrictEqual(details?.secrets, [{ name: 'STRIPE_SECRET_KEY', version: 'latest', resolvedVersion: 1 }]);

    // The same sources again: the cloud keeps the release, and the outcome says so.
    const [again] = await deployFunctions({ root, functionsDir: 'functions', functions }, ['create-checkout'], {
      cloud: client,
      local: localKeys({ STRIPE_SECRET_KEY: STRIPE }),
    });
    assert.ok(again.status === 'deployed' && o.status === 'deployed', describeOutcome(again));
    assert.deepStrictEqual([again.release, again.unchanged], [o.release, true]);
    assert.match(describeOutcome(again, root), /^create-checkout: no changes, release 1 already runs this code/);
    assert.match(deployNotice(again, root).message, /^No changes to deploy: create-checkout release 1 already/);
    assert.strictEqual((await client.getFunction('create-checkout'))?.releases.length, 1);
  });

  it('stops at the leak guard with the source location, and uploads nothing', async () => {
    const root = ws({
      'functions/leaky.ts': 'import { KEY } from "./config";\nexport default async () => ({ k: KEY.length });\n',
      'functions/config.ts': `// a raw key pasted in by mistake\nexport const KEY = ${JSON.stringify(STRIPE)};\n`,
    });
    const [o] = await deployFunctions({ root, functionsDir: 'functions' }, ['leaky'], {
      cloud: client,
      local: localKeys({ STRIPE_SECRET_KEY: STRIPE }),
    });
    assert.strictEqual(o.status, 'leak');
    const leak = o as Extract<DeployOutcome, { status: 'leak' }>;
    assert.strictEqual(leak.findings[0].key, 'STRIPE_SECRET_KEY');
    assert.strictEqual(path.basename(leak.findings[0].location.file), 'config.ts');
    assert.strictEqual(leak.findings[0].location.line, 2);
    assert.ok(!describeOutcome(o, root).includes(STRIPE));
    assert.strictEqual(await client.getFunction('leaky'), undefined, 'nothing was uploaded');
  });

  it("with the linter's engine, stops on a provider key in the sources (ignore comments honoured)", async () => {
    const raw = 'sk_live_51HxQz8Lk2mN4pQ7rS9tU1vW3xY5zA7bC9dE1fG3hJ5kL7mN9';
    const root = ws({
      'functions/hardcoded.ts': `export default async () => {\n  const key = "${raw}";\n  return key.length;\n};\n`,
      'functions/ignored.ts': `export default async () => "${raw.slice(0, -1)}8".length; // cloudxlr-ignore-line\n`,
    });
    const outcomes = await deployFunctions({ root, functionsDir: 'functions' }, ['hardcoded', 'ignored'], {
      cloud: client,
      ...engineLeakGuard(),
    });
    assert.deepStrictEqual(
      outcomes.map((o) => o.status),
      ['leak', 'deployed'],
    );
    const leak = outcomes[0] as Extract<DeployOutcome, { status: 'leak' }>;
    assert.strictEqual(leak.findings[0].ruleId, 'stripe-secret-key');
    assert.deepStrictEqual(
      [path.basename(leak.findings[0].location.file), leak.findings[0].location.line],
      ['hardcoded.ts', 2],
    );
    assert.ok(!describeOutcome(leak, root).includes(raw));
    assert.strictEqual(await client.getFunction('hardcoded'), undefined);
  });

  it('reports a line once when a stored value is also a provider key the rules know', async () => {
    const stored = 'sk_test_' + 'FnCheckTwo' + '9aB27KmNpqRsTuvW2x';
    const root = ws({
      'functions/twice.ts': `export const fallback = ${JSON.stringify(stored)};\nexport default async () => fallback.length;\n`,
      'functions/two-lines.ts': `export const a = ${JSON.stringify(stored)};\nexport const b = "sk_live_51HxQz8Lk2mN4pQ7rS9tU1vW3xY5zA7bC9dE1fG3hJ5kL7mN9";\nexport default async () => a + b;\n`,
    });
    const [once, two] = await deployFunctions({ root, functionsDir: 'functions' }, ['twice', 'two-lines'], {
      cloud: client,
      local: localKeys({ STRIPE_SECRET_KEY: stored }),
      ...engineLeakGuard(),
    });
    assert.ok(once.status === 'leak' && two.status === 'leak');
    assert.deepStrictEqual(
      once.findings.map((f) => [f.key, f.ruleId, f.location.line]),
      [['STRIPE_SECRET_KEY', undefined, 1]],
    );
    assert.doesNotMatch(deployNotice(once, root).message, /more in the log/);
    // Different lines stay different findings: the stored value, then the rule's.
    assert.deepStrictEqual(
      two.findings.map((f) => [f.key ?? f.ruleId, f.location.line]),
      [
        ['STRIPE_SECRET_KEY', 1],
        ['stripe-secret-key', 2],
      ],
    );
    assert.match(deployNotice(two, root).message, /\(and 1 more in the log\)/);
  });

  it("the engine's matcher finds a stored value in base64 form too", async () => {
    const root = ws({
      'functions/encoded.js': `module.exports = async () => Buffer.from("${Buffer.from(STRIPE).toString('base64')}", "base64").length;\n`,
    });
    const [o] = await deployFunctions({ root, functionsDir: 'functions' }, ['encoded'], {
      cloud: client,
      local: localKeys({ STRIPE_SECRET_KEY: STRIPE }),
      ...engineLeakGuard(),
    });
    assert.strictEqual(o.status, 'leak');
    assert.strictEqual((o as Extract<DeployOutcome, { status: 'leak' }>).findings[0].key, 'STRIPE_SECRET_KEY');
  });

  it('without local values (CI), the cloud refuses a raw value itself: secret_in_bundle', async () => {
    const root = ws({ 'functions/leaky2.js': `module.exports = async () => ${JSON.stringify(STRIPE)}.length;\n` });
    const [o] = await deployFunctions({ root, functionsDir: 'functions' }, ['leaky2'], { cloud: client });
    assert.strictEqual(o.status, 'cloud-refused');
    const refused = o as Extract<DeployOutcome, { status: 'cloud-refused' }>;
    assert.strictEqual(refused.code, 'secret_in_bundle');
    assert.deepStrictEqual(refused.details.keys, ['STRIPE_SECRET_KEY']);
    assert.ok(!refused.message.includes(STRIPE));
  });

  it('offers the upload of keys stored only locally; stops with the list of keys missing everywhere', async () => {
    const root = ws({
      'functions/needs-local.ts':
        'export default async (r: unknown, ctx: any) => (await ctx.secrets.get("LOCAL_ONLY_KEY")).length;\n',
      'functions/needs-missing.ts':
        'export default async (r: unknown, ctx: any) => [await ctx.secrets.get("NOWHERE_KEY"), await ctx.secrets.get("STRIPE_SECRET_KEY")];\n',
    });
    const local = localKeys({ STRIPE_SECRET_KEY: STRIPE, LOCAL_ONLY_KEY: 'local-only-value-1234567' });
    const outcomes = await deployFunctions(
      { root, functionsDir: 'functions' },
      ['needs-local', 'needs-missing', 'no-such-fn'],
      { cloud: client, local },
    );
    assert.deepStrictEqual(
      outcomes.map((o) => [o.name, o.status]),
      [
        ['no-such-fn', 'not-found'],
        ['needs-local', 'offer-upload'],
        ['needs-missing', 'missing-keys'],
      ],
    );
    assert.deepStrictEqual((outcomes[1] as Extract<DeployOutcome, { status: 'offer-upload' }>).keys, [
      'LOCAL_ONLY_KEY',
    ]);
    assert.deepStrictEqual((outcomes[2] as Extract<DeployOutcome, { status: 'missing-keys' }>).missing, [
      'NOWHERE_KEY',
    ]);

    // Accepting the offer: the glue uploads the value to the vault, and the deploy goes on.
    const [o] = await deployFunctions({ root, functionsDir: 'functions' }, ['needs-local'], {
      cloud: client,
      local,
      offerUpload: async (_fn, keys) => {
        for (const k of keys) await client.putKey(k, (await local.value(k)) as string, 0);
        return true;
      },
    });
    assert.strictEqual(o.status, 'deployed', describeOutcome(o));
    assert.strictEqual((await client.invoke('needs-local')).result, 'local-only-value-1234567'.length);
  });

  it("maps an invocation's stack trace from the deployed bundle back to the source lines", async () => {
    const root = ws({
      'functions/fails.ts': [
        "import { check } from './lib/check';",
        'export default async (req: { body: { amount: number } }) => {',
        '  return { ok: check(req.body.amount) };',
        '};',
      ].join('\n'),
      'functions/lib/check.ts': [
        'export function check(amount: number): boolean {',
        '  if (amount < 0) {',
        '    throw new Error(`The amount must not be negative, got ${amount}.`);',
        '  }',
        '  return true;',
        '}',
      ].join('\n'),
    });
    const [o] = await deployFunctions({ root, functionsDir: 'functions' }, ['fails'], { cloud: client });
    assert.strictEqual(o.status, 'deployed', describeOutcome(o));
    const r = await client.invoke('fails', { amount: -5 });
    assert.strictEqual(r.status, 'error');
    const stack = r.logs.map((l) => l.message).join('\n');
    // What the runtime sees: the bundle it loaded.
    assert.match(stack, /function-[0-9a-f]{16}\.js:\d+:\d+/);
    const bundle = await bundleFunction(root, 'functions/fails.ts');
    assert.deepStrictEqual(bundleHashesIn(stack), [bundle.sha256.slice(0, 16)]);
    const mapped = mapBundlePositions(stack, bundle, root);
    assert.match(mapped, /at check \(functions\/lib\/check\.ts:3:11\)/);
    assert.match(mapped, /functions\/fails\.ts:3:/);
    assert.doesNotMatch(mapped, /function-[0-9a-f]{16}\.js/);
    // Another build (the source changed since the deploy) maps nothing.
    const other = { sha256: 'f'.repeat(64), map: bundle.map };
    assert.strictEqual(mapBundlePositions(stack, other, root), stack);
  });

  it('stops on a non-literal key name with file:line:column', async () => {
    const root = ws({
      'functions/dynamic.ts':
        'export default async (req: { body: { k: string } }, ctx: any) => {\n  return ctx.secrets.get(req.body.k);\n};\n',
    });
    const [o] = await deployFunctions({ root, functionsDir: 'functions' }, [], { cloud: client });
    assert.strictEqual(o.status, 'invalid-references');
    assert.match(
      describeOutcome(o, root),
      /functions\/dynamic\.ts:2:26: ctx\.secrets\.get needs the key name as a string literal/,
    );
  });
});
