// Finds the keys a function reads, statically: the string literals passed to
// `<anything>.secrets.get(...)` (or `secrets.get(...)` after `{ secrets }` was destructured).
// A deploy must know every key up front, so anything else is an error pointing at its line:
// a non-literal argument, `.secrets.get` taken as a value, or `ctx.secrets` stored under
// another name. User code is never executed.
//
// TypeScript is first turned into JavaScript by esbuild (types stripped, positions kept in a
// source map), then parsed by acorn into a real syntax tree, so strings, template literals,
// comments and regular expressions can never be mistaken for code.
import * as acorn from 'acorn';
import * as path from 'path';
import { keyNameProblem } from '../shared/names';
import { loadEsbuild } from './esbuildWasm';
import { SourceMapReader } from './sourceMap';

/** A position in a source file: line and column are 1-based (as editors show them). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface KeyReference extends SourceLocation {
  name: string;
}

export interface ReferenceProblem extends SourceLocation {
  message: string;
}

export interface ReferenceScan {
  references: KeyReference[];
  problems: ReferenceProblem[];
  /** Where the handler is exported (`export default`, `module.exports`), for a CodeLens. */
  handler?: SourceLocation;
}

type Node = acorn.Node & Record<string, unknown>;

/** esbuild's loader for each source file extension a function may be written in. */
export const SCRIPT_LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

/** Whether a file is source code the reference finder reads. */
export function isScannableSource(file: string): boolean {
  return (
    Object.prototype.hasOwnProperty.call(SCRIPT_LOADERS, path.extname(file).toLowerCase()) && !file.endsWith('.d.ts')
  );
}

/** Finds the key references of one source file. `file` is used for the loader and in locations. */
export async function findKeyReferences(source: string, file: string): Promise<ReferenceScan> {
  const loader = SCRIPT_LOADERS[path.extname(file).toLowerCase()] ?? 'js';
  const esbuild = await loadEsbuild();
  let js: string;
  let map: SourceMapReader | undefined;
  try {
    const out = await esbuild.transform(source, {
      loader,
      sourcemap: 'external',
      sourcefile: file,
      format: 'esm',
      target: 'esnext',
      logLevel: 'silent',
    });
    js = out.code;
    map = out.map ? new SourceMapReader(out.map) : undefined;
  } catch (e) {
    const errors =
      (e as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }).errors ?? [];
    return {
      references: [],
      problems: errors.length
        ? errors.map((m) => ({
            file,
            line: m.location?.line ?? 1,
            column: (m.location?.column ?? 0) + 1,
            message: `Syntax error: ${m.text}`,
          }))
        : [{ file, line: 1, column: 1, message: 'The file could not be read as JavaScript or TypeScript.' }],
    };
  }
  return scanJavaScript(js, file, map);
}

/** The scan of JavaScript text; `map` maps it back to the original file, when it was transformed. */
export function scanJavaScript(js: string, file: string, map?: SourceMapReader): ReferenceScan {
  let ast: acorn.Node;
  try {
    ast = acorn.parse(js, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      locations: true,
      allowHashBang: true,
      allowAwaitOutsideFunction: true,
    });
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const at = loc ? locate(loc.line, loc.column) : { file, line: 1, column: 1 };
    return {
      references: [],
      problems: [{ ...at, message: `Syntax error: ${(e as Error).message.replace(/\s*\(\d+:\d+\)$/, '')}` }],
    };
  }

  function locate(line1: number, column0: number): SourceLocation {
    const orig = map?.originalFor(line1 - 1, column0);
    if (orig) return { file, line: orig.line + 1, column: orig.column + 1 };
    return { file, line: line1, column: column0 + 1 };
  }
  const at = (n: Node): SourceLocation => locate(n.loc?.start.line ?? 1, n.loc?.start.column ?? 0);

  const references: KeyReference[] = [];
  const problems: ReferenceProblem[] = [];
  let handler: SourceLocation | undefined;
  const calleesSeen = new Set<Node>();
  const declared = new Map<string, SourceLocation>();
  let defaultLocal: string | undefined;
  /** `var x_default = handler;` as esbuild writes `export default handler`. */
  const aliasOf = new Map<string, string>();

  const isSecretsGet = (n: Node | undefined): boolean => {
    if (!n || n.type !== 'MemberExpression') return false;
    if (propertyName(n) !== 'get') return false;
    const obj = n.object as Node;
    return (
      (obj.type === 'MemberExpression' && propertyName(obj) === 'secrets') ||
      (obj.type === 'Identifier' && obj.name === 'secrets')
    );
  };

  walk(ast as Node, (n, parent) => {
    switch (n.type) {
      case 'CallExpression': {
        const callee = unwrapChain(n.callee as Node);
        if (!isSecretsGet(callee)) return;
        calleesSeen.add(callee);
        const args = n.arguments as Node[];
        const arg = args[0];
        const literal = arg ? literalString(arg) : undefined;
        if (literal === undefined) {
          problems.push({
            ...at(arg ?? n),
            message: arg
              ? 'ctx.secrets.get needs the key name as a string literal, such as ctx.secrets.get("STRIPE_SECRET_KEY"): the deploy must know every key before the function runs.'
              : 'ctx.secrets.get needs the key name, such as ctx.secrets.get("STRIPE_SECRET_KEY").',
          });
          return;
        }
        const problem = keyNameProblem(literal);
        if (problem) {
          problems.push({ ...at(arg), message: `"${literal.slice(0, 130)}" is not a key name: ${problem}` });
          return;
        }
        references.push({ name: literal, ...at(arg) });
        return;
      }
      case 'MemberExpression': {
        // `.secrets.get` used other than as a call: the key it reads cannot be known.
        if (
          isSecretsGet(n) &&
          !calleesSeen.has(n) &&
          !(parent && parent.type === 'CallExpression' && unwrapChain(parent.callee as Node) === n)
        ) {
          problems.push({
            ...at(n),
            message:
              'Call ctx.secrets.get("NAME") directly: passing ctx.secrets.get around hides which keys the function reads.',
          });
        }
        return;
      }
      case 'VariableDeclarator':
      case 'AssignmentExpression': {
        if (n.type === 'VariableDeclarator' && (n.id as Node).type === 'Identifier') {
          declared.set((n.id as Node).name as string, at(n));
          if (n.init && (n.init as Node).type === 'Identifier')
            aliasOf.set((n.id as Node).name as string, (n.init as Node).name as string);
        }
        const target = (n.type === 'VariableDeclarator' ? n.id : n.left) as Node;
        const value = (n.type === 'VariableDeclarator' ? n.init : n.right) as Node | null;
        if (
          value &&
          value.type === 'MemberExpression' &&
          propertyName(value) === 'secrets' &&
          !(target.type === 'Identifier' && target.name === 'secrets')
        ) {
          problems.push({
            ...at(value),
            message:
              'Use ctx.secrets.get("NAME") directly (or destructure as { secrets }): storing ctx.secrets under another name hides which keys the function reads.',
          });
        }
        if (n.type === 'AssignmentExpression' && isModuleExports(n.left as Node)) handler ??= at(n);
        return;
      }
      case 'Property': {
        // `{ secrets: s }` in a destructuring pattern.
        if (parent?.type === 'ObjectPattern' && propertyKey(n) === 'secrets') {
          const v = n.value as Node;
          const bound = v.type === 'AssignmentPattern' ? (v.left as Node) : v;
          if (!(bound.type === 'Identifier' && bound.name === 'secrets')) {
            problems.push({
              ...at(n),
              message:
                'Destructure ctx as { secrets } and call secrets.get("NAME"), or call ctx.secrets.get("NAME"): other names hide which keys the function reads.',
            });
          }
        }
        return;
      }
      case 'ExportDefaultDeclaration': {
        // `export default handler;` points at the declaration of `handler`.
        const d = n.declaration as Node;
        if (d.type === 'Identifier') defaultLocal = d.name as string;
        else handler ??= at(n);
        return;
      }
      case 'ExportSpecifier': {
        // esbuild writes `export default <expression>` as `var x_default = …; export { x_default as default }`.
        const exported = n.exported as Node;
        if ((exported.type === 'Identifier' ? exported.name : literalString(exported)) === 'default')
          defaultLocal = (n.local as Node).name as string;
        return;
      }
      case 'FunctionDeclaration':
        if (n.id) declared.set((n.id as Node).name as string, at(n));
        return;
      default:
        return;
    }
  });

  if (!handler && defaultLocal) {
    let name = defaultLocal;
    for (let hops = 0; hops < 4 && aliasOf.has(name) && declared.has(aliasOf.get(name) as string); hops++)
      name = aliasOf.get(name) as string;
    handler = declared.get(name);
  }
  references.sort((a, b) => a.line - b.line || a.column - b.column);
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const scan: ReferenceScan = { references, problems };
  if (handler) scan.handler = handler;
  return scan;
}

/** Unique key names of a set of scans, sorted. */
export function referencedKeyNames(scans: readonly ReferenceScan[]): string[] {
  return [...new Set(scans.flatMap((s) => s.references.map((r) => r.name)))].sort();
}

function unwrapChain(n: Node): Node {
  return n.type === 'ChainExpression' ? (n.expression as Node) : n;
}

function propertyName(member: Node): string | undefined {
  const p = member.property as Node;
  if (!member.computed && p.type === 'Identifier') return p.name as string;
  if (member.computed) return literalString(p);
  return undefined;
}

function propertyKey(prop: Node): string | undefined {
  const k = prop.key as Node;
  if (!prop.computed && k.type === 'Identifier') return k.name as string;
  return literalString(k);
}

/** The value of a string literal or a template literal without expressions. */
function literalString(n: Node): string | undefined {
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'TemplateLiteral' && (n.expressions as Node[]).length === 0) {
    const q = (n.quasis as Node[])[0];
    const cooked = (q?.value as { cooked?: string | null } | undefined)?.cooked;
    return typeof cooked === 'string' ? cooked : undefined;
  }
  return undefined;
}

function isModuleExports(n: Node): boolean {
  const m = unwrapChain(n);
  if (m.type !== 'MemberExpression') return false;
  const obj = m.object as Node;
  if (obj.type === 'Identifier' && obj.name === 'module' && propertyName(m) === 'exports') return true;
  return obj.type === 'MemberExpression' && isModuleExports(obj) && propertyName(m) === 'default';
}

/** Visits every node, parents before children. */
function walk(root: Node, visit: (n: Node, parent: Node | undefined) => void): void {
  const stack: Array<[Node, Node | undefined]> = [[root, undefined]];
  while (stack.length) {
    const [n, parent] = stack.pop() as [Node, Node | undefined];
    visit(n, parent);
    const children: Array<[Node, Node | undefined]> = [];
    for (const key of Object.keys(n)) {
      if (key === 'loc' || key === 'start' || key === 'end' || key === 'type') continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (const c of v)
          if (c && typeof c === 'object' && typeof (c as Node).type === 'string') children.push([c as Node, n]);
      } else if (v && typeof v === 'object' && typeof (v as Node).type === 'string') {
        children.push([v as Node, n]);
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}
