// The text the editor's quick fixes write, and the offsets bookkeeping of debounced edits.
// Pure (no `vscode`), so unit tests cover it: test/unit/lint/fixText.test.ts.

import { IGNORE_FILE, IGNORE_NEXT_LINE } from './engine/ignore';
import type { FileKind } from './engine/types';
import type { TextChange } from './engine/incremental';

/**
 * Composes two successive edits into one: `prev` turned text A into B, `next` turns B into C;
 * the result turns A into C (as one replaced span), so a debounced run can hand the
 * incremental scanner a single change.
 */
export function composeChanges(prev: TextChange | undefined, next: TextChange): TextChange {
  if (!prev) return { ...next };
  const start = Math.min(prev.start, next.start);
  // End of the changed span in B: text of B after it equals A after prev.oldEnd, shifted.
  const mid = Math.max(prev.newEnd, next.oldEnd);
  return { start, oldEnd: prev.oldEnd + (mid - prev.newEnd), newEnd: mid + (next.newEnd - next.oldEnd) };
}

export type CommentStyle = 'slash' | 'hash' | 'html' | 'jsx';

const MARKUP = /\.(?:html?|vue|svelte|astro)$/i;
const ENV = /(?:^|[\\/])\.env(?:\.[^\\/]*)?$/;

export function isMarkupFile(fileName: string): boolean {
  return MARKUP.test(fileName);
}

/**
 * The comment syntax at `offset` of a file: `#` in .env files, `<!-- -->` in markup outside
 * `<script>`/`<style>` blocks (and Astro's frontmatter), `//` everywhere else.
 */
export function commentStyleAt(fileName: string, text: string, offset: number): CommentStyle {
  if (ENV.test(fileName)) return 'hash';
  if (!isMarkupFile(fileName)) return 'slash';
  if (/\.astro$/i.test(fileName) && text.startsWith('---')) {
    const close = text.indexOf('\n---', 3);
    if (close < 0 || offset <= close) return 'slash';
  }
  const before = text.slice(Math.max(0, offset - 200_000), offset).toLowerCase();
  for (const tag of ['script', 'style']) {
    const open = before.lastIndexOf(`<${tag}`);
    if (open >= 0 && open > before.lastIndexOf(`</${tag}`)) return tag === 'script' ? 'slash' : 'html';
  }
  return 'html';
}

export function commentText(style: CommentStyle, body: string): string {
  return style === 'hash'
    ? `# ${body}`
    : style === 'html'
      ? `<!-- ${body} -->`
      : style === 'jsx'
        ? `{/* ${body} */}`
        : `// ${body}`;
}

/**
 * In .jsx/.tsx, a line that starts an element right after a line ending a tag sits among JSX
 * children, where `//` would be text: there the comment is `{/* … *\/}`. Elsewhere `//`.
 */
export function jsxAwareStyle(fileName: string, style: CommentStyle, previousLine: string, line: string): CommentStyle {
  if (style !== 'slash' || !/\.(?:jsx|tsx)$/i.test(fileName)) return style;
  return line.trimStart().startsWith('<') && previousLine.trimEnd().endsWith('>') ? 'jsx' : style;
}

/** The line inserted above a finding's line to silence it, with the same indentation. */
export function ignoreNextLineText(style: CommentStyle, lineText: string): string {
  const indent = /^[ \t]*/.exec(lineText)?.[0] ?? '';
  return `${indent}${commentText(style, IGNORE_NEXT_LINE)}\n`;
}

/**
 * Where and what to insert to silence a whole file: the first line, after a `#!` line, and
 * inside an Astro frontmatter; in markup an HTML comment, in .env a `#` comment.
 */
export function ignoreFileInsertion(fileName: string, text: string): { offset: number; text: string } {
  let offset = 0;
  if (text.startsWith('#!')) {
    const nl = text.indexOf('\n');
    offset = nl < 0 ? text.length : nl + 1;
    if (nl < 0) return { offset, text: `\n${commentText('slash', IGNORE_FILE)}\n` };
  }
  let style: CommentStyle = ENV.test(fileName) ? 'hash' : isMarkupFile(fileName) ? 'html' : 'slash';
  if (/\.astro$/i.test(fileName) && text.startsWith('---')) {
    offset = text.indexOf('\n') + 1 || text.length;
    style = 'slash';
  }
  return { offset, text: `${commentText(style, IGNORE_FILE)}\n` };
}

/**
 * The quote of the string literal that contains column `col` of a line, if any, reading the
 * line from its start (escapes honoured, `//` comments end the code). A heuristic: a string
 * opened on an earlier line (template literals) is not seen.
 */
export function enclosingQuote(lineText: string, col: number): '"' | "'" | '`' | undefined {
  let quote: '"' | "'" | '`' | undefined;
  for (let i = 0; i < col && i < lineText.length; i++) {
    const c = lineText[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === '/' && lineText[i + 1] === '/') {
      return undefined;
    }
  }
  return quote;
}

export interface ReplacementInput {
  kind: FileKind;
  /** The stored key's name. */
  name: string;
  /** The range replaced is a whole string literal, quotes included. */
  quoted: boolean;
  /** When not `quoted`: the quote of the string literal around the value, if any. */
  insideQuote?: '"' | "'" | '`' | undefined;
  /** A markup file (html, vue, svelte, astro): the literal may be an attribute value. */
  markup: boolean;
  /** Whether the code around the literal names a `ctx` (a function's context). */
  hasCtx: boolean;
}

/** What replaces a moved literal. Never contains the value. */
export function replacementFor(r: ReplacementInput): string {
  if (r.kind === 'env') return '';
  const note = `${r.name} moved to CloudXLR API Keys`;
  if (r.kind === 'server') {
    const call = `await ctx.secrets.get("${r.name}")`;
    const expr = r.quoted
      ? call
      : r.insideQuote === '`'
        ? `\${${call}}`
        : r.insideQuote
          ? `${r.insideQuote} + (${call}) + ${r.insideQuote}`
          : call;
    return r.hasCtx || !r.quoted ? expr : `${expr} /* ctx: the handler's second parameter, (request, ctx) => … */`;
  }
  if (r.markup || !r.quoted) {
    const text = `[${note}]`;
    return r.quoted ? `"${text}"` : text;
  }
  return `undefined /* ${note}: call a Cloud Function that uses ctx.secrets.get("${r.name}") */`;
}

/** A Cloud Function's name for calls to a provider: "call-stripe", "call-openai". */
export function functionNameFor(provider: string): string {
  const slug = provider
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `call-${slug && slug !== 'unknown' && slug !== 'your-api-keys' ? slug : 'api'}`;
}

/** True when `ctx` is named as an identifier in the text before `offset` (up to 20,000 chars back). */
export function hasCtxBefore(text: string, offset: number): boolean {
  return /(?:^|[^A-Za-z0-9_$.])ctx\b/.test(text.slice(Math.max(0, offset - 20_000), offset));
}
