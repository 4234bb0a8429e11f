// The generic rule: a random-looking string assigned to a secret-sounding name.
//
// Threshold, measured (test/unit/lint/corpus, `ENTROPY_REPORT=1 npx mocha out/test/unit/lint/corpus.test.js`):
// see ENTROPY_THRESHOLD below for the figures and the reasoning.

/** Shannon entropy of the characters of `s`, in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Minimum entropy (bits per character) of a generic secret. The empirical entropy of a
 * string cannot exceed log2(length), so short values are held to a bar scaled to their length:
 * `min(ENTROPY_THRESHOLD, log2(length) - ENTROPY_SHORT_MARGIN)`.
 *
 * Measured on the labelled corpus (values that reach the entropy test, i.e. 16+ characters
 * with letters and digits, assigned to secret-sounding names):
 *   true secrets:   min 3.52, p5 3.77, median 4.50 bits/char (hex tokens ~3.6–3.9, base62 4.3–5.4)
 *   hard negatives: max 3.27, p95 3.19, median 2.97 bits/char (version strings, hashes of
 *                   words, ids such as "user-2024-profile-v2", i18n keys with digits)
 * A threshold of 3.4 sits in the gap; 32-hex-digit keys (max entropy 4.0, typically 3.6–3.8)
 * stay above it.
 */
export const ENTROPY_THRESHOLD = 3.4;
export const ENTROPY_SHORT_MARGIN = 0.6;
export const GENERIC_MIN_LENGTH = 16;
export const GENERIC_MAX_LENGTH = 1024;

export function entropyBar(length: number): number {
  return Math.min(ENTROPY_THRESHOLD, Math.log2(length) - ENTROPY_SHORT_MARGIN);
}

const STRONG_WORDS = new Set([
  'secret', 'secrets', 'password', 'passwd', 'pwd', 'pass', 'passphrase', 'token', 'apikey', 'credential', 'credentials',
  'privatekey', 'accesskey', 'secretkey', 'authtoken', 'auth', 'authorization', 'bearer', 'clientsecret', 'signingkey',
]);
/** Words that make a name about something other than a secret value. */
const WEAK_WORDS = new Set([
  'public', 'publishable', 'pub', 'anon', 'site', 'name', 'names', 'id', 'ids', 'url', 'uri', 'urls', 'endpoint', 'host',
  'path', 'file', 'filename', 'type', 'types', 'length', 'len', 'size', 'count', 'min', 'max', 'prefix', 'suffix', 'header',
  'field', 'param', 'params', 'label', 'placeholder', 'storage', 'cache', 'event', 'events', 'regex', 'regexp', 'pattern',
  'input', 'icon', 'error', 'errors', 'message', 'msg', 'text', 'title', 'hint', 'description', 'format', 'mode', 'policy',
  'expires', 'expiry', 'expiration', 'ttl', 'timeout', 'page', 'route', 'column', 'index', 'limit', 'button', 'modal',
  'form', 'validation', 'strength', 'visible', 'show', 'hidden', 'toggle', 'reset', 'forgot', 'confirm', 'lifetime',
  'location', 'version', 'key_id', 'kid', 'hash', 'digest', 'checksum', 'fingerprint', 'integrity', 'nonce', 'salt',
  'csrf', 'xsrf', 'test', 'mock', 'fixture', 'provider', 'method', 'scheme', 'scope', 'scopes', 'audience', 'issuer',
  'algorithm', 'alg', 'encoding', 'tokenizer', 'template', 'selector', 'class', 'style', 'color', 'font', 'image', 'img',
  'rule', 'rules', 'status', 'state', 'query', 'route', 'link', 'href', 'src', 'domain', 'region', 'bucket', 'project',
  'sender', 'recaptcha', 'vapid', 'dsn', 'keyboard', 'author', 'property', 'attribute', 'attr', 'paths',
]);

/** Splits `apiKey`, `API_KEY`, `x-api-key`, `config.apiKey` into lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** True when `name` says it holds a secret: `apiKey`, `STRIPE_SECRET`, `authToken`, `x-api-key`. */
export function isSecretName(name: string): boolean {
  // The last dotted part decides: `config.secrets.url` is a URL.
  const last = name.split('.').pop() ?? name;
  const words = nameWords(last);
  if (words.length === 0) return false;
  if (words.some((w) => WEAK_WORDS.has(w))) return false;
  if (words.some((w) => STRONG_WORDS.has(w))) return true;
  // `key` as the last word after a qualifier: stripeKey, OPENAI_KEY, x-api-key, mapsKey.
  const n = words.length;
  if (n >= 2 && (words[n - 1] === 'key' || words[n - 1] === 'keys')) return true;
  return false;
}

/** True when `value` looks random enough to be a generated secret. */
export function looksRandom(value: string): boolean {
  const n = value.length;
  if (n < GENERIC_MIN_LENGTH || n > GENERIC_MAX_LENGTH) return false;
  let letters = 0;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c <= 32 || c > 126) return false; // whitespace or non-ASCII: prose, not a key
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c >= 48 && c <= 57) digits++;
  }
  if (letters === 0 || digits === 0) return false;
  if (value.includes('://') || /^(?:\.{0,2}\/|data:|#|@)/.test(value)) return false; // URLs, paths, data URIs, colours
  if (/\.(?:js|mjs|cjs|ts|tsx|jsx|json|css|scss|html|png|jpe?g|gif|svg|webp|ico|woff2?|map|md|txt|ya?ml)$/i.test(value)) return false;
  if (/^[0-9]+(?:[.-][0-9A-Za-z]+)*$/.test(value) && /^[0-9.\-]+(?:-[a-z]+\.?[0-9]*)?$/.test(value)) return false; // versions
  if (/^[a-z]+(?:[-_.][a-z0-9]+)+$/.test(value) && (value.match(/[-_.]/g)?.length ?? 0) >= 2) return false; // slugs, i18n keys
  return shannonEntropy(value) >= entropyBar(n);
}
