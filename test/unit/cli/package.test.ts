// The command line on its own, as a CI job gets it: `npm pack`, installed into an empty
// folder (nothing compiled at install time), then `cloudxlr scan`, `cloudxlr deploy` and
// `cloudxlr cloud start` run under this Node without a single warning. Under a Node that is
// too old for the local cloud (the registry's Node 20), scan still works and `cloud start`
// names the version it found and what to install.
import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanNpmEnv, ensureNode } from '../../host/nodeRuntime';
import { nodeSupportsCloud } from '../../../src/shared/nodeVersion';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const TOKEN = 'packaged-cli-token-0123456789';
const SECRET = 'sk_live_' + 'Zq7Rk2Vw9Xp4Lm8Tn3Bc6Hd1'; // a made-up key with a real key's shape
const WARNING = /Warning|DEP0\d+|--trace-warnings/;

function npm(args: string[], cwd: string): string {
  // The machine's npm, as a CI step calls it, without the variables of the `npm run` around us.
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env: cleanNpmEnv(process.env),
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0)
    throw new Error(`npm ${args.join(' ')} failed (${r.status ?? r.error?.message}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

function runCli(node: string, bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(node, [bin, ...args], {
    cwd,
    env: { ...process.env, CLOUDXLR_TOKEN: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cloudxlr from npm pack, installed on its own', function () {
  this.timeout(240_000);
  let root: string;
  let bin: string;
  let app: string;

  before(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-pack-'));
    const tarball = npm(['pack', '--pack-destination', root], REPO_ROOT).trim().split('\n').pop()!;
    const install = path.join(root, 'ci');
    fs.mkdirSync(install);
    fs.writeFileSync(path.join(install, 'package.json'), '{ "private": true }\n');
    npm(['install', '--foreground-scripts', path.join(root, tarball)], install);
    bin = path.join(install, 'node_modules', 'cloudxlr-keys', 'bin', 'cloudxlr.js');
    app = path.join(root, 'app');
    fs.mkdirSync(path.join(app, 'functions'), { recursive: true });
    fs.mkdirSync(path.join(app, 'web'));
    fs.writeFileSync(
      path.join(app, 'cloudxlr.json'),
      JSON.stringify({ project: 'demo', functionsDir: 'functions', frontend: ['web/**/*.ts'] }),
    );
    fs.writeFileSync(
      path.join(app, 'functions', 'hello.ts'),
      'export default async (req: unknown, ctx: any) => `hello ${(await ctx.secrets.get("GREETING_KEY")).length}`;\n',
    );
    fs.writeFileSync(path.join(app, 'web', 'clean.ts'), 'export const a = 1;\n');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('installs without compiling anything: no native module, no build files', () => {
    const found = (fs.readdirSync(path.join(root, 'ci', 'node_modules'), { recursive: true }) as string[]).filter((f) =>
      /\.node$|binding\.gyp$|(^|\/)build\/Release\//.test(f),
    );
    assert.deepStrictEqual(found, []);
    assert.ok(fs.existsSync(bin), 'the cloudxlr command is installed');
  });

  it('scans, starts the cloud and deploys under this Node, printing no warning', async () => {
    assert.ok(
      nodeSupportsCloud(),
      `run the unit tests with npm run test:unit, which picks a Node with node:sqlite (this is ${process.version})`,
    );
    const clean = runCli(process.execPath, bin, ['scan', '.'], app);
    assert.strictEqual(clean.code, 0, clean.stdout + clean.stderr);
    assert.doesNotMatch(clean.stderr, WARNING);

    const leaky = path.join(app, 'web', 'pay.ts');
    fs.writeFileSync(leaky, `const stripe = new Stripe("${SECRET}");\n`);
    const found = runCli(process.execPath, bin, ['scan', '.'], app);
    fs.rmSync(leaky);
    assert.strictEqual(found.code, 1, found.stdout + found.stderr);
    assert.match(found.stdout, /web\/pay\.ts:1/);
    assert.doesNotMatch(found.stderr, WARNING);

    const cloud = await startCloud(process.execPath, bin, path.join(root, 'data'));
    try {
      const put = await fetch(`${cloud.url}/v1/projects/demo/keys/GREETING_KEY`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ value: 'sk_test_value_0123456789' }),
      });
      assert.strictEqual(put.status, 201);
      const deploy = runCli(process.execPath, bin, ['deploy', '--dir', app, '--endpoint', cloud.url], app, {
        CLOUDXLR_TOKEN: TOKEN,
      });
      assert.strictEqual(deploy.code, 0, deploy.stdout + deploy.stderr);
      assert.match(deploy.stdout, /hello: deployed release 1/);
      assert.doesNotMatch(deploy.stderr, WARNING);
      const res = await fetch(`${cloud.url}/fn/demo/hello`);
      assert.strictEqual(await res.json(), 'hello 24');
      // The copy the editor runs (the .vsix's, outside any node_modules, where Node 22+ warns
      // about deprecated built-ins such as punycode): the same bundle, built by npm pack above.
      const fromExtension = runCli(
        process.execPath,
        path.join(REPO_ROOT, 'bin', 'cloudxlr.js'),
        ['deploy', '--dir', app, '--endpoint', cloud.url],
        app,
        { CLOUDXLR_TOKEN: TOKEN },
      );
      assert.strictEqual(fromExtension.code, 0, fromExtension.stdout + fromExtension.stderr);
      assert.match(fromExtension.stdout, /hello: no changes, release 1 already runs this code/);
      assert.doesNotMatch(fromExtension.stderr, WARNING);
    } finally {
      await cloud.stop();
    }
    assert.doesNotMatch(cloud.output(), WARNING);
  });

  it('under Node 20: scan works, cloud start says which Node it found and what to install', () => {
    const node20 = ensureNode(20).node;
    const scan = runCli(node20, bin, ['scan', '.'], app);
    assert.strictEqual(scan.code, 0, scan.stdout + scan.stderr);
    const start = runCli(node20, bin, ['cloud', 'start', '--port', '0', '--data', path.join(root, 'data20')], app);
    assert.strictEqual(start.code, 1);
    assert.match(start.stderr, /needs Node\.js 22\.13 or newer; found Node\.js 20\.\d+\.\d+/);
    assert.match(start.stderr, /Install Node\.js 24 LTS/);
    assert.doesNotMatch(start.stderr, /data directory/i);
    assert.ok(!fs.existsSync(path.join(root, 'data20')), 'nothing was created');
  });
});

function startCloud(
  node: string,
  bin: string,
  dataDir: string,
): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
  const proc: ChildProcess = spawn(node, [bin, 'cloud', 'start', '--port', '0', '--data', dataDir, '--quiet'], {
    env: { ...process.env, CLOUDXLR_TOKEN: TOKEN, CLOUDXLR_MASTER_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    proc.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, output: () => out, stop });
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`cloudxlr cloud start exited before listening:\n${out}`)));
  });
}
