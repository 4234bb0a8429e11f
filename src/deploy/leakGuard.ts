// The leak guard: before upload, the bundle is scanned for every stored key value, in every
// form the shared value matcher knows (raw, JSON-escaped, URL-encoded, hex, base64 at any
// alignment, …), and, when a rule scanner is given, the function's sources for anything the
// linter recognises as a hardcoded secret. Any hit stops the deploy with the source location,
// found through the bundle's source map. The cloud repeats the value check on its side with
// the same matcher (secret_in_bundle), in case a client skipped it.
import * as fs from 'fs';
import * as path from 'path';
import { describeForm, ValueMatcher, type NamedValue } from '../shared/valueMatch';
import type { BundleResult } from './bundle';
import type { SourceLocation } from './references';
import { lineColumnAt, SourceMapReader } from './sourceMap';

export type { NamedValue };

/** A finding of the linter's rules (a hardcoded secret that is not necessarily stored). */
export interface RuleHit {
  ruleId: string;
  message: string;
  index: number;
  length: number;
}

/** The linter's rule scan, as the leak guard uses it (run over each of the function's own source files). */
export interface RuleScanner {
  scan(text: string, fileName: string): RuleHit[] | Promise<RuleHit[]>;
}

export interface LeakFinding {
  /** The key whose value was found, or undefined for a rule finding. */
  key?: string;
  ruleId?: string;
  /** What was found, without the value. */
  message: string;
  /** Where in the sources (through the source map), or in the bundle when unmapped. */
  location: SourceLocation;
  /** True when the location is in the bundle (no source position was known). */
  inBundle: boolean;
}

/** Occurrences located at most (one finding per key and source line is kept anyway). */
const MAX_VALUE_HITS = 1000;

export interface LeakGuardOptions {
  /** Every stored value to look for (the workspace's keys). */
  values: readonly NamedValue[];
  rules?: RuleScanner;
  /** For locations: absolute workspace folder the bundle's source map is relative to. */
  root: string;
}

/** Scans a bundle; an empty list means the bundle may be uploaded. */
export async function guardBundle(bundle: BundleResult, options: LeakGuardOptions): Promise<LeakFinding[]> {
  let map: SourceMapReader | undefined;
  try {
    map = new SourceMapReader(bundle.map);
  } catch {
    map = undefined;
  }
  const bundleFile = path.join(options.root, '<bundle>');
  const locate = (index: number): { location: SourceLocation; inBundle: boolean } => {
    const { line, column } = lineColumnAt(bundle.code, index);
    const orig = map?.originalFor(line, column);
    if (orig)
      return {
        location: { file: path.resolve(options.root, orig.source), line: orig.line + 1, column: orig.column + 1 },
        inBundle: false,
      };
    return { location: { file: bundleFile, line: line + 1, column: column + 1 }, inBundle: true };
  };

  const findings: LeakFinding[] = [];
  const seen = new Set<string>();
  /** file:line of every finding so far. */
  const linesFound = new Set<string>();
  const hits = new ValueMatcher(options.values).matches(bundle.code).slice(0, MAX_VALUE_HITS);
  for (const hit of hits) {
    const where = locate(hit.start);
    const id = `${hit.name}@${where.location.file}:${where.location.line}`;
    if (seen.has(id)) continue;
    seen.add(id);
    linesFound.add(`${where.location.file}:${where.location.line}`);
    findings.push({
      key: hit.name,
      message: `The value of the key ${hit.name} is in the code${describeForm(hit.kind)}. Read it with ctx.secrets.get("${hit.name}") instead.`,
      ...where,
    });
  }
  // The linter's rules run over the function's own source files rather than the bundle: the
  // sources keep the author's cloudxlr-ignore comments, and third-party code in the bundle
  // would only add noise (stored values are still looked for in all of it, above).
  if (options.rules) {
    for (const file of bundle.sourceFiles) {
      let text: string;
      try {
        text = await fs.promises.readFile(file, 'utf8');
      } catch {
        continue;
      }
      for (const hit of await options.rules.scan(text, file)) {
        const { line, column } = lineColumnAt(text, hit.index);
        // One finding per line: a stored value the rules recognise too is already reported,
        // under the name of the key that holds it.
        const where = `${file}:${line + 1}`;
        if (linesFound.has(where)) continue;
        linesFound.add(where);
        findings.push({
          ruleId: hit.ruleId,
          message: hit.message,
          location: { file, line: line + 1, column: column + 1 },
          inBundle: false,
        });
      }
    }
  }
  return findings;
}
