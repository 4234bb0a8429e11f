// What `npm run package` puts in the .vsix: the bundles, media, docs and the one runtime
// module a bundle cannot hold; nothing native, no sources, tests, maps or development
// dependencies. One package for every platform.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

describe('vsix contents', function () {
  this.timeout(120_000);
  const root = path.resolve(__dirname, '../../../..');
  let dir: string;
  let vsix: string;
  /** The packaged files, as paths in the extension's folder. */
  let files: string[];

  // Packaged once, as `npm run package` does (the production build first); every test reads
  // what is in that file.
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-vsix-'));
    vsix = path.join(dir, 'cloudxlr-keys.vsix');
    execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--out', vsix], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const names = zipEntryNames(fs.readFileSync(vsix));
    files = names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds the extension bundle, the CLI, media and the docs', () => {
    // vsce stores README.md, CHANGELOG.md and LICENSE under these names.
    for (const f of [
      'package.json',
      'dist/extension.js',
      'dist/cli.js',
      'bin/cloudxlr.js',
      'readme.md',
      'changelog.md',
      'LICENSE.txt',
      'media/cloudxlr.svg',
      'schemas/cloudxlr.schema.json',
    ]) {
      assert.ok(files.includes(f), `${f} is missing`);
    }
  });

  it('holds esbuild-wasm, which cannot be bundled, and no native module', () => {
    assert.ok(files.includes('node_modules/esbuild-wasm/esbuild.wasm'));
    assert.deepStrictEqual(
      files.filter((f) => f.endsWith('.node')),
      [],
    );
  });

  it('holds no sources, tests, source maps or other modules', () => {
    const bad = files.filter(
      (f) =>
        /^(src|test|out|bench|samples)\//.test(f) ||
        /\.(ts|map)$/.test(f) ||
        (f.startsWith('node_modules/') && !/^node_modules\/esbuild-wasm\//.test(f)),
    );
    assert.deepStrictEqual(
      bad.filter((f) => !f.endsWith('.d.ts') || !f.startsWith('types/')),
      [],
    );
  });

  it('packages as one .vsix for every platform, under 8 MB', () => {
    const size = fs.statSync(vsix).size;
    assert.ok(size < 8 * 1024 * 1024, `the .vsix is ${(size / 1048576).toFixed(1)} MiB`);
    assert.ok(files.includes('dist/cli.js'), `not a .vsix of this extension: ${files.slice(0, 5).join(', ')}`);
  });
});

const CENTRAL_ENTRY = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

/** The file names in a zip's central directory (stored uncompressed). */
function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  for (let i = zip.indexOf(CENTRAL_ENTRY); i !== -1; i = zip.indexOf(CENTRAL_ENTRY, i + 4)) {
    const length = zip.readUInt16LE(i + 28);
    names.push(zip.subarray(i + 46, i + 46 + length).toString('utf8'));
  }
  return names;
}
