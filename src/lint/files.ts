// Which files the linter reads, and in which context. Pure: paths in, decisions out.
//
// Globs are matched by a small translator to regular expressions (below) rather than a
// dependency: the subset used by cloudxlr.json (`**`, `*`, `?`, `{a,b}`, `[abc]`) is short to
// implement exactly, and the linter then ships without another package in the bundle.

import { isEnvFileName } from './engine/envFiles';
import type { FileKind } from './engine/types';
import { DEFAULT_FRONTEND_GLOBS, parseProjectFile } from '../project/projectFile';

/** Folders never scanned when walking: dependencies, build output, caches, VCS data. */
export const EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  'bower_components',
  'jspm_packages',
  'dist',
  'build',
  'out',
  'coverage',
  '.next',
  '.nuxt',
  '.output',
  '.svelte-kit',
  '.vercel',
  '.netlify',
  '.turbo',
  '.cache',
  '.parcel-cache',
  '.vite',
  '.expo',
  '.astro',
  'storybook-static',
  '.git',
  '.hg',
  '.svn',
  '.cloudxlr',
  '.test-host',
]);

const CODE_FILE = /\.(?:js|ts|jsx|tsx|mjs|cjs|mts|cts)$/i;

export interface LintProjectConfig {
  /** Folder of Cloud Functions, relative to the project root ("functions"). */
  functionsDir: string;
  /** Globs of frontend files, relative to the project root (defaults when absent). */
  frontend?: readonly string[];
}

/**
 * The parts of cloudxlr.json the linter needs. Tolerant: a missing or malformed setting falls
 * back to its default, so a broken project file never switches the linter off.
 */
export function lintConfigFromProjectFile(text: string): LintProjectConfig {
  const file = parseProjectFile(text);
  return { functionsDir: file.functionsDir, ...(file.frontend ? { frontend: file.frontend } : {}) };
}

function normalize(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^\/+/, '');
}

function escapeChar(c: string): string {
  return /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}

function translate(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentStart = i === 0 || glob[i - 1] === '/';
        if (atSegmentStart && glob[i + 2] === '/') {
          re += '(?:[^/]*/)*';
          i += 2;
          continue;
        }
        if (atSegmentStart && i + 2 === glob.length) {
          re += '.*';
          i += 1;
          continue;
        }
        re += '[^/]*';
        i += 1;
        continue;
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else if (c === '{') {
      let depth = 0;
      let j = i;
      const parts: string[] = [];
      let last = i + 1;
      for (; j < glob.length; j++) {
        if (glob[j] === '{') depth++;
        else if (glob[j] === '}' && --depth === 0) break;
        else if (glob[j] === ',' && depth === 1) {
          parts.push(glob.slice(last, j));
          last = j + 1;
        }
      }
      if (j >= glob.length) {
        re += '\\{';
        continue;
      }
      parts.push(glob.slice(last, j));
      re += `(?:${parts.map(translate).join('|')})`;
      i = j;
    } else {
      re += escapeChar(c);
    }
  }
  return re;
}

const cache = new Map<string, RegExp>();

/**
 * A glob as a regular expression over '/'-separated relative paths. A glob without a '/'
 * matches the file name at any depth (".env*" matches "app/.env.local"); `*` and `?` never
 * cross a '/', `**` spans folders, `{a,b}` and `[abc]` as usual. Dot files are matched.
 */
export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const g = normalize(glob);
    const body = translate(g);
    re = new RegExp(g.includes('/') ? `^${body}$` : `^(?:.*/)?${body}$`);
    cache.set(glob, re);
  }
  return re;
}

export function matchesAny(relPath: string, globs: readonly string[]): boolean {
  const p = normalize(relPath);
  return globs.some((g) => globToRegExp(g).test(p));
}

function inFunctionsDir(p: string, config: LintProjectConfig): boolean {
  const dir = normalize(config.functionsDir).replace(/\/+$/, '');
  return dir.length > 0 && (p === dir || p.startsWith(`${dir}/`));
}

/**
 * The context of a file named explicitly (always scanned): `server` inside the functions
 * folder, `env` for `.env*` files, `frontend` otherwise.
 */
export function fileKindOf(relPath: string, config: LintProjectConfig): FileKind {
  const p = normalize(relPath);
  if (isEnvFileName(p)) return 'env';
  if (inFunctionsDir(p, config)) return 'server';
  return 'frontend';
}

/** True when a folder walk should not enter `dirName`. */
export function isExcludedDir(dirName: string): boolean {
  return EXCLUDED_DIRS.has(dirName);
}

/**
 * Whether a file found by a folder walk (or opened in the editor) is linted, and how:
 * code in the functions folder is `server`; files matching the frontend globs are `frontend`
 * (or `env` for `.env*`); files in excluded folders or matching `ignore` globs are skipped.
 */
export function selectFile(
  relPath: string,
  config: LintProjectConfig,
  ignore: readonly string[] = [],
): FileKind | undefined {
  const p = normalize(relPath);
  const segments = p.split('/');
  if (segments.slice(0, -1).some((s) => EXCLUDED_DIRS.has(s))) return undefined;
  if (ignore.length > 0 && matchesAny(p, ignore)) return undefined;
  if (inFunctionsDir(p, config)) return CODE_FILE.test(p) ? 'server' : isEnvFileName(p) ? 'env' : undefined;
  if (!matchesAny(p, config.frontend ?? DEFAULT_FRONTEND_GLOBS)) return undefined;
  return isEnvFileName(p) ? 'env' : 'frontend';
}
