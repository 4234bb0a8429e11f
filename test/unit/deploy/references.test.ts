// The static key-reference finder: data-driven cases of what counts as a reference, what is an
// error (with its line and column), and what must never be mistaken for code.
import * as assert from 'assert';
import { findKeyReferences } from '../../../src/deploy';

interface Case {
  title: string;
  file?: string;
  source: string;
  keys: string[];
  /** "line:column" of each expected problem. */
  problems?: string[];
}

const cases: Case[] = [
  {
    title: 'a string literal',
    source: 'export default async (req, ctx) => ctx.secrets.get("STRIPE_SECRET_KEY");',
    keys: ['STRIPE_SECRET_KEY'],
  },
  { title: 'single quotes', source: "module.exports = async (r, ctx) => ctx.secrets.get('A_KEY');", keys: ['A_KEY'] },
  {
    title: 'a template literal without expressions',
    source: 'export default async (r, ctx) => ctx.secrets.get(`TEMPLATE_KEY`);',
    keys: ['TEMPLATE_KEY'],
  },
  {
    title: 'optional chaining',
    source: 'export default async (r, ctx) => ctx?.secrets?.get("OPT_KEY");',
    keys: ['OPT_KEY'],
  },
  {
    title: 'destructured { secrets }',
    source: 'export default async (r, { secrets }) => secrets.get("DESTRUCTURED");',
    keys: ['DESTRUCTURED'],
  },
  {
    title: 'any receiver name',
    source: 'export default async (r, context) => context.secrets.get("ANY_NAME");',
    keys: ['ANY_NAME'],
  },
  {
    title: 'TypeScript with types, interfaces and generics',
    file: 'fn.ts',
    source: [
      'interface Req { body: { amount: number } }',
      'type Ctx = { secrets: { get(name: string): Promise<string> } };',
      'export default async function handler(req: Req, ctx: Ctx): Promise<{ ok: boolean }> {',
      '  const key = await ctx.secrets.get("TS_KEY") as string;',
      '  const list: Array<string> = [key];',
      '  return { ok: list.length > 0 };',
      '}',
    ].join('\n'),
    keys: ['TS_KEY'],
  },
  {
    title: 'strings, comments, regex and templates that only look like calls',
    source: [
      '// ctx.secrets.get("IN_LINE_COMMENT")',
      '/* ctx.secrets.get("IN_BLOCK_COMMENT") */',
      'const s = \'ctx.secrets.get("IN_STRING")\';',
      'const t = `ctx.secrets.get("IN_TEMPLATE_TEXT")`;',
      'const re = /ctx.secrets.get\\("IN_REGEX"\\)/g;',
      'const division = 4 / 2 / 1;',
      'export default async (r, ctx) => [s, t, re, division, await ctx.secrets.get("REAL")];',
    ].join('\n'),
    keys: ['REAL'],
  },
  {
    title: 'a variable argument is an error at its line and column',
    file: 'fn.ts',
    source: [
      'export default async (req: unknown, ctx: any) => {',
      '  const name: string = "X";',
      '  return ctx.secrets.get(name);',
      '};',
    ].join('\n'),
    keys: [],
    problems: ['3:26'],
  },
  {
    title: 'a template with an expression is an error',
    source: 'const env = "LIVE";\nexport default async (r, ctx) => ctx.secrets.get(`STRIPE_${env}`);',
    keys: [],
    problems: ['2:50'],
  },
  // esbuild folds constant strings, so the name read at run time is known: "A_" + "KEY" is A_KEY.
  {
    title: 'concatenated literals are folded to one name',
    source: 'export default async (r, ctx) => ctx.secrets.get("A_" + "KEY");',
    keys: ['A_KEY'],
  },
  {
    title: 'concatenation with a variable is an error',
    source: 'const v = process.env.X;\nexport default async (r, ctx) => ctx.secrets.get("A_" + v);',
    keys: [],
    problems: ['2:50'],
  },
  {
    title: 'no argument is an error',
    source: 'export default async (r, ctx) => ctx.secrets.get();',
    keys: [],
    problems: ['1:34'],
  },
  {
    title: 'an invalid key name is an error',
    source: 'export default async (r, ctx) => ctx.secrets.get("lower-case");',
    keys: [],
    problems: ['1:50'],
  },
  {
    title: 'taking .secrets.get as a value is an error',
    source: 'export default async (r, ctx) => { const get = ctx.secrets.get; return get("A"); };',
    keys: [],
    problems: ['1:48'],
  },
  {
    title: 'storing ctx.secrets under another name is an error',
    source: 'export default async (r, ctx) => { const s = ctx.secrets; return s.get("A"); };',
    keys: [],
    problems: ['1:46'],
  },
  {
    title: 'renaming secrets while destructuring is an error',
    source: 'export default async (r, { secrets: vault }) => vault.get("A");',
    keys: [],
    problems: ['1:28'],
  },
];

describe('deploy: key references', function () {
  this.timeout(20_000);
  for (const c of cases) {
    it(c.title, async () => {
      const scan = await findKeyReferences(c.source, c.file ?? 'fn.js');
      assert.deepStrictEqual(
        scan.references.map((r) => r.name),
        c.keys,
      );
      assert.deepStrictEqual(
        scan.problems.map((p) => `${p.line}:${p.column}`),
        c.problems ?? [],
        JSON.stringify(scan.problems),
      );
    });
  }

  it('points a TypeScript reference at the original line, not the transformed one', async () => {
    const source = [
      'type A = {',
      '  x: number;',
      '};',
      '',
      'export default async (req: A, ctx: any) =>',
      '  ctx.secrets.get("LATE_KEY");',
    ].join('\n');
    const scan = await findKeyReferences(source, 'fn.ts');
    assert.deepStrictEqual(
      scan.references.map((r) => [r.name, r.line, r.column]),
      [['LATE_KEY', 6, 19]],
    );
    assert.strictEqual(scan.handler?.line, 5);
  });

  it('reports a syntax error with its position instead of guessing', async () => {
    const scan = await findKeyReferences('export default async (r, ctx) => { ctx.secrets.get("A"', 'fn.ts');
    assert.strictEqual(scan.references.length, 0);
    assert.strictEqual(scan.problems.length, 1);
    assert.match(scan.problems[0].message, /Syntax error/);
  });
});
