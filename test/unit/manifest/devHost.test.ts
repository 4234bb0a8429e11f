// How the editors get the extension: its bundle must lie inside its extension folder once
// symlinks are resolved, as the editor matches the file calling its API against the real
// paths of the extension folders (else notifications read "Null Extension Description").
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { placeExtension } from '../../host/extensionsDir';

describe('extension folder of the editors', () => {
  let root: string;
  let repo: string;
  let extensions: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-extdir-'));
    repo = path.join(root, 'repo');
    extensions = path.join(repo, '.cloudxlr', 'dev-host', 'extensions');
    fs.mkdirSync(path.join(repo, 'dist'), { recursive: true });
    fs.writeFileSync(
      path.join(repo, 'package.json'),
      JSON.stringify({ publisher: 'cloudxlr', name: 'cloudxlr-keys', version: '0.1.0', main: './dist/extension.js' }),
    );
    fs.writeFileSync(path.join(repo, 'dist', 'extension.js'), 'exports.activate = () => 1;\n');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const bundleIsInside = (folder: string): boolean => {
    const real = fs.realpathSync(folder);
    return fs.realpathSync(path.join(folder, 'dist', 'extension.js')).startsWith(real + path.sep);
  };

  it('npm start links the whole folder: the bundle is inside it, and a rebuild is seen at once', () => {
    const folder = placeExtension(repo, extensions, true);
    assert.strictEqual(path.basename(folder), 'cloudxlr.cloudxlr-keys-0.1.0');
    assert.ok(bundleIsInside(folder), 'the bundle lies outside the extension folder');
    fs.writeFileSync(path.join(repo, 'dist', 'extension.js'), 'exports.activate = () => 2;\n');
    assert.match(fs.readFileSync(path.join(folder, 'dist', 'extension.js'), 'utf8'), /=> 2/);
    // Placed again (the next npm start): the link is replaced, the repository is untouched.
    placeExtension(repo, extensions, true);
    assert.ok(fs.existsSync(path.join(repo, 'dist', 'extension.js')));
    assert.ok(bundleIsInside(folder));
  });

  it('the test sessions copy it: the bundle is inside the folder too', () => {
    const folder = placeExtension(repo, extensions, false);
    assert.ok(bundleIsInside(folder));
    assert.ok(!fs.lstatSync(folder).isSymbolicLink());
    // A copy replaces a link left by npm start without touching the repository.
    placeExtension(repo, extensions, true);
    placeExtension(repo, extensions, false);
    assert.ok(fs.existsSync(path.join(repo, 'dist', 'extension.js')));
  });
});
