// The files of a new function, for the editor's "New Function" command (which writes them):
// the handler, and once per functions folder a tsconfig.json/jsconfig.json plus a copy of the
// function types, so editors complete `request` and `ctx`.
import * as path from 'path';
import { functionNameProblem } from '../shared/names';

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
 * types/cloudxlr-functions.d.ts from the installed extension. Throws for an invalid name.
 */
export function newFunctionFiles(functionsDir: string, name: string, typesText: string, language: 'ts' | 'js' = 'ts'): ScaffoldFile[] {
  const problem = functionNameProblem(name);
  if (problem) throw new Error(problem);
  const dir = functionsDir.replace(/\\/g, '/').replace(/\/+$/, '') || '.';
  const join = (f: string): string => path.posix.join(dir, f);
  const handler =
    language === 'ts'
      ? [
          "import type { Handler } from 'cloudxlr-functions';",
          '',
          '// Called by POST/GET {cloud}/fn/{project}/' + name + ' (no token; any origin).',
          'const handler: Handler = async (request, ctx) => {',
          "  // Keys are read by name, as string literals: the deploy finds them in the source.",
          "  // const key = await ctx.secrets.get('API_KEY');",
          "  ctx.log.info('called with', request.method);",
          '  return { ok: true };',
          '};',
          '',
          'export default handler;',
          '',
        ].join('\n')
      : [
          '// Called by POST/GET {cloud}/fn/{project}/' + name + ' (no token; any origin).',
          "/** @type {import('cloudxlr-functions').Handler} */",
          'module.exports = async (request, ctx) => {',
          "  // Keys are read by name, as string literals: the deploy finds them in the source.",
          "  // const key = await ctx.secrets.get('API_KEY');",
          "  ctx.log.info('called with', request.method);",
          '  return { ok: true };',
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
