// Lays out an --extensions-dir: the extension under test as `<publisher>.<name>-<version>`
// (what an installed .vsix looks like) and, for test runs, the test-runner extension.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { InstalledEditor } from './codeServer';
import { RUNNER_EXTENSION_FOLDER, RunnerConfig } from './hostContract';

/** What the extension needs at run time; node_modules holds its native and wasm externals. */
const EXTENSION_ENTRIES = [
  'package.json',
  'dist',
  'media',
  'bin',
  'types',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'node_modules',
];

interface Manifest {
  publisher: string;
  name: string;
  version: string;
  main?: string;
}

export function extensionFolderName(repoRoot: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  return `${manifest.publisher}.${manifest.name}-${manifest.version}`;
}

/**
 * Places the extension under test in `extensionsDir`, replacing an older copy. With `link`,
 * the extension's folder is a link to the repository itself (the dev host: a rebuild plus
 * "Restart Extension Host" picks up changes). The whole folder, not its entries: the editor
 * tells which extension calls its API by the real path of the calling file, looked up under
 * the real paths of the extensions' folders, and a linked dist/ would put the bundle outside
 * its extension (notifications then read "Null Extension Description"). Without `link`, the
 * entries are copies, except node_modules, a link.
 */
export function placeExtension(repoRoot: string, extensionsDir: string, link: boolean): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  const main = path.join(repoRoot, manifest.main ?? 'dist/extension.js');
  if (!fs.existsSync(main) && !fs.existsSync(`${main}.js`)) {
    throw new Error(`${path.relative(repoRoot, main)} is missing: run \`npm run build\` first.`);
  }
  const target = path.join(extensionsDir, extensionFolderName(repoRoot));
  // An older layout's folder, or a link: removed without following the link.
  if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(target);
  else fs.rmSync(target, { recursive: true, force: true });
  if (link) {
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.symlinkSync(path.resolve(repoRoot), target, 'dir');
    return target;
  }
  fs.mkdirSync(target, { recursive: true });
  for (const entry of EXTENSION_ENTRIES) {
    const source = path.join(repoRoot, entry);
    if (!fs.existsSync(source)) continue;
    const destination = path.join(target, entry);
    if (entry === 'node_modules') fs.symlinkSync(source, destination);
    else fs.cpSync(source, destination, { recursive: true });
  }
  return target;
}

/** Places the test-runner extension (compiled to out/test/host/runnerExtension) with its run.json. */
export function placeRunnerExtension(repoRoot: string, extensionsDir: string, config: RunnerConfig): string {
  const target = path.join(extensionsDir, RUNNER_EXTENSION_FOLDER);
  const compiled = path.join(repoRoot, 'out', 'test', 'host', 'runnerExtension', 'extension.js');
  if (!fs.existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run compile-tests\` first.`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(
    path.join(repoRoot, 'test', 'host', 'runnerExtension', 'package.json'),
    path.join(target, 'package.json'),
  );
  fs.copyFileSync(compiled, path.join(target, 'extension.js'));
  fs.writeFileSync(path.join(target, 'run.json'), JSON.stringify(config, null, 2));
  return target;
}

/**
 * Packages the extension as a person gets it (`vsce package`, which runs the production
 * build; skipped when `alreadyPackaged`) and installs that .vsix into `extensionsDir` with code-server's own installer.
 */
export function installPackagedExtension(
  repoRoot: string,
  editor: InstalledEditor,
  extensionsDir: string,
  userDataDir: string,
  vsixPath: string,
  alreadyPackaged = false,
): void {
  if (!alreadyPackaged) {
    fs.mkdirSync(path.dirname(vsixPath), { recursive: true });
    const vsce = require.resolve('@vscode/vsce/vsce', { paths: [repoRoot] });
    execFileSync(process.execPath, [vsce, 'package', '--out', vsixPath], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  execFileSync(
    editor.runtime.node,
    [editor.entry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsixPath],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  // The installer records what it installed in extensions.json, and the editor then loads only
  // those; without the file it scans the folder, which also finds the test-runner extension.
  fs.rmSync(path.join(extensionsDir, 'extensions.json'), { force: true });
  const installed = path.join(extensionsDir, extensionFolderName(repoRoot));
  if (!fs.existsSync(path.join(installed, 'dist', 'extension.js')))
    throw new Error(`Installing ${vsixPath} did not produce ${installed}.`);
}
