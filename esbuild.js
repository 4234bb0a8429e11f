// Builds the extension bundle (dist/extension.js) and the command-line tool (dist/cli.js).
// `vscode` is provided by the editor and esbuild-wasm loads its .wasm file from disk, so those
// stay external (esbuild-wasm ships in the .vsix's node_modules). SQLite is Node's own
// (node:sqlite), so nothing native ships.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints esbuild's problems in the form VS Code's problem matcher understands. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  format: 'cjs',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  platform: 'node',
  target: 'node20',
  logLevel: 'silent',
  external: ['vscode', 'esbuild-wasm', 'esbuild'],
  alias: {
    // node-fetch 2 (through whatwg-url and tr46) requires Node's deprecated built-in punycode,
    // which prints a DeprecationWarning on Node 22+; the npm package of the same code replaces it.
    punycode: 'punycode/punycode.js',
    // jsonc-parser's default (UMD) build loads its modules through a require() esbuild cannot
    // follow; its ES module build bundles.
    'jsonc-parser': 'jsonc-parser/lib/esm/main.js',
  },
  plugins: [problemMatcherPlugin],
};

async function main() {
  const contexts = await Promise.all([
    esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
    esbuild.context({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
  ]);
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
