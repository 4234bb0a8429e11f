// Bundles one function into a single CommonJS file for Node 20 with esbuild-wasm (see
// esbuildWasm.ts for why wasm), plus its SHA-256 and source map. Files are read through a
// plugin: relative imports resolve like TypeScript's (extensions, index files, `./x.js`
// meaning `./x.ts`), packages resolve like Node's require from the importing folder, and
// Node's built-in modules stay external.
import { SCRIPT_LOADERS } from './references';
import { createHash } from 'crypto';
import { builtinModules, createRequire } from 'module';
import * as fs from 'fs';
import * as path from 'path';
import type { Loader, Message, Plugin } from 'esbuild-wasm';
import { loadEsbuild } from './esbuildWasm';
import type { SourceLocation } from './references';
import { errorMessage } from '../shared/errorMessage';

export interface BundleResult {
  /** The CommonJS bundle that is uploaded. */
  code: string;
  /** Lower-case hex SHA-256 of `code`'s UTF-8 bytes. */
  sha256: string;
  /** The source map (JSON text), kept locally to map findings back; never uploaded. */
  map: string;
  /** Absolute paths of the project's own files in the bundle (not node_modules). */
  sourceFiles: string[];
  /** Absolute paths of every input, packages included. */
  inputs: string[];
  warnings: BundleMessage[];
}

export interface BundleMessage {
  message: string;
  location?: SourceLocation;
}

export class BundleError extends Error {
  constructor(readonly errors: BundleMessage[]) {
    super(
      errors.length === 1
        ? errors[0].message
        : `${errors.length} bundling errors: ${errors.map((e) => e.message).join(' ')}`,
    );
    this.name = 'BundleError';
  }
}

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx', '.json'];
const LOADER: Record<string, Loader> = { ...SCRIPT_LOADERS, '.json': 'json', '.txt': 'text' };
const BUILTINS = new Set(builtinModules);

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Resolves `base` like TypeScript's bundler resolution: exact, with an extension, or an index file. */
export function resolveSourceFile(base: string): string | undefined {
  if (isFile(base)) return base;
  for (const ext of EXTENSIONS) if (isFile(base + ext)) return base + ext;
  // `import "./util.js"` written in TypeScript for `./util.ts`.
  const m = /\.(m|c)?jsx?$/.exec(base);
  if (m) {
    const stem = base.slice(0, -m[0].length);
    for (const ext of ['.ts', '.tsx', '.mts', '.cts']) if (isFile(stem + ext)) return stem + ext;
  }
  for (const ext of EXTENSIONS) if (isFile(path.join(base, 'index' + ext))) return path.join(base, 'index' + ext);
  return undefined;
}

function filePlugin(): Plugin {
  return {
    name: 'cloudxlr-files',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const spec = args.path;
        if (args.kind === 'entry-point') return { path: path.resolve(args.resolveDir || process.cwd(), spec) };
        if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]))
          return { path: spec, external: true };
        if (spec.startsWith('.') || path.isAbsolute(spec)) {
          const found = resolveSourceFile(path.resolve(args.resolveDir, spec));
          if (found) return { path: found };
          return {
            errors: [
              { text: `Cannot find the file "${spec}" imported here. Check the path and the file's extension.` },
            ],
          };
        }
        try {
          const req = createRequire(path.join(args.resolveDir, 'cloudxlr-resolve.js'));
          return { path: req.resolve(spec) };
        } catch {
          return {
            errors: [
              {
                text: `Cannot find the package "${spec}". Install it next to the function (npm install ${spec
                  .split('/')
                  .slice(0, spec.startsWith('@') ? 2 : 1)
                  .join('/')}).`,
              },
            ],
          };
        }
      });
      build.onLoad({ filter: /.*/ }, async (args) => {
        const loader = LOADER[path.extname(args.path).toLowerCase()];
        if (!loader)
          return {
            errors: [
              {
                text: `Cannot bundle "${path.basename(args.path)}": only JavaScript, TypeScript and JSON files can be imported by a function.`,
              },
            ],
          };
        return { contents: await fs.promises.readFile(args.path, 'utf8'), loader, resolveDir: path.dirname(args.path) };
      });
    },
  };
}

function toMessage(m: Message, root: string): BundleMessage {
  const out: BundleMessage = { message: m.text };
  if (m.location)
    out.location = { file: path.resolve(root, m.location.file), line: m.location.line, column: m.location.column + 1 };
  return out;
}

/**
 * Bundles `entry` (absolute, or relative to `root`) into one CommonJS file for node20.
 * `root` is the workspace folder: paths in the bundle's comments and source map are relative
 * to it, so the same sources give the same bundle (and SHA-256) on every machine.
 */
export async function bundleFunction(root: string, entry: string): Promise<BundleResult> {
  const esbuild = await loadEsbuild();
  const absRoot = path.resolve(root);
  const absEntry = path.resolve(absRoot, entry);
  const outfile = path.join(absRoot, `${path.basename(absEntry).replace(/\.[^.]+$/, '')}.bundle.js`);
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [absEntry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      write: false,
      outfile,
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      // Non-ASCII text stays as written, so a value in the code is found as it is.
      charset: 'utf8',
      absWorkingDir: absRoot,
      logLevel: 'silent',
      plugins: [filePlugin()],
    });
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    if (errors?.length) throw new BundleError(errors.map((m) => toMessage(m, absRoot)));
    throw new BundleError([{ message: `esbuild failed: ${errorMessage(e)}` }]);
  }
  const js = result.outputFiles?.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles?.find((f) => f.path.endsWith('.map'));
  if (!js) throw new BundleError([{ message: 'esbuild produced no bundle.' }]);
  const inputs = Object.keys(result.metafile?.inputs ?? {}).map((p) => path.resolve(absRoot, p));
  const code = js.text;
  return {
    code,
    sha256: createHash('sha256').update(code, 'utf8').digest('hex'),
    map: map?.text ?? '{"version":3,"sources":[],"mappings":""}',
    sourceFiles: inputs.filter((p) => !p.split(path.sep).includes('node_modules')),
    inputs,
    warnings: result.warnings.map((m) => toMessage(m, absRoot)),
  };
}
