// `cloudxlr deploy` against a real local cloud: printed steps and exit codes 0/1/2.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../../src/cli/deployCommand';
import { PROJECT, startTestCloud, TOKEN, type TestCloud } from '../functions/helpers';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  console.error = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    const code = await fn();
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('deploy: cloudxlr deploy (CLI)', function () {
  this.timeout(60_000);
  let t: TestCloud;
  let root: string;
  const VALUE = 'sk_test_cli_value_0123456789abcdef';

  before(async () => {
    t = await startTestCloud();
    await t.putKey('STRIPE_SECRET_KEY', VALUE);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-cli-'));
    fs.mkdirSync(path.join(root, 'functions'));
    fs.writeFileSync(
      path.join(root, 'cloudxlr.json'),
      JSON.stringify({
        project: PROJECT,
        functionsDir: 'functions',
        functions: { hello: { env: { GREETING: 'hi' } } },
      }),
    );
    fs.writeFileSync(
      path.join(root, 'functions', 'hello.ts'),
      'export default async (req: unknown, ctx: any) => `${ctx.env.GREETING} ${(await ctx.secrets.get("STRIPE_SECRET_KEY")).length}`;\n',
    );
  });
  after(async () => {
    await t.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('deploys every function, printing each step, exit 0', async () => {
    const { code, out } = await capture(() => run(['--dir', root, '--endpoint', t.url], { CLOUDXLR_TOKEN: TOKEN }));
    assert.strictEqual(code, 0, out);
    for (const step of ['bundle:', 'references: References: STRIPE_SECRET_KEY', 'vault:', 'leak-guard:', 'upload:'])
      assert.ok(out.includes(step), `${step} in\n${out}`);
    assert.match(out, /hello: deployed release 1 → http:\/\/127\.0\.0\.1:\d+\/fn\/demo\/hello/);
    const res = await fetch(`${t.url}/fn/${PROJECT}/hello`);
    assert.strictEqual(await res.json(), `hi ${VALUE.length}`);
  });

  it('exits 1 when a function is refused, naming the missing key', async () => {
    fs.writeFileSync(
      path.join(root, 'functions', 'needs.ts'),
      'export default async (r: unknown, ctx: any) => ctx.secrets.get("NOT_IN_CLOUD");\n',
    );
    const { code, out } = await capture(() =>
      run(['needs', '--dir', root, '--endpoint', t.url], { CLOUDXLR_TOKEN: TOKEN }),
    );
    assert.strictEqual(code, 1, out);
    assert.match(out, /needs: not deployed: NOT_IN_CLOUD does not exist in the cloud/);
    fs.rmSync(path.join(root, 'functions', 'needs.ts'));
  });

  it('exits 2 without a token, without cloudxlr.json, or with an unknown option', async () => {
    assert.strictEqual((await capture(() => run(['--dir', root, '--endpoint', t.url], {}))).code, 2);
    assert.strictEqual((await capture(() => run(['--dir', os.tmpdir()], { CLOUDXLR_TOKEN: TOKEN }))).code, 2);
    assert.strictEqual((await capture(() => run(['--bogus'], { CLOUDXLR_TOKEN: TOKEN }))).code, 2);
    const wrong = await capture(() =>
      run(['--dir', root, '--endpoint', t.url], { CLOUDXLR_TOKEN: 'wrong-token-123456' }),
    );
    assert.strictEqual(wrong.code, 2, wrong.out);
  });
});
