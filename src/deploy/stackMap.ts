// Positions in a deployed bundle, as a function's stack traces show them
// (`/fn/function-<first 16 hex of its sha256>.js:45:15`), mapped back to the source line a person
// wrote through the source map of the same bundle built locally. The cloud never gets the map:
// a position is mapped only when the local build is byte for byte the deployed code.
import { wrap } from 'module';
import * as path from 'path';
import type { BundleResult } from './bundle';
import { SourceMapReader } from './sourceMap';

/** `function-<16 hex>.js:<line>:<column>`, with whatever folder the runtime put in front. */
const BUNDLE_POSITION = /(?:[^\s()'"`]*[\\/])?function-([0-9a-f]{16})\.js:(\d+):(\d+)/g;

/** The runtime loads a bundle inside Node's module wrapper, which shifts its first line right. */
const FIRST_LINE_SHIFT = wrap('\u0000').indexOf('\u0000');

/** The bundle hashes (16 hex digits) a text's stack frames point at. */
export function bundleHashesIn(text: string): string[] {
  return [...new Set([...text.matchAll(BUNDLE_POSITION)].map((m) => m[1]))];
}

/**
 * Rewrites the positions in `bundle` (when its hash is the one in the text) to
 * `functions/x.ts:line:column`, relative to `root`. Other positions are left as they are.
 */
export function mapBundlePositions(text: string, bundle: Pick<BundleResult, 'sha256' | 'map'>, root: string): string {
  const hash = bundle.sha256.slice(0, 16);
  let reader: SourceMapReader | undefined;
  return text.replace(BUNDLE_POSITION, (whole, h: string, l: string, c: string) => {
    if (h !== hash) return whole;
    try {
      reader ??= new SourceMapReader(bundle.map);
    } catch {
      return whole;
    }
    const line = Number(l) - 1;
    const column = Number(c) - 1 - (line === 0 ? FIRST_LINE_SHIFT : 0);
    const orig = reader.originalFor(line, Math.max(0, column));
    if (!orig) return whole;
    const file = path.relative(root, path.resolve(root, orig.source)).split(path.sep).join('/');
    return `${file}:${orig.line + 1}:${orig.column + 1}`;
  });
}
