// `cloudxlr scan [paths…] [--format text|json|sarif]`: the hardcoded-secret linter for CI and
// pre-commit hooks. Exit 0 without findings, 1 with findings, 2 on an error. Output shows
// masked excerpts only, never a value.
import * as fs from 'fs';
import * as path from 'path';
import { ALL_RULES, ruleDocUrl, scanBuffer, RULES_DOC_URL, type Finding } from '../lint/engine';
import { ScanPathError, collectTargets } from '../lint/walk';
import { parseCommandLine } from './args';

type Format = 'text' | 'json' | 'sarif';

const USAGE = `Usage: cloudxlr scan [paths…] [--format text|json|sarif]

Scans files for hardcoded secrets. Files named are always scanned; folders are walked by the
frontend globs of cloudxlr.json (default: js, ts, jsx, tsx, mjs, cjs, html, vue, svelte, astro
and .env* files, without node_modules or build output); code in the functions folder is
checked as server code. Without paths, scans the current folder.

Exit status: 0 no findings, 1 findings, 2 error.
Rules: ${RULES_DOC_URL}`;

interface FileFinding extends Finding {
  path: string;
}

/** The paths and output format of `scan`, or why they cannot be used. */
export function parseScanArgs(argv: readonly string[]): { paths: string[]; format: Format } | 'help' | string {
  let parsed;
  try {
    parsed = parseCommandLine(argv, { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  } catch (e) {
    return (e as Error).message;
  }
  if (parsed.values.help) return 'help';
  const format = parsed.values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif')
    return `--format must be text, json or sarif (got "${format.slice(0, 40)}").`;
  return { paths: parsed.positionals, format };
}

function displayPath(cwd: string, file: string): string {
  const r = path.relative(cwd, file);
  return (r.startsWith('..') || path.isAbsolute(r) ? file : r).split(path.sep).join('/');
}

export async function run(argv: string[]): Promise<number> {
  const args = parseScanArgs(argv);
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    console.error(`cloudxlr scan: ${args}\n\n${USAGE}`);
    return 2;
  }
  const cwd = process.cwd();
  const started = performance.now();
  let targets;
  try {
    targets = collectTargets(args.paths, cwd);
  } catch (e) {
    if (e instanceof ScanPathError) {
      console.error(`cloudxlr scan: ${e.message} Check the path and try again.`);
      return 2;
    }
    throw e;
  }
  const findings: FileFinding[] = [];
  let bytes = 0;
  let files = 0;
  for (const t of targets) {
    let data: Buffer;
    try {
      data = fs.readFileSync(t.file);
    } catch (e) {
      console.error(
        `cloudxlr scan: cannot read ${displayPath(cwd, t.file)} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
      return 2;
    }
    files++;
    bytes += data.length;
    const result = scanBuffer(data, { kind: t.kind });
    for (const f of result.findings) findings.push({ ...f, path: displayPath(cwd, t.file) });
  }
  const ms = Math.round(performance.now() - started);
  const stats = { files, bytes, ms };
  if (args.format === 'json') process.stdout.write(JSON.stringify(toJson(findings, stats)) + '\n');
  else if (args.format === 'sarif') process.stdout.write(JSON.stringify(toSarif(findings), null, 2) + '\n');
  else process.stdout.write(toText(findings, stats));
  return findings.length > 0 ? 1 : 0;
}

export function toJson(findings: FileFinding[], stats: { files: number; bytes: number; ms: number }) {
  return {
    findings: findings.map((f) => ({
      path: f.path,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
    })),
    stats,
  };
}

function toText(findings: FileFinding[], stats: { files: number; bytes: number; ms: number }): string {
  const lines = findings.map((f) => `${f.path}:${f.line}:${f.column}: ${f.severity} ${f.message} [${f.ruleId}]`);
  const mb = (stats.bytes / 1e6).toFixed(1);
  const summary =
    findings.length === 0
      ? `No secrets found in ${stats.files} files (${mb} MB, ${stats.ms} ms).`
      : `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'} in ${new Set(findings.map((f) => f.path)).size} of ${stats.files} files (${mb} MB, ${stats.ms} ms). Rules: ${RULES_DOC_URL}`;
  return [...lines, summary].join('\n') + '\n';
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export function toSarif(findings: FileFinding[]) {
  const rules = ALL_RULES.map((r) => ({
    id: r.id,
    name: r.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description.replace(/`/g, '') },
    helpUri: ruleDocUrl(r.id),
    help: {
      text: `${r.description.replace(/`/g, '')} See ${ruleDocUrl(r.id)}`,
      markdown: `${r.description} [More](${ruleDocUrl(r.id)})`,
    },
    defaultConfiguration: { level: r.id === 'generic-secret' ? 'warning' : 'error' },
    properties: { tags: ['security', 'secrets'], provider: r.provider },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cloudxlr', informationUri: RULES_DOC_URL, rules } },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? 0,
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.path.split('/').map(encodeURIComponent).join('/') },
                region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
              },
            },
          ],
        })),
      },
    ],
  };
}
