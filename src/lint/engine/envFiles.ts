// `.env*` files: a secret in a variable that the build inlines into the browser bundle.
// Variables without a public prefix are not reported: the build keeps them on the server.

import { maskExcerpt } from '../../shared/secretText';
import { isPlaceholder, isPublicByDesign, isReference } from './context';
import { isSecretName, looksRandom } from './entropy';
import { ALL_RULES, META_RULES, NAMED_RULES, PROVIDER_RULES, type RuleMeta } from './rules';
import { knownValueTitle, PRIORITY, scanRegion } from './scanner';
import type { RawFinding, ScanOptions } from './types';

/** Prefixes whose variables are inlined into client bundles, and the tool that does it. */
export const PUBLIC_ENV_PREFIXES: ReadonlyArray<{ prefix: string; tool: string }> = [
  { prefix: 'NEXT_PUBLIC_', tool: 'Next.js' },
  { prefix: 'EXPO_PUBLIC_', tool: 'Expo' },
  { prefix: 'NUXT_PUBLIC_', tool: 'Nuxt' },
  { prefix: 'REACT_APP_', tool: 'Create React App' },
  { prefix: 'VUE_APP_', tool: 'Vue CLI' },
  { prefix: 'GATSBY_', tool: 'Gatsby' },
  { prefix: 'VITE_', tool: 'Vite' },
  { prefix: 'PUBLIC_', tool: 'SvelteKit and Astro' },
];

/** True for `.env`, `.env.local`, `.env.production`, … (by file name). */
export function isEnvFileName(fileName: string): boolean {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base === '.env' || base.startsWith('.env.');
}

export function publicPrefixOf(variable: string): { prefix: string; tool: string } | undefined {
  return PUBLIC_ENV_PREFIXES.find((p) => variable.startsWith(p.prefix) && variable.length > p.prefix.length);
}

const LINE = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]{0,200})[ \t]*=[ \t]*/;
const PUBLIC_ENV = META_RULES.find((r) => r.id === 'public-env-secret') as RuleMeta;
const BY_ID = new Map<string, RuleMeta>(ALL_RULES.map((r) => [r.id, r]));

/** Scans a `.env*` file; returns findings (unsorted, before ignore comments). */
export function scanEnvText(text: string, options: ScanOptions): RawFinding[] {
  const out: RawFinding[] = [];
  const disabled = new Set(options.disabledRules ?? []);
  if (disabled.has('public-env-secret')) return out;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const m = LINE.exec(line);
    const pub = m ? publicPrefixOf(m[1] as string) : undefined;
    if (m && pub) {
      const variable = m[1] as string;
      let vs = lineStart + m[0].length;
      let ve = lineStart + line.length;
      const q = text.charCodeAt(vs);
      if (q === 34 || q === 39) {
        const close = text.indexOf(String.fromCharCode(q), vs + 1);
        if (close > 0 && close <= ve) {
          vs += 1;
          ve = close;
        }
      } else {
        const hash = text.indexOf(' #', vs);
        if (hash >= 0 && hash < ve) ve = hash;
        while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
      }
      const found = classifyEnvValue(text, vs, ve, variable.slice(pub.prefix.length), options);
      if (found) {
        const varStart = lineStart + line.indexOf(variable);
        const excerpt = maskExcerpt(text.slice(vs, ve), found.keepPrefix);
        const bare = variable.slice(pub.prefix.length);
        out.push({
          ruleId: PUBLIC_ENV.id,
          severity: 'error',
          message: `${variable} holds ${found.title} (${excerpt}), and ${pub.tool} inlines every ${pub.prefix} variable into the browser bundle: anyone who loads the site can read it. Drop the ${pub.prefix} prefix so only server code sees it, or move the value to API Keys and make the call from a Cloud Function.`,
          provider: found.provider,
          suggestedKeyName: found.storedAs ?? bare,
          ...(found.storedAs ? { storedAs: found.storedAs } : {}),
          excerpt,
          start: vs,
          end: ve,
          replace: { start: vs, end: ve, quoted: false },
          env: { variable, prefix: pub.prefix, prefixStart: varStart, prefixEnd: varStart + pub.prefix.length },
          priority: PRIORITY.env,
        });
      }
    }
    lineStart = lineEnd + 1;
  }
  return out;
}

function classifyEnvValue(
  text: string,
  start: number,
  end: number,
  name: string,
  options: ScanOptions,
): { title: string; provider: string; keepPrefix: number; storedAs?: string } | undefined {
  if (end - start < 8) return undefined;
  const value = text.slice(start, end);
  if (isReference(value) || isPlaceholder(value) || isPublicByDesign(value, name, text, start, end)) return undefined;
  const inner: RawFinding[] = [];
  scanRegion(text, start, end, { ...options, kind: 'frontend' }, inner);
  const hit = inner.filter((f) => f.end <= end).sort((a, b) => b.priority - a.priority)[0];
  if (hit) {
    const meta = BY_ID.get(hit.ruleId);
    if (hit.ruleId === 'known-value') {
      const storedAs = hit.storedAs;
      return {
        title: lowerFirst(knownValueTitle(storedAs)),
        provider: hit.provider,
        keepPrefix: keepPrefixOf(hit.ruleId),
        ...(storedAs ? { storedAs } : {}),
      };
    }
    return {
      title: `a secret: ${meta?.title ?? 'a key'}`,
      provider: hit.provider,
      keepPrefix: keepPrefixOf(hit.ruleId),
    };
  }
  for (const rule of NAMED_RULES) {
    if (rule.name.test(name) && rule.value.test(value) && (!rule.near || name.toLowerCase().includes(rule.near))) {
      return { title: `a secret: ${rule.title}`, provider: rule.provider, keepPrefix: 0 };
    }
  }
  if (isSecretName(name) && looksRandom(value)) return { title: 'a likely secret', provider: 'unknown', keepPrefix: 0 };
  return undefined;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function keepPrefixOf(ruleId: string): number {
  return PROVIDER_RULES.find((r) => r.id === ruleId)?.keepPrefix ?? 0;
}
