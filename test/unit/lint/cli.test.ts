// Runs the bundled command line (`node esbuild.js` builds dist/cli.js first).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ALL_RULES, ruleDocUrl } from '../../../src/lint/engine';
import { rulesMarkdown } from '../../../src/lint/ruleDocs';
import { REPO_ROOT, prng, randomString } from './corpus';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function scan(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'scan', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cloudxlr scan (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  const secret = 'sk_live_' + randomString(prng(3), ALNUM, 24);

  before(function () {
    {
      // Always rebuild: a stale dist/cli.js would test old code.
      const built = spawnSync(process.execPath, ['esbuild.js'], { cwd: REPO_ROOT, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`node esbuild.js failed: ${built.stderr}`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-scan-'));
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    write(
      'cloudxlr.json',
      JSON.stringify({ project: 'demo', functionsDir: 'api', frontend: ['web/**/*.{ts,html}', '.env*'] }),
    );
    write('web/pay.ts', `import x from "y";\n\nconst stripe = new Stripe("${secret}");\n`);
    write('web/clean.ts', 'export const a = process.env.KEY;\n');
    write('web/node_modules/lib/index.ts', `const k = "${secret}";\n`);
    write('web/dist/bundle.ts', `const k = "${secret}";\n`);
    write('api/charge.ts', `const k = "${secret}";\n`);
    write('notes/secret.txt', `${secret}\n`);
    write('web/logo.ts', `\u0000\u0001binary ${secret}`);
    write(
      'packages/app/cloudxlr.json',
      JSON.stringify({ project: 'app', functionsDir: 'fn', frontend: ['ui/**/*.js'] }),
    );
    write('packages/app/fn/pay.js', `const k = "${secret}";\n`);
    write('packages/app/ui/pay.js', `const k = "${secret}";\n`);
    write('packages/app/other/pay.js', `const k = "${secret}";\n`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 1 with findings and prints the JSON shape with 1-based positions and no value', () => {
    const r = scan(dir, '--format', 'json', 'web', 'api', 'notes');
    assert.strictEqual(r.code, 1, r.stderr);
    assert.ok(!r.stdout.includes(secret.slice(8, 28)), 'the value leaked into the output');
    const out = JSON.parse(r.stdout) as { findings: Array<Record<string, unknown>>; stats: Record<string, number> };
    assert.deepStrictEqual(Object.keys(out), ['findings', 'stats']);
    assert.deepStrictEqual(Object.keys(out.stats), ['files', 'bytes', 'ms']);
    assert.deepStrictEqual(
      out.findings.map((f) => Object.keys(f)),
      [
        ['path', 'line', 'column', 'endLine', 'endColumn', 'ruleId', 'severity', 'message'],
        ['path', 'line', 'column', 'endLine', 'endColumn', 'ruleId', 'severity', 'message'],
      ],
    );
    const [server, web] = out.findings;
    assert.deepStrictEqual(
      { ...web, message: undefined },
      {
        path: 'web/pay.ts',
        line: 3,
        column: 28,
        endLine: 3,
        endColumn: 28 + secret.length,
        ruleId: 'stripe-secret-key',
        severity: 'error',
        message: undefined,
      },
    );
    assert.strictEqual(server?.path, 'api/charge.ts');
    assert.strictEqual(server?.severity, 'warning');
    assert.strictEqual(out.stats.files, 4); // pay, clean, charge, logo (binary: read, skipped)
  });

  it('walks a nested project (its own cloudxlr.json) by its own rules', () => {
    const out = JSON.parse(scan(dir, '--format', 'json', 'packages').stdout) as {
      findings: Array<{ path: string; severity: string }>;
    };
    assert.deepStrictEqual(
      out.findings.map((f) => [f.path, f.severity]),
      [
        ['packages/app/fn/pay.js', 'warning'],
        ['packages/app/ui/pay.js', 'error'],
      ],
    );
  });

  it('always scans files named, and exits 0 on a clean file', () => {
    assert.strictEqual(scan(dir, 'notes/secret.txt').code, 1);
    const clean = scan(dir, '--format=json', 'web/clean.ts');
    assert.strictEqual(clean.code, 0);
    assert.deepStrictEqual(JSON.parse(clean.stdout).findings, []);
  });

  it('exits 2 on a missing path or an unknown option', () => {
    const missing = scan(dir, 'does-not-exist');
    assert.strictEqual(missing.code, 2);
    assert.match(missing.stderr, /no such file or folder/);
    assert.strictEqual(scan(dir, '--frobnicate').code, 2);
    assert.strictEqual(scan(dir, '--format', 'xml').code, 2);
  });

  it('prints text with the rule id and masked excerpt', () => {
    const r = scan(dir, 'web');
    assert.strictEqual(r.code, 1);
    assert.match(
      r.stdout,
      /^web\/pay\.ts:3:28: error Stripe secret key \(sk_live_••••….{4}\) .* \[stripe-secret-key\]$/m,
    );
  });

  it('writes SARIF 2.1.0 with rule metadata and help links', () => {
    const r = scan(dir, '--format', 'sarif', 'web');
    assert.strictEqual(r.code, 1);
    const sarif = JSON.parse(r.stdout);
    assert.strictEqual(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.strictEqual(run.tool.driver.rules.length, ALL_RULES.length);
    for (const rule of run.tool.driver.rules) assert.strictEqual(rule.helpUri, ruleDocUrl(rule.id));
    const result = run.results.find(
      (x: { ruleId: string; level: string }) => x.ruleId === 'stripe-secret-key' && x.level === 'error',
    );
    assert.strictEqual(run.tool.driver.rules[result.ruleIndex].id, 'stripe-secret-key');
    assert.deepStrictEqual(result.locations[0].physicalLocation.region, {
      startLine: 3,
      startColumn: 28,
      endLine: 3,
      endColumn: 28 + secret.length,
    });
    assert.strictEqual(result.locations[0].physicalLocation.artifactLocation.uri, 'web/pay.ts');
  });
});

describe('docs/rules.md', () => {
  it('is generated from the rules and up to date (regenerate: npm run docs:rules)', () => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'docs/rules.md'), 'utf8');
    assert.ok(
      committed === rulesMarkdown(),
      'docs/rules.md is out of date: run npm run docs:rules and commit the result',
    );
  });

  it('has a section for every rule id', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/rules.md'), 'utf8');
    for (const r of ALL_RULES) assert.ok(doc.includes(`<a id="${r.id}"></a>\n## ${r.id}\n`), r.id);
  });

  it('lists every rule with its provider, severity and a masked example shape', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/rules.md'), 'utf8');
    for (const r of ALL_RULES) {
      const row = doc.split('\n').find((l) => l.startsWith(`| [\`${r.id}\`]`));
      assert.ok(row, r.id);
      assert.ok(row.includes(r.provider.replace(/\|/g, '\\|')) && /\| (?:error|warning)/.test(row), row);
      if (r.id !== 'known-value')
        assert.match(row, /‹[^›]+›/, `${r.id}: an example shape with its random parts described`);
    }
  });
});
