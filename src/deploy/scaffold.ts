// The files of a new function, for the editor's "New Function" command (which writes them):
// the handler, and once per functions folder a tsconfig.json/jsconfig.json plus a copy of the
// function types, so editors complete `request` and `ctx`.
import * as path from 'path';
import { functionNameProblem, keyNameProblem } from '../shared/names';

export interface ScaffoldFile {
  /** Relative to the workspace folder, with forward slashes. */
  path: string;
  content: string;
  /** Write only when the file does not exist yet (shared config), never overwrite. */
  onlyIfMissing: boolean;
}

export const TYPES_FILE_NAME = 'cloudxlr-functions.d.ts';

/**
 * The files for a new function `name` in `functionsDir`. `typesText` is the content of
 * types/cloudxlr-functions.d.ts from the installed extension. `keys` are read in the handler
 * with `ctx.secrets.get` (as literals, so the deploy finds them). Throws for an invalid name.
 */
export function newFunctionFiles(
  functionsDir: string,
  name: string,
  typesText: string,
  language: 'ts' | 'js' = 'ts',
  keys: readonly string[] = [],
): ScaffoldFile[] {
  const problem = functionNameProblem(name);
  if (problem) throw new Error(problem);
  for (const key of keys) {
    const keyProblem = keyNameProblem(key);
    if (keyProblem) throw new Error(`${key.slice(0, 128)}: ${keyProblem}`);
  }
  const unique = [...new Set(keys)];
  const vars = variableNames(unique);
  // With keys: read each one and report only whether it is set (never its value).
  const body = unique.length
    ? [
        '  // Keys are read by name, as string literals: the deploy finds them in the source.',
        ...unique.map((k, i) => `  const ${vars[i]} = await ctx.secrets.get('${k}');`),
        '  // Call your providers with the keys here; never return or log their values.',
        "  ctx.log.info('called with', request.method);",
        `  return { ok: true, configured: { ${unique.map((k, i) => `${k}: ${vars[i]}.length > 0`).join(', ')} } };`,
      ]
    : [
        '  // Keys are read by name, as string literals: the deploy finds them in the source.',
        "  // const key = await ctx.secrets.get('API_KEY');",
        "  ctx.log.info('called with', request.method);",
        '  return { ok: true };',
      ];
  const dir = functionsDir.replace(/\\/g, '/').replace(/\/+$/, '') || '.';
  const join = (f: string): string => path.posix.join(dir, f);
  const handler =
    language === 'ts'
      ? [
          "import type { Handler } from 'cloudxlr-functions';",
          '',
          '// Called by POST/GET {cloud}/fn/{project}/' + name + ' (no token; any origin).',
          'const handler: Handler = async (request, ctx) => {',
          ...body,
          '};',
          '',
          'export default handler;',
          '',
        ].join('\n')
      : [
          '// Called by POST/GET {cloud}/fn/{project}/' + name + ' (no token; any origin).',
          "/** @type {import('cloudxlr-functions').Handler} */",
          'module.exports = async (request, ctx) => {',
          ...body,
          '};',
          '',
        ].join('\n');
  const config = JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        ...(language === 'js' ? { checkJs: true } : {}),
        baseUrl: '.',
        paths: { 'cloudxlr-functions': [`./${TYPES_FILE_NAME}`] },
      },
      include: [language === 'ts' ? './**/*.ts' : './**/*.js', `./${TYPES_FILE_NAME}`],
    },
    null,
    2,
  );
  return [
    { path: join(`${name}.${language}`), content: handler, onlyIfMissing: true },
    { path: join(language === 'ts' ? 'tsconfig.json' : 'jsconfig.json'), content: config + '\n', onlyIfMissing: true },
    { path: join(TYPES_FILE_NAME), content: typesText, onlyIfMissing: false },
  ];
}

const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval request ctx handler'.split(
    ' ',
  ),
);

/** camelCase variable names for key names, distinct and never a reserved word. */
function variableNames(keys: readonly string[]): string[] {
  const used = new Set<string>();
  return keys.map((k) => {
    let v = k
      .toLowerCase()
      .replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
      .replace(/_/g, '');
    if (RESERVED.has(v)) v += 'Key';
    let candidate = v;
    for (let i = 2; used.has(candidate); i++) candidate = `${v}${i}`;
    used.add(candidate);
    return candidate;
  });
}
