// What `npm run package` puts in the .vsix: the bundles, media, docs and the two runtime
// modules a bundle cannot hold; no sources, tests, maps or development dependencies.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';

describe('vsix contents', function () {
  this.timeout(60_000);
  const root = path.resolve(__dirname, '../../../..');
  const files = execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'ls'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

  it('holds the extension bundle, the CLI, media and the docs', () => {
    for (const f of ['package.json', 'dist/extension.js', 'dist/cli.js', 'bin/cloudxlr.js', 'README.md', 'CHANGELOG.md', 'LICENSE', 'media/cloudxlr.svg', 'schemas/cloudxlr.schema.json']) {
      assert.ok(files.includes(f), `${f} is missing`);
    }
  });

  it('holds the native SQLite driver and esbuild-wasm, which cannot be bundled', () => {
    assert.ok(files.includes('node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
    assert.ok(files.includes('node_modules/esbuild-wasm/esbuild.wasm'));
  });

  it('holds no sources, tests, source maps or other modules', () => {
    const bad = files.filter(
      (f) => /^(src|test|out|bench|samples)\//.test(f) || /\.(ts|map)$/.test(f) || (f.startsWith('node_modules/') && !/^node_modules\/(better-sqlite3|bindings|file-uri-to-path|esbuild-wasm)\//.test(f)),
    );
    assert.deepStrictEqual(bad.filter((f) => !f.endsWith('.d.ts') || !f.startsWith('types/')), []);
  });
});
