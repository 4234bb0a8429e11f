// The generic rule: a random-looking string assigned to a secret-sounding name.
//
// How the entropy threshold was chosen (measured, not guessed). Reproduce with
// `npm run compile-tests && node out/test/unit/lint/entropyReport.js`.
//
// 1. Random tokens, 20,000 simulated per alphabet and length (seeded), Shannon bits/char:
//      hex16   p0.1 2.48  p1 2.68  median 3.20      alnum16 p0.1 3.20  p1 3.33  median 3.75
//      hex32   p0.1 3.12  p1 3.26  median 3.62      alnum24 p0.1 3.72  p1 3.86  median 4.25
//      hex40   p0.1 3.27  p1 3.40  median 3.71      alnum32 p0.1 4.08  p1 4.20  median 4.54
//    The bar keeps 99.9% of each: min(3.4, log2(n) − 0.9) for mixed alphabets, and
//    min(3.0, log2(n) − 1.5) for hex-only values.
// 2. The labelled corpus, 3 seeds (values reaching the entropy test after the shape checks):
//      generic secrets   n=48  min 3.43  p5 3.59  median 4.49
//      hard negatives    n=18  min 3.63  median 4.65  (public keys, hashes, masked keys:
//                                                    rejected by name and context, not entropy)
// 3. 345 string literals of real library code that pass the shape checks (typescript.js,
//    mocha, esbuild-wasm, playwright): median 3.84. Kept by a threshold of 3.3: 96.2%;
//    3.4: 95.4%; 3.5: 91.6% but it loses 2.1% of the corpus secrets; 3.6 loses 6.2%.
// Conclusion: entropy only rejects low-randomness values (sequences, words with a number);
// the secret-sounding name and the shape checks do most of the work, so the threshold is set
// as high as it can be without losing random tokens: 3.4 bits/char.

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

/** Minimum entropy (bits per character) of a generic secret of a mixed alphabet; see above. */
export const ENTROPY_THRESHOLD = 3.4;
/** Minimum entropy of a hex-only value (a hex alphabet cannot exceed 4 bits per character). */
export const HEX_ENTROPY_THRESHOLD = 3.0;
export const ENTROPY_SHORT_MARGIN = 0.9;
export const HEX_SHORT_MARGIN = 1.5;
export const GENERIC_MIN_LENGTH = 16;
export const GENERIC_MAX_LENGTH = 1024;

/** The entropy a value must reach: short values cannot reach log2(length) bits per character. */
export function entropyBar(length: number, hexOnly = false): number {
  return hexOnly
    ? Math.min(HEX_ENTROPY_THRESHOLD, Math.log2(length) - HEX_SHORT_MARGIN)
    : Math.min(ENTROPY_THRESHOLD, Math.log2(length) - ENTROPY_SHORT_MARGIN);
}

const STRONG_WORDS = new Set([
  'secret',
  'secrets',
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'token',
  'apikey',
  'credential',
  'credentials',
  'privatekey',
  'accesskey',
  'secretkey',
  'authtoken',
  'auth',
  'authorization',
  'bearer',
  'clientsecret',
  'signingkey',
]);
/** Words that make a name about something other than a secret value. */
const WEAK_WORDS = new Set([
  'public',
  'publishable',
  'pub',
  'anon',
  'site',
  'name',
  'names',
  'id',
  'ids',
  'url',
  'uri',
  'urls',
  'endpoint',
  'host',
  'path',
  'file',
  'filename',
  'type',
  'types',
  'length',
  'len',
  'size',
  'count',
  'min',
  'max',
  'prefix',
  'suffix',
  'header',
  'field',
  'param',
  'params',
  'label',
  'placeholder',
  'storage',
  'cache',
  'event',
  'events',
  'regex',
  'regexp',
  'pattern',
  'input',
  'icon',
  'error',
  'errors',
  'message',
  'msg',
  'text',
  'title',
  'hint',
  'description',
  'format',
  'mode',
  'policy',
  'expires',
  'expiry',
  'expiration',
  'ttl',
  'timeout',
  'page',
  'route',
  'column',
  'index',
  'limit',
  'button',
  'modal',
  'form',
  'validation',
  'strength',
  'visible',
  'show',
  'hidden',
  'toggle',
  'reset',
  'forgot',
  'confirm',
  'lifetime',
  'location',
  'version',
  'key_id',
  'kid',
  'hash',
  'digest',
  'checksum',
  'fingerprint',
  'integrity',
  'nonce',
  'salt',
  'csrf',
  'xsrf',
  'test',
  'mock',
  'fixture',
  'provider',
  'method',
  'scheme',
  'scope',
  'scopes',
  'audience',
  'issuer',
  'algorithm',
  'alg',
  'encoding',
  'tokenizer',
  'template',
  'selector',
  'class',
  'style',
  'color',
  'font',
  'image',
  'img',
  'rule',
  'rules',
  'status',
  'state',
  'query',
  'route',
  'link',
  'href',
  'src',
  'domain',
  'region',
  'bucket',
  'project',
  'sender',
  'recaptcha',
  'vapid',
  'dsn',
  'keyboard',
  'author',
  'property',
  'attribute',
  'attr',
  'paths',
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
  return (
    hasSecretShape(value) && shannonEntropy(value) >= entropyBar(value.length, /^(?:[0-9a-f]+|[0-9A-F]+)$/.test(value))
  );
}

/**
 * The shape checks before the entropy test: 16–1024 printable ASCII characters without
 * spaces, letters and digits, not a URL, path, file name, version, slug or i18n key.
 */
export function hasSecretShape(value: string): boolean {
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
  if (/\.(?:js|mjs|cjs|ts|tsx|jsx|json|css|scss|html|png|jpe?g|gif|svg|webp|ico|woff2?|map|md|txt|ya?ml)$/i.test(value))
    return false;
  if (/^[0-9]+(?:[.-][0-9A-Za-z]+)*$/.test(value) && /^[0-9.\-]+(?:-[a-z]+\.?[0-9]*)?$/.test(value)) return false; // versions
  if (/^[a-z]+(?:[-_.][a-z0-9]+)+$/.test(value) && (value.match(/[-_.]/g)?.length ?? 0) >= 2) return false; // slugs, i18n keys
  if (looksLikeWords(value, digits)) return false;
  return true;
}

/**
 * Identifiers made of words, such as "FlowPasswordRequiredResultV2": long lower-case runs,
 * vowels as often as in English, few digits. Random tokens have short runs (case flips every
 * two characters or so) and about one vowel in five letters. Found by scanning 75 MB of
 * node_modules, where such names were the generic rule's only false positives.
 */
function looksLikeWords(value: string, digits: number): boolean {
  if (digits > value.length * 0.15) return false;
  let runs = 0;
  let lower = 0;
  let vowels = 0;
  let inRun = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const isLower = c >= 97 && c <= 122;
    if (isLower) {
      lower++;
      if (c === 97 || c === 101 || c === 105 || c === 111 || c === 117) vowels++;
      if (!inRun) runs++;
    }
    inRun = isLower;
  }
  return runs > 0 && lower / runs >= 3 && vowels / lower >= 0.3;
}
