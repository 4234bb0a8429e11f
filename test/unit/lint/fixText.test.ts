// The editor's quick-fix texts and the composition of debounced edits (src/lint/fixText.ts).
import * as assert from 'assert';
import { IncrementalScanner, scanText } from '../../../src/lint/engine';
import {
  commentStyleAt,
  composeChanges,
  enclosingQuote,
  functionNameFor,
  hasCtxBefore,
  ignoreFileInsertion,
  ignoreNextLineText,
  jsxAwareStyle,
  replacementFor,
} from '../../../src/lint/fixText';
import type { TextChange } from '../../../src/lint/engine';

function apply(text: string, c: TextChange, inserted: string): string {
  assert.strictEqual(inserted.length, c.newEnd - c.start);
  return text.slice(0, c.start) + inserted + text.slice(c.oldEnd);
}

describe('editor fixes: composing edits', () => {
  // A seeded pseudo-random sequence of edits, composed one by one, equals one replacement.
  it('composes random edit sequences into one change that yields the same text', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const original = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(1 + rnd(3));
      let text = original;
      let composed: TextChange | undefined;
      for (let k = 0; k < 1 + rnd(6); k++) {
        const start = rnd(text.length + 1);
        const oldEnd = start + rnd(Math.min(6, text.length - start) + 1);
        const inserted = 'XYZ!'.slice(0, rnd(5));
        const change = { start, oldEnd, newEnd: start + inserted.length };
        text = apply(text, change, inserted);
        composed = composeChanges(composed, change);
      }
      const c = composed!;
      assert.strictEqual(
        original.slice(0, c.start) + text.slice(c.start, c.newEnd) + original.slice(c.oldEnd),
        text,
        `round ${round}`,
      );
    }
  });

  it('feeds the incremental scanner: findings equal a full scan after composed edits', () => {
    const key = 'sk_live_' + '51Hx9QvLkZpTtWc3RmYbNd7Ae2xYz';
    const before = 'const a = 1;\n'.repeat(200) + 'const greeting = "hi";\n' + 'let b = 2;\n'.repeat(200);
    const scanner = new IncrementalScanner({});
    scanner.reset(before);
    let text = before;
    let composed: TextChange | undefined;
    const at = text.indexOf('"hi"');
    const edits: Array<[number, number, string]> = [
      [at + 1, at + 3, key],
      [0, 0, '// top\n'],
      [text.length + 7 + key.length - 2, text.length + 7 + key.length - 2, '\n'],
    ];
    for (const [s, e, ins] of edits) {
      const change = { start: s, oldEnd: e, newEnd: s + ins.length };
      text = apply(text, change, ins);
      composed = composeChanges(composed, change);
    }
    assert.ok(scanner.applyChange(text, composed!));
    assert.deepStrictEqual(scanner.findings(), scanText(text));
    assert.strictEqual(scanner.findings().length, 1);
  });
});

describe('editor fixes: comments', () => {
  it('uses the comment syntax of the file and of the place in it', () => {
    assert.strictEqual(commentStyleAt('/w/app.ts', 'const a = 1;', 5), 'slash');
    assert.strictEqual(commentStyleAt('/w/.env.local', 'A=1', 0), 'hash');
    assert.strictEqual(commentStyleAt('/w/.env', 'A=1', 0), 'hash');
    const html = '<div data-k="x"></div>\n<script>\nconst k = "v";\n</script>\n<p>after</p>';
    assert.strictEqual(commentStyleAt('/w/index.html', html, html.indexOf('data-k')), 'html');
    assert.strictEqual(commentStyleAt('/w/index.html', html, html.indexOf('const k')), 'slash');
    assert.strictEqual(commentStyleAt('/w/App.vue', html, html.indexOf('after')), 'html');
    const astro = '---\nconst k = "v";\n---\n<p>{k}</p>';
    assert.strictEqual(commentStyleAt('/w/page.astro', astro, astro.indexOf('const')), 'slash');
    assert.strictEqual(commentStyleAt('/w/page.astro', astro, astro.indexOf('<p>')), 'html');
  });

  it('writes ignore comments the engine honours, indented like the line', () => {
    const line = '    const key = "sk_live_' + '51Hx9QvLkZpTtWc3RmYbNd7Ae2xYz";';
    const ignored = ignoreNextLineText('slash', line) + line;
    assert.strictEqual(ignored.split('\n')[0], '    // cloudxlr-ignore-next-line');
    assert.strictEqual(scanText(line).length, 1);
    assert.deepStrictEqual(scanText(ignored), []);
    assert.strictEqual(ignoreNextLineText('html', '<div>'), '<!-- cloudxlr-ignore-next-line -->\n');
    assert.strictEqual(ignoreNextLineText('hash', 'A=1'), '# cloudxlr-ignore-next-line\n');
  });

  it('uses a JSX comment among JSX children, // elsewhere in .jsx/.tsx', () => {
    assert.strictEqual(jsxAwareStyle('/w/App.tsx', 'slash', '  <div>', '    <Map token="x" />'), 'jsx');
    assert.strictEqual(jsxAwareStyle('/w/App.tsx', 'slash', '  return (', '    <Map token="x" />'), 'slash');
    assert.strictEqual(jsxAwareStyle('/w/App.tsx', 'slash', '    <Map', '      token="x"'), 'slash');
    assert.strictEqual(jsxAwareStyle('/w/app.js', 'slash', '  <div>', '    <Map token="x" />'), 'slash');
    const line = '    <Map token="sk_live_' + '51Hx9QvLkZpTtWc3RmYbNd7Ae2xYz" />';
    const ignored = ignoreNextLineText('jsx', line) + line;
    assert.strictEqual(ignored.split('\n')[0], '    {/* cloudxlr-ignore-next-line */}');
    assert.deepStrictEqual(scanText(ignored), []);
  });

  it('puts the file comment at the top, after a shebang, inside Astro frontmatter', () => {
    assert.deepStrictEqual(ignoreFileInsertion('/w/a.js', 'const a = 1;'), {
      offset: 0,
      text: '// cloudxlr-ignore-file\n',
    });
    assert.deepStrictEqual(ignoreFileInsertion('/w/a.js', '#!/usr/bin/env node\nx'), {
      offset: 20,
      text: '// cloudxlr-ignore-file\n',
    });
    assert.deepStrictEqual(ignoreFileInsertion('/w/index.html', '<html>'), {
      offset: 0,
      text: '<!-- cloudxlr-ignore-file -->\n',
    });
    assert.deepStrictEqual(ignoreFileInsertion('/w/.env', 'A=1'), { offset: 0, text: '# cloudxlr-ignore-file\n' });
    assert.deepStrictEqual(ignoreFileInsertion('/w/p.astro', '---\nconst a = 1;\n---\n'), {
      offset: 4,
      text: '// cloudxlr-ignore-file\n',
    });
  });
});

describe('editor fixes: what replaces a moved literal', () => {
  const base = { name: 'STRIPE_SECRET_KEY', markup: false, hasCtx: true };

  it('reads the key with ctx.secrets.get in a function', () => {
    assert.strictEqual(
      replacementFor({ ...base, kind: 'server', quoted: true }),
      'await ctx.secrets.get("STRIPE_SECRET_KEY")',
    );
    assert.strictEqual(
      replacementFor({ ...base, kind: 'server', quoted: false, insideQuote: '`' }),
      '${await ctx.secrets.get("STRIPE_SECRET_KEY")}',
    );
    assert.strictEqual(
      replacementFor({ ...base, kind: 'server', quoted: false, insideQuote: '"' }),
      '" + (await ctx.secrets.get("STRIPE_SECRET_KEY")) + "',
    );
    assert.match(
      replacementFor({ ...base, kind: 'server', quoted: true, hasCtx: false }),
      /^await ctx\.secrets\.get\("STRIPE_SECRET_KEY"\) \/\* ctx: .* \*\/$/,
    );
  });

  it('leaves a clear stub in frontend code, and keeps markup valid', () => {
    const stub = replacementFor({ ...base, kind: 'frontend', quoted: true });
    assert.match(
      stub,
      /^undefined \/\* STRIPE_SECRET_KEY moved to CloudXLR API Keys: call a Cloud Function that uses ctx\.secrets\.get\("STRIPE_SECRET_KEY"\) \*\/$/,
    );
    assert.strictEqual(
      replacementFor({ ...base, kind: 'frontend', quoted: true, markup: true }),
      '"[STRIPE_SECRET_KEY moved to CloudXLR API Keys]"',
    );
    assert.strictEqual(
      replacementFor({ ...base, kind: 'frontend', quoted: false }),
      '[STRIPE_SECRET_KEY moved to CloudXLR API Keys]',
    );
    // The stub itself is not a finding.
    assert.deepStrictEqual(scanText(`const stripe = ${stub};`), []);
  });

  it('empties the value in a .env file', () => {
    assert.strictEqual(replacementFor({ ...base, kind: 'env', quoted: true }), '');
  });

  it('finds the string around a value and a ctx before it', () => {
    assert.strictEqual(enclosingQuote('headers: { Authorization: "Bearer sk-abc" }', 35), '"');
    assert.strictEqual(enclosingQuote('const a = `x ${y} sk-abc`', 20), '`');
    assert.strictEqual(enclosingQuote('const a = "it\\"s" + sk', 21), undefined);
    assert.strictEqual(enclosingQuote('// "quoted sk-abc', 12), undefined);
    assert.ok(hasCtxBefore('export default async (req, ctx) => {\n  const k = ', 48));
    assert.ok(!hasCtxBefore('export default async (req) => {\n  const k = ', 44));
    assert.ok(!hasCtxBefore('const a = foo.ctx; ', 19));
  });

  it('names the scaffolded function after the provider', () => {
    assert.strictEqual(functionNameFor('Stripe'), 'call-stripe');
    assert.strictEqual(functionNameFor('PayPal / Braintree'), 'call-paypal-braintree');
    assert.strictEqual(functionNameFor('unknown'), 'call-api');
    assert.strictEqual(functionNameFor('Your API Keys'), 'call-api');
  });
});
