// The leak guard: before upload, the bundle is scanned for every stored key value (and, when a
// rule scanner is given, the function's sources for anything the linter recognises as a
// hardcoded secret). Any hit
// stops the deploy with the source location, found through the bundle's source map. The
// cloud repeats the value check on its side (secret_in_bundle), in case a client skipped it.
import * as fs from 'fs';
import * as path from 'path';
import type { BundleResult } from './bundle';
import type { SourceLocation } from './references';
import { lineColumnAt, SourceMapReader } from './sourceMap';

export interface NamedValue {
  name: string;
  value: string;
}

/** One exact occurrence of a value in a text. */
export interface ValueHit {
  name: string;
  /** Character offset in the scanned text. */
  index: number;
  length: number;
}

/**
 * Finds occurrences of known values in a text. The default is ExactValueScanner; the linter's
 * engine can provide a faster multi-value matcher with the same contract.
 */
export interface LeakScanner {
  scan(text: string, values: readonly NamedValue[]): ValueHit[];
}

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

/**
 * Values shorter than this are not looked for (they would match ordinary code); real API keys
 * are far longer. The cloud uses the same limit.
 */
export const MIN_SCANNED_VALUE_LENGTH = 8;

/** The forms of a value that count as "the value is in the code": raw, JSON-escaped, base64. */
export function bundleForms(value: string): string[] {
  const forms = new Set<string>([value, JSON.stringify(value).slice(1, -1)]);
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  return [...forms];
}

/** Names of the keys whose value appears in `code`, sorted. */
export function keysInCode(code: string, values: readonly NamedValue[]): string[] {
  const hits = new Set(new ExactValueScanner().scan(code, values).map((h) => h.name));
  return [...hits].sort();
}

/** indexOf for every form of every value; plenty for a few hundred keys and a 10 MiB bundle. */
export class ExactValueScanner implements LeakScanner {
  scan(text: string, values: readonly NamedValue[]): ValueHit[] {
    const hits: ValueHit[] = [];
    for (const { name, value } of values) {
      if (value.length < MIN_SCANNED_VALUE_LENGTH) continue;
      for (const form of bundleForms(value)) {
        for (let i = text.indexOf(form); i !== -1; i = text.indexOf(form, i + form.length)) {
          hits.push({ name, index: i, length: form.length });
          if (hits.length > 1000) return hits;
        }
      }
    }
    return hits.sort((a, b) => a.index - b.index);
  }
}

export interface LeakGuardOptions {
  /** Every stored value to look for (the workspace's keys). */
  values: readonly NamedValue[];
  scanner?: LeakScanner;
  rules?: RuleScanner;
  /** For locations: absolute workspace folder the bundle's source map is relative to. */
  root: string;
}

/** Scans a bundle; an empty list means the bundle may be uploaded. */
export async function guardBundle(bundle: BundleResult, options: LeakGuardOptions): Promise<LeakFinding[]> {
  const scanner = options.scanner ?? new ExactValueScanner();
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
    if (orig) return { location: { file: path.resolve(options.root, orig.source), line: orig.line + 1, column: orig.column + 1 }, inBundle: false };
    return { location: { file: bundleFile, line: line + 1, column: column + 1 }, inBundle: true };
  };

  const findings: LeakFinding[] = [];
  const seen = new Set<string>();
  for (const hit of scanner.scan(bundle.code, options.values)) {
    const where = locate(hit.index);
    const id = `${hit.name}@${where.location.file}:${where.location.line}`;
    if (seen.has(id)) continue;
    seen.add(id);
    findings.push({ key: hit.name, message: `The value of the key ${hit.name} is in the code. Read it with ctx.secrets.get("${hit.name}") instead.`, ...where });
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
        findings.push({ ruleId: hit.ruleId, message: hit.message, location: { file, line: line + 1, column: column + 1 }, inBundle: false });
      }
    }
  }
  return findings;
}
