// docs/rules.md is generated from the rules, so the two cannot drift
// (test/unit/lint/cli.test.ts compares them). After changing a rule, regenerate it with:
//   npx tsc -p . && node -e "require('./out/src/lint/ruleDocs').writeRulesDoc('docs/rules.md')"
import * as fs from 'fs';
import { ALL_RULES, NAMED_RULES, PROVIDER_RULES, type RuleMeta } from './engine/rules';

function kind(id: string): string {
  return PROVIDER_RULES.some((r) => r.id === id) ? 'provider format' : NAMED_RULES.some((r) => r.id === id) ? 'format + name' : 'context';
}

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

| rule | provider | detected by |
|---|---|---|
`;
  for (const r of ALL_RULES) s += `| [\`${r.id}\`](#${r.id}) | ${r.provider} | ${kind(r.id)} |\n`;
  s += '\n';
  for (const r of ALL_RULES) {
    s += `<a id="${r.id}"></a>\n## ${r.id}\n\n**${r.title}** (${r.provider}). ${r.description}\n\n`+(fix(r) ?? `Suggested key name: \`${r.keyName}\`. Fix: rotate the key if it was ever committed or deployed, store the new value in the API Keys view, and call the provider from a Cloud Function that reads it with \`ctx.secrets.get("${r.keyName}")\`.\n\n`);
  }
  return s.replace(/\n+$/, '\n');
}

export function writeRulesDoc(file: string): void {
  fs.writeFileSync(file, rulesMarkdown());
}
