import * as assert from 'assert';
import { fileKindOf, globToRegExp, lintConfigFromProjectFile, selectFile } from '../../../src/lint/files';

describe('lint: file selection', () => {
  const config = { functionsDir: 'functions' };

  it('matches globs', () => {
    const cases: Array<[string, string, boolean]> = [
      ['**/*.{js,ts}', 'src/a/b.ts', true],
      ['**/*.{js,ts}', 'b.js', true],
      ['**/*.{js,ts}', 'b.tsx', false],
      ['src/**/*.ts', 'src/x.ts', true],
      ['src/**/*.ts', 'lib/src/x.ts', false],
      ['src/*.ts', 'src/a/x.ts', false],
      ['.env*', '.env', true],
      ['.env*', 'app/.env.local', true],
      ['**/.env*', '.env.production', true],
      ['src/[ab].js', 'src/a.js', true],
      ['src/[!ab].js', 'src/a.js', false],
      ['src/?.js', 'src/c.js', true],
      ['./web/**', 'web/a/b/c.html', true],
      ['web/{pages,components}/**/*.vue', 'web/components/x/Y.vue', true],
      ['a.b', 'aXb', false],
    ];
    for (const [glob, p, want] of cases) assert.strictEqual(globToRegExp(glob).test(p), want, `${glob} vs ${p}`);
  });

  it('selects frontend files by default and skips build output and dependencies', () => {
    assert.strictEqual(selectFile('src/App.tsx', config), 'frontend');
    assert.strictEqual(selectFile('index.html', config), 'frontend');
    assert.strictEqual(selectFile('src/App.svelte', config), 'frontend');
    assert.strictEqual(selectFile('.env.local', config), 'env');
    assert.strictEqual(selectFile('README.md', config), undefined);
    for (const p of [
      'node_modules/x/index.js',
      'dist/app.js',
      'build/x.js',
      '.next/static/a.js',
      'out/a.js',
      'coverage/lcov.js',
      'web/node_modules/a.js',
    ]) {
      assert.strictEqual(selectFile(p, config), undefined, p);
    }
  });

  it('treats the functions folder as server code', () => {
    assert.strictEqual(selectFile('functions/checkout/index.ts', config), 'server');
    assert.strictEqual(selectFile('api/index.ts', { functionsDir: 'api' }), 'server');
    assert.strictEqual(fileKindOf('functions/a.js', config), 'server');
    assert.strictEqual(fileKindOf('notes/todo.txt', config), 'frontend');
  });

  it('lets cloudxlr.json frontend globs override the defaults, and ignore globs apply', () => {
    const c = lintConfigFromProjectFile('{"project":"demo","functionsDir":"cloud/","frontend":["web/**/*.ts"]}');
    assert.deepStrictEqual(c, { functionsDir: 'cloud', frontend: ['web/**/*.ts'] });
    assert.strictEqual(selectFile('web/a.ts', c), 'frontend');
    assert.strictEqual(selectFile('src/a.ts', c), undefined);
    assert.strictEqual(selectFile('cloud/fn.ts', c), 'server');
    assert.strictEqual(selectFile('src/a.ts', config, ['src/**']), undefined);
    assert.deepStrictEqual(lintConfigFromProjectFile('not json'), { functionsDir: 'functions' });
  });
});
