// docs/rules.md is generated from the rules, so the two cannot drift (test/unit/lint/cli.test.ts
// compares them). After changing a rule, regenerate it with `npm run docs:rules`.
import * as fs from 'fs';
import * as path from 'path';
import { ALL_RULES, NAMED_RULES, PROVIDER_RULES, type RuleMeta, type Sample } from './engine/rules';
import { shapeOf } from './engine/samples';

function kind(id: string): string {
  return PROVIDER_RULES.some((r) => r.id === id)
    ? 'value'
    : NAMED_RULES.some((r) => r.id === id)
      ? 'value + name'
      : 'context';
}

/** Severity in frontend code / in Cloud Functions. */
function severity(r: RuleMeta): string {
  if (r.id === 'generic-secret') return 'warning / warning';
  if (r.id === 'public-env-secret') return 'error (`.env*`)';
  return 'error / warning';
}

/** The first positive sample's value with its random parts described, never filled in. */
export function exampleShape(r: RuleMeta): string {
  const first: Sample | undefined = r.samples.positive[0];
  if (first === undefined || r.id === 'known-value') return '';
  const text = typeof first === 'string' ? first : first.text;
  const quoted =
    /createClient\("(.*)"\);$/.exec(text) ?? /"([^"]*\{\{[^"]*)"/.exec(text) ?? /`([^`]*\{\{[^`]*)`/.exec(text);
  const value = quoted ? (quoted[1] as string) : (text.split('\n').find((l) => l.includes('{{')) ?? text).trim();
  const shape = shapeOf(value.replace(/\\n/g, ' '));
  return shape.length > 140 ? shape.slice(0, 137) + '…' : shape;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

function fix(r: RuleMeta): string | undefined {
  return r.id === 'known-value'
    ? 'The value is already stored in API Keys: replace the literal with a call to a Cloud Function that reads it with `ctx.secrets.get("NAME")`, and rotate the key if the file was ever committed or deployed.\n\n'
    : undefined;
}

export function rulesMarkdown(): string {
  let s = `# Linter rules

Every finding of the CloudXLR linter names one of these rules. The editor links each
diagnostic here, the command line prints the rule id, and SARIF output points each rule's
\`helpUri\` at its section. How to run the scanner in CI and pre-commit hooks: [scan.md](scan.md).

**Where a finding appears and how severe it is**

- Frontend code (the \`frontend\` globs of \`cloudxlr.json\`; by default js, ts, jsx, tsx, mjs, cjs,
  html, vue, svelte, astro): an **error**, because the file ships to the browser and anyone can
  read the value. \`generic-secret\` is a **warning** (it is a judgement, not a format).
- Server code in the functions folder: a **warning** with the fix: store the value in API Keys
  and read it with \`ctx.secrets.get("NAME")\`.
- \`.env*\` files: only variables with a public prefix are reported (\`public-env-secret\`).

**What is not reported** (each case is in the test corpus as a hard negative)

- Public-by-design keys: Stripe \`pk_live_\`/\`pk_test_\`, Mapbox \`pk.eyJ…\`, Supabase anon keys (the
  JWT payload is decoded and its \`role\` is \`anon\`) and \`sb_publishable_\` keys, Firebase web
  config \`apiKey\` (an \`AIza…\` key next to \`authDomain\`, \`messagingSenderId\`, \`initializeApp\`…),
  Algolia search-only keys, Sentry DSNs, reCAPTCHA site keys, VAPID public keys, public keys and
  certificates.
- Placeholders and examples (\`sk_live_xxxx…\`, \`<YOUR_API_KEY>\`, \`AKIAIOSFODNN7EXAMPLE\`,
  \`changeme\`, values of one repeated character), masked or truncated values (\`sk_live_••••4242\`,
  \`sk-…abcd\`, \`sk-proj-...\`, prefixes alone).
- Environment lookups (\`process.env.X\`, \`import.meta.env.X\`, \`Deno.env.get("X")\`), template
  variables (\`\${token}\`, \`{{ secrets.X }}\`, \`%X%\`, \`$X\`, \`<%= x %>\`) and references to a key by
  name (\`ctx.secrets.get("X")\`, \`"STRIPE_SECRET_KEY"\`, \`vault://…\`, \`arn:aws:secretsmanager:…\`).
- Binary files (a NUL byte, or more than 10% invalid UTF-8 in the first 8 KB).

**Silencing a finding** (in any comment syntax: \`//\`, \`#\`, \`/* */\`, \`<!-- -->\`)

| comment | effect |
|---|---|
| \`cloudxlr-ignore-line\` | no findings on the line that holds the comment |
| \`cloudxlr-ignore-next-line\` | no findings on the following line |
| \`cloudxlr-ignore-file\` | no findings anywhere in the file |

Prefer rotating the key and moving it to API Keys: an ignored secret is still readable by
everyone who loads the page.

**Adding a rule**: rules live in \`src/lint/engine/rules/\`, one file per kind of service. A rule
has a literal anchor per pattern (the prefilter finds anchors in one pass, whatever the number
of rules), a bounded regular expression, a checksum or decode check where the format has one,
and its own positive and negative samples: templates whose random parts are generated
(\`ghp_{{crc62}}\`, \`sk_live_{{alnum:24}}\`), so no key is written in the source. Each sample
is a test of its own (\`test/unit/lint/rules.test.ts\`). Then run \`npm run docs:rules\`.

**Detected by**: \`value\` rules recognise the secret from its value alone, wherever it is written
(checksums are verified where the format carries one); \`value + name\` rules need the name it
is assigned to or the provider named nearby; \`context\` rules are described in their section.
Severity is given for frontend code / Cloud Functions. Example shapes describe the random parts
(‹36 letters/digits›) and never show a value.

| rule | provider | severity | detected by | example shape |
|---|---|---|---|---|
`;
  for (const r of ALL_RULES) {
    const shape = exampleShape(r);
    s += `| [\`${r.id}\`](#${r.id}) | ${cell(r.provider)} | ${severity(r)} | ${kind(r.id)} | ${shape ? `\`${cell(shape)}\`` : ''} |\n`;
  }
  s += '\n';
  for (const r of ALL_RULES) {
    const shape = exampleShape(r);
    s += `<a id="${r.id}"></a>\n## ${r.id}\n\n**${r.title}** (${r.provider}). ${r.description}\n\n`;
    s += `Severity: ${severity(r)}. Detected by: ${kind(r.id)}.${shape ? ` Example shape: \`${shape}\`.` : ''}\n\n`;
    s +=
      fix(r) ??
      `Suggested key name: \`${r.keyName}\`. Fix: rotate the key if it was ever committed or deployed, store the new value in the API Keys view, and call the provider from a Cloud Function that reads it with \`ctx.secrets.get("${r.keyName}")\`.\n\n`;
  }
  return s.replace(/\n+$/, '\n');
}

export function writeRulesDoc(file: string): void {
  fs.writeFileSync(file, rulesMarkdown());
}

// `npm run docs:rules` regenerates the committed file.
if (require.main === module) {
  const file = path.resolve(__dirname, '../../../docs/rules.md');
  writeRulesDoc(file);
  console.log(`wrote ${path.relative(process.cwd(), file)} (${ALL_RULES.length} rules)`);
}
