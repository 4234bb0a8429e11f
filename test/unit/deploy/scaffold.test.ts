// A scaffolded function type-checks against the shipped declarations, deploys, and has no references.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeFunction, discoverFunctions, newFunctionFiles } from '../../../src/deploy';

const REPO = path.resolve(__dirname, '../../../..');

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
      execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'functions')], { stdio: 'pipe' });
      const [fn] = await discoverFunctions(root, 'functions');
      assert.strictEqual(fn.name, 'send-email');
      const a = await analyzeFunction(root, fn);
      assert.deepStrictEqual([a.bundleErrors, a.references, a.problems], [undefined, [], []]);
      assert.strictEqual(a.handler?.line, 4, "the handler's declaration");
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
