// A scaffolded function type-checks against the shipped declarations, deploys, and has no references.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { analyzeFunction, discoverFunctions, newFunctionFiles } from '../../../src/deploy';

const REPO = path.resolve(__dirname, '../../../..');

/** What `tsc -p <folder>` reports for the folder's tsconfig.json, compiled in this process. */
function typeCheck(folder: string): void {
  const format = (d: ts.Diagnostic): string => ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(folder, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(format(d)),
    },
  );
  assert.ok(config, 'tsconfig.json was read');
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const problems = [...config.errors, ...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  assert.deepStrictEqual(
    problems.map((d) => `${d.file ? path.relative(folder, d.file.fileName) : ''}: ${format(d)}`),
    [],
  );
}

describe('deploy: new function scaffold', function () {
  this.timeout(60_000);
  it('writes a handler, a tsconfig and the types; tsc accepts it and the deploy finds it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-new-'));
    try {
      const types = fs.readFileSync(path.join(REPO, 'types/cloudxlr-functions.d.ts'), 'utf8');
      for (const f of newFunctionFiles('functions', 'send-email', types)) {
        fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
        fs.writeFileSync(path.join(root, f.path), f.content);
      }
      assert.throws(() => newFunctionFiles('functions', 'Bad Name', types), /lower kebab case/);
      typeCheck(path.join(root, 'functions'));
      const [fn] = await discoverFunctions(root, 'functions');
      assert.strictEqual(fn.name, 'send-email');
      const a = await analyzeFunction(root, fn);
      assert.deepStrictEqual([a.bundleErrors, a.references, a.problems], [undefined, [], []]);
      assert.strictEqual(a.handler?.line, 4, "the handler's declaration");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads the given keys as literals, reports only whether each is set, and still type-checks', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-new-'));
    try {
      const types = fs.readFileSync(path.join(REPO, 'types/cloudxlr-functions.d.ts'), 'utf8');
      const keys = ['STRIPE_SECRET_KEY', 'NEW', 'A_B', 'A__B', 'STRIPE_SECRET_KEY'];
      for (const language of ['ts', 'js'] as const) {
        for (const f of newFunctionFiles('functions', `pay-${language}`, types, language, keys)) {
          fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
          fs.writeFileSync(path.join(root, f.path), f.content);
        }
      }
      const handler = fs.readFileSync(path.join(root, 'functions/pay-ts.ts'), 'utf8');
      assert.match(handler, /const stripeSecretKey = await ctx\.secrets\.get\('STRIPE_SECRET_KEY'\);/);
      assert.match(handler, /const newKey = await ctx\.secrets\.get\('NEW'\);/);
      assert.match(handler, /const aB2 = await ctx\.secrets\.get\('A__B'\);/);
      assert.throws(() => newFunctionFiles('functions', 'ok', types, 'ts', ['lower']), /upper snake case/);
      typeCheck(path.join(root, 'functions'));
      const fns = await discoverFunctions(root, 'functions');
      assert.deepStrictEqual(
        fns.map((f) => f.name),
        ['pay-js', 'pay-ts'],
      );
      for (const fn of fns) {
        const a = await analyzeFunction(root, fn);
        assert.deepStrictEqual([a.bundleErrors, a.problems], [undefined, []]);
        assert.deepStrictEqual([...new Set(a.references.map((r) => r.name))].sort(), [
          'A_B',
          'A__B',
          'NEW',
          'STRIPE_SECRET_KEY',
        ]);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
