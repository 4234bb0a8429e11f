// Context that keeps the engine from crying wolf: public-by-design keys, placeholders,
// examples, masked or truncated values, environment lookups, template variables and
// references to a key by name. Every check is linear in the value's length.

/** Decodes a JWT's payload, or undefined when `token` is not a JWT with a JSON payload. */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1] || parts[1].length > 8000) return undefined;
  const json = Buffer.from(parts[1], 'base64url').toString('utf8');
  if (!json.startsWith('{') || !json.endsWith('}')) return undefined; // not JSON: skip the parse and its exception
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const ALGOLIA_APP_ID =
  /(?:appId|applicationId|application_id|app_id|APP_ID)["']?[ \t]{0,4}[:=][ \t]{0,4}["'][A-Z0-9]{10}["']/;

const FIREBASE_WORDS = [
  'authDomain',
  'messagingSenderId',
  'firebaseapp.com',
  'firebaseConfig',
  'storageBucket',
  'measurementId',
  'initializeApp',
  'FIREBASE_',
];

/** Google Maps JavaScript API keys are loaded by browsers by design (restricted by referrer). */
const MAPS_WORDS = [
  'maps.googleapis.com/maps/api/js',
  'googlemaps',
  'google.maps',
  'GoogleMap',
  'useJsApiLoader',
  'LoadScript',
  'APIProvider',
  'MAPS_API_KEY',
  'mapsApiKey',
  'MapsApiKey',
  'mapsKey',
];

/**
 * True when an `AIza…` key sits in a Firebase web config or loads the Google Maps JavaScript
 * API: both are public by design. Other `AIza…` keys (Gemini, server APIs) are secrets.
 */
export function inFirebaseConfig(text: string, start: number, end: number): boolean {
  const window = text.slice(Math.max(0, start - 400), Math.min(text.length, end + 400));
  if (/generativelanguage|GoogleGenerativeAI|GoogleGenAI|gemini/i.test(window)) return false;
  return FIREBASE_WORDS.some((w) => window.includes(w)) || MAPS_WORDS.some((w) => window.includes(w));
}

/**
 * Keys that are public by design and meant for browsers: Stripe publishable keys, Mapbox
 * public tokens, Supabase anon keys (decoded role) and publishable keys, Sentry DSNs, Algolia
 * search-only keys, Firebase web config keys, reCAPTCHA site keys, VAPID public keys.
 */
export function isPublicByDesign(value: string, name = '', text = '', start = 0, end = start): boolean {
  if (/^pk_(?:live|test)_/.test(value) || value.startsWith('pk.eyJ') || value.startsWith('sb_publishable_'))
    return true;
  // Browser agent and public keys by their prefix: New Relic browser, Flutterwave public, Mailgun public.
  if (/^(?:NRJS-|FLWPUBK(?:_TEST)?-|pubkey-)/.test(value)) return true;
  if (/^https?:\/\/[0-9a-f]{32}(?::[0-9a-f]{32})?@[^/\s]+\/[0-9]+$/.test(value)) return true; // Sentry DSN
  if (value.startsWith('eyJ')) {
    const payload = jwtPayload(value);
    if (payload && payload.role === 'anon') return true;
  }
  const lowerName = name.toLowerCase();
  if (/^AIza/.test(value) && (lowerName.includes('firebase') || inFirebaseConfig(text, start, end))) return true;
  if (/^[0-9a-f]{32}$/.test(value) && !/admin|write/.test(lowerName)) {
    const window = text.slice(Math.max(0, start - 400), end + 400);
    if (/search|algolia/.test(lowerName) || window.toLowerCase().includes('algolia')) return true;
    // An Algolia search key next to its application id (10 upper-case letters and digits), as
    // bundled by search widgets and package managers.
    if (ALGOLIA_APP_ID.test(window)) return true;
  }
  return false;
}

const PLACEHOLDER_WORDS =
  /example|placeholder|your[-_ ]?(?:api|own|secret|key|token|app|project|pass)|your[-_]|[-_]here(?:[-_]|$)|dummy|sample|changeme|change[-_]me|replace[-_ ]?(?:me|with|this)|insert[-_ ]|redacted|fake[-_]|not[-_]a[-_]real|notreal|xxxx|123456|987654|abc123|qwerty|abcdefghij/i;
const PLACEHOLDER_MARKS = /\*\*\*|•|…|\.\.\.|####|<[A-Za-z_ -]{1,40}>|\[[A-Za-z_ -]{1,40}\]|0000000000/;

/**
 * Placeholders, examples and masked or truncated values: `sk_live_xxx…`, `<YOUR_KEY>`,
 * `AKIAIOSFODNN7EXAMPLE`, `sk-****abcd`, `ghp_…1234`, values of one repeated character.
 */
export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value) || PLACEHOLDER_MARKS.test(value)) return true;
  // The random part of a real key uses many distinct characters.
  const body = value.replace(/^[A-Za-z]{1,12}[_.-]/, '');
  return body.length >= 8 && distinctChars(body, 7) < 7;
}

function distinctChars(s: string, cap: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < s.length && seen.size < cap; i++) seen.add(s[i] as string);
  return seen.size;
}

/**
 * Environment lookups, template variables and references to a key by name:
 * `${API_KEY}`, `{{ secrets.TOKEN }}`, `%API_KEY%`, `$API_KEY`, `process.env.X`,
 * `import.meta.env.X`, `ctx.secrets.get("X")`, `STRIPE_SECRET_KEY` (a name, not a value).
 */
export function isReference(value: string): boolean {
  if (/\$\{|\{\{|\{%|<%|%\(|#\{/.test(value)) return true;
  if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value) || /^%[A-Za-z_][A-Za-z0-9_]*%$/.test(value)) return true;
  if (/^(?:process\.env|import\.meta\.env|Deno\.env|Bun\.env|env)\b/.test(value)) return true;
  if (/secrets\.get\(|getenv\(|\benv\(/.test(value)) return true;
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value)) return true; // an UPPER_SNAKE name
  if (/^(?:vault|op|arn|projects|sm|secret|awssm|gcp|azkv):\/?\/?[A-Za-z]/.test(value) && /[:/]/.test(value.slice(2)))
    return true;
  return false;
}
