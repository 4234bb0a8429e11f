// Finds the functions of a workspace folder: in its functions folder (cloudxlr.json's
// `functionsDir`, default `functions/`), each `<name>.ts|js` or `<name>/index.ts|js` is one
// function. Files and folders starting with `_` or `.`, declaration files, tests, and folders
// without an index file (shared code such as `lib/`) are not functions.
import * as fs from 'fs';
import * as path from 'path';
import { functionNameProblem } from '../shared/names';

export interface LocalFunction {
  /** The function's name (its file or folder name). */
  name: string;
  /** Absolute path of the entry file. */
  entry: string;
  /** The entry, relative to the workspace folder, with forward slashes. */
  relativePath: string;
  /** Why this cannot be deployed as it is (a bad name, two entries), if so. */
  problem?: string;
}

const ENTRY_EXTENSIONS = ['.ts', '.js'];

function isSkipped(base: string): boolean {
  return base.startsWith('_') || base.startsWith('.') || base.endsWith('.d.ts') || /\.(test|spec)\.[jt]s$/.test(base);
}

/** The functions of `root`, sorted by name; an absent functions folder means none. */
export async function discoverFunctions(root: string, functionsDir = 'functions'): Promise<LocalFunction[]> {
  const absRoot = path.resolve(root);
  const dir = path.resolve(absRoot, functionsDir);
  if (path.relative(absRoot, dir).startsWith('..')) return [];
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const byName = new Map<string, string[]>();
  for (const e of entries) {
    if (isSkipped(e.name)) continue;
    let name: string | undefined;
    let entry: string | undefined;
    if (e.isFile()) {
      const ext = path.extname(e.name);
      if (!ENTRY_EXTENSIONS.includes(ext)) continue;
      name = e.name.slice(0, -ext.length);
      entry = path.join(dir, e.name);
    } else if (e.isDirectory()) {
      for (const ext of ENTRY_EXTENSIONS) {
        const candidate = path.join(dir, e.name, `index${ext}`);
        if (fs.existsSync(candidate)) {
          name = e.name;
          entry = candidate;
          // Both index.ts and index.js: the TypeScript one is the source.
          break;
        }
      }
    }
    if (!name || !entry) continue;
    const list = byName.get(name) ?? [];
    list.push(entry);
    byName.set(name, list);
  }
  const out: LocalFunction[] = [];
  for (const [name, list] of byName) {
    list.sort();
    const entry = list[0];
    const fn: LocalFunction = { name, entry, relativePath: path.relative(absRoot, entry).split(path.sep).join('/') };
    const nameProblem = functionNameProblem(name);
    if (nameProblem) fn.problem = `"${name}" cannot be a function name. ${nameProblem} Rename the file or folder.`;
    else if (list.length > 1) {
      fn.problem = `The function ${name} has ${list.length} entries (${list.map((p) => path.relative(absRoot, p).split(path.sep).join('/')).join(', ')}). Keep one.`;
    }
    out.push(fn);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The function a file belongs to, if it is an entry (for "Deploy" from a file's context menu or CodeLens). */
export async function functionForFile(
  root: string,
  functionsDir: string,
  file: string,
): Promise<LocalFunction | undefined> {
  const abs = path.resolve(file);
  return (await discoverFunctions(root, functionsDir)).find((f) => path.resolve(f.entry) === abs);
}
