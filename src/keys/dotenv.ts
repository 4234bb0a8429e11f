// Reads .env files for import, and rewrites them with the imported values removed.
// Follows the dotenv format: `KEY=value`, optional `export `, # comments, single, double
// and back quotes, multi-line double-quoted values, inline comments after unquoted values.

import { PROVIDERS } from './providers';

export interface EnvEntry {
  name: string;
  value: string;
  /** 0-based line where the entry starts and the line after it ends. */
  startLine: number;
  endLine: number;
}

export interface EnvParseResult {
  entries: EnvEntry[];
  /** Lines that could not be read, as 1-based numbers (never their content: it may hold a value). */
  skippedLines: number[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(.*)$/;

export function parseEnv(text: string): EnvParseResult {
  const lines = text.split(/\r?\n/);
  const entries: EnvEntry[] = [];
  const skippedLines: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) {
      skippedLines.push(i + 1);
      continue;
    }
    const name = m[1]!;
    let rest = m[2]!.trimStart();
    const quote = rest[0];
    let value: string;
    const start = i;
    if (quote === '"' || quote === "'" || quote === '`') {
      rest = rest.slice(1);
      let collected = '';
      let closed = -1;
      for (;;) {
        closed = findClosingQuote(rest, quote);
        if (closed >= 0) {
          collected += rest.slice(0, closed);
          break;
        }
        // Only double quotes (and back quotes) may span lines.
        if (quote === "'" || i + 1 >= lines.length) break;
        collected += rest + '\n';
        i++;
        rest = lines[i]!;
      }
      if (closed < 0) {
        skippedLines.push(start + 1);
        continue;
      }
      value = quote === '"' ? unescapeDouble(collected) : collected;
    } else {
      const hash = rest.search(/\s#/);
      value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
    }
    entries.push({ name, value, startLine: start, endLine: i + 1 });
  }
  return { entries, skippedLines };
}

function findClosingQuote(s: string, quote: string): number {
  for (let j = 0; j < s.length; j++) {
    if (s[j] === '\\' && quote === '"') {
      j++;
      continue;
    }
    if (s[j] === quote) return j;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\([nrt"\\])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c] ?? c);
}

/**
 * The file's text with the named entries' values emptied (`NAME=`), keeping comments, order
 * and the names themselves, so the file still documents which variables the app expects.
 */
export function removeValues(text: string, names: ReadonlySet<string>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const { entries } = parseEnv(text);
  const drop = new Set<number>();
  const replace = new Map<number, string>();
  for (const e of entries) {
    if (!names.has(e.name)) continue;
    const exportPrefix = /^\s*export\s+/.test(lines[e.startLine]!) ? 'export ' : '';
    replace.set(e.startLine, `${exportPrefix}${e.name}=`);
    for (let l = e.startLine + 1; l < e.endLine; l++) drop.add(l);
  }
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (drop.has(i)) return;
    out.push(replace.get(i) ?? line);
  });
  return out.join(eol);
}

/** A key name accepted by the vault, derived from an env variable name, or undefined if none fits. */
export function vaultNameForEnv(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/**
 * Why a `.env` value looks like configuration rather than a secret (a URL without
 * credentials, a host, a flag, a number, a short or spaced value), or undefined when it may
 * be a secret. Import pre-selects only the possible secrets; the rest can still be chosen.
 */
export function notASecretReason(name: string, value: string): string | undefined {
  const v = value.trim();
  if (secretShaped(v)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v))
    return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i.test(v) ? undefined : 'a URL';
  if (/^(true|false|yes|no|on|off|enabled?|disabled?|null|none)$/i.test(v)) return 'a flag';
  if (/^[-+]?\d+(\.\d+)?$/.test(v)) return 'a number';
  if (/^(localhost|(\d{1,3}\.){3}\d{1,3}|[a-z0-9-]+(\.[a-z0-9-]+)+)(:\d+)?$/i.test(v) && !/\d{6,}/.test(v))
    return 'a host name';
  if (/\s/.test(v)) return 'text with spaces';
  const secretName =
    /(SECRET|TOKEN|PASSWORD|PASSWD|PASS$|PRIVATE|CREDENTIAL|API_?KEY|_KEY$|^KEY$|AUTH|SIGNING|WEBHOOK)/.test(
      name.toUpperCase(),
    );
  if (v.length < (secretName ? 8 : 16)) return 'a short value';
  if (!secretName && !/[0-9]/.test(v)) return 'a word, not a key';
  return undefined;
}

/** A value with a known provider's secret shape, or a credentialed connection URL. */
function secretShaped(v: string): boolean {
  return PROVIDERS.some((p) => p.secretShapes.some((s) => s.test(v)));
}
