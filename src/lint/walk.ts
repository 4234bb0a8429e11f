// Which files a scan of paths reads: files named are always scanned; folders are walked by
// the frontend rules of the nearest cloudxlr.json (or the defaults). Node's fs only.

import * as fs from 'fs';
import * as path from 'path';
import type { FileKind } from './engine/types';
import { PROJECT_FILE } from '../constants';
import { DEFAULT_FUNCTIONS_DIR } from '../project/projectFile';
import { fileKindOf, isExcludedDir, lintConfigFromProjectFile, selectFile, type LintProjectConfig } from './files';

export interface ScanTarget {
  /** Absolute path. */
  file: string;
  kind: FileKind;
}

export class ScanPathError extends Error {}

/** The nearest folder at or above `start` holding cloudxlr.json, if any. */
export function findProjectRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, PROJECT_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function configAt(root: string | undefined): LintProjectConfig {
  if (!root) return { functionsDir: DEFAULT_FUNCTIONS_DIR };
  try {
    return lintConfigFromProjectFile(fs.readFileSync(path.join(root, PROJECT_FILE), 'utf8'));
  } catch {
    return { functionsDir: DEFAULT_FUNCTIONS_DIR };
  }
}

function rel(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Lists the files to scan for `paths` (relative to `cwd`); throws ScanPathError for a missing path. */
export function collectTargets(paths: readonly string[], cwd: string, ignore: readonly string[] = []): ScanTarget[] {
  const out: ScanTarget[] = [];
  const seen = new Set<string>();
  const add = (file: string, kind: FileKind) => {
    if (!seen.has(file)) {
      seen.add(file);
      out.push({ file, kind });
    }
  };
  for (const p of paths.length ? paths : ['.']) {
    const abs = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new ScanPathError(`${p}: no such file or folder.`);
    }
    if (stat.isFile()) {
      const root = findProjectRoot(path.dirname(abs));
      add(abs, fileKindOf(root ? rel(root, abs) : path.basename(abs), configAt(root)));
      continue;
    }
    if (!stat.isDirectory()) continue;
    // A folder with its own cloudxlr.json (a nested project, a monorepo package) is walked by
    // its own rules.
    const top = findProjectRoot(abs);
    const stack: Array<{ dir: string; root: string; config: LintProjectConfig }> = [
      { dir: abs, root: top ?? abs, config: configAt(top) },
    ];
    while (stack.length) {
      const { dir, root: outerRoot, config: outerConfig } = stack.pop() as (typeof stack)[number];
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // unreadable folder: skip it
      }
      const own = dir !== outerRoot && entries.some((e) => e.isFile() && e.name === PROJECT_FILE);
      const root = own ? dir : outerRoot;
      const config = own ? configAt(dir) : outerConfig;
      entries.sort((a, b) => (a.name < b.name ? 1 : -1));
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!isExcludedDir(e.name)) stack.push({ dir: full, root, config });
        } else if (e.isFile()) {
          const kind = selectFile(rel(root, full), config, ignore);
          if (kind) add(full, kind);
        }
      }
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
