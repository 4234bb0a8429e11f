// Sample texts for the rules and the labelled corpus. No secret is written down anywhere:
// a sample is a template whose {{slot}} parts are filled from a seeded PRNG, so the values are
// synthetic, format-valid (checksums included) and the same on every run.
import { base62, bech32Checksum, crc32 } from './checksums';

/** mulberry32: a small, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ALPHABETS: Record<string, string> = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  alpha: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  hex: '0123456789abcdef',
  hexah: '0123456789abcdefgh',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  upnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  lowernum: 'abcdefghijklmnopqrstuvwxyz0123456789',
  digits: '0123456789',
  b32: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
  b64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  b64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  bech: 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L',
};

/** What each slot looks like, for the documentation's example shapes. */
const SLOT_SHAPES: Record<string, string> = {
  alnum: 'letters/digits',
  alpha: 'letters',
  hex: 'hex',
  hexah: 'a–h/digits',
  upper: 'A–Z',
  upnum: 'A–Z/digits',
  lowernum: 'a–z/digits',
  digits: 'digits',
  b32: 'base32',
  b64: 'base64',
  b64url: 'base64url',
  bech: 'bech32',
};

/** The value every sample's known-values index holds ({{known}}). */
export const KNOWN_SAMPLE_VALUE = 'Kv8' + 'qZr2LmX9vB4nT7wYp3';

export function randomString(rand: () => number, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

const GITLAB_ROUTABLE_PREFIX: Record<string, string> = { pat: 'glpat-', rt: 'glrt-t1_' };

function gitlabRoutable(rand: () => number, prefix: string): string {
  const payload = `o:${randomString(rand, ALPHABETS.lowernum as string, 3)}\nu:${randomString(rand, ALPHABETS.lowernum as string, 4)}`;
  const random = Buffer.from(randomString(rand, ALPHABETS.alnum as string, 16), 'latin1');
  const body = b64url(Buffer.concat([Buffer.from(payload), random, Buffer.from([16])]));
  const head = `${prefix}${body}.${body.length.toString(36).padStart(2, '0')}`;
  return head + crc32(head).toString(36).padStart(7, '0');
}

function pypiMacaroon(rand: () => number): string {
  const id = Buffer.from(`{"nonce":"${randomString(rand, ALPHABETS.hex as string, 32)}","version":1}`);
  const caveat = Buffer.from(`[{"permissions":"user","version":1}]`);
  const parts = [
    Buffer.from([2, 1, 8]),
    Buffer.from('pypi.org'),
    Buffer.from([2, id.length]),
    id,
    Buffer.from([0]),
    Buffer.from([2, caveat.length]),
    caveat,
    Buffer.from([0, 0, 6, 32]),
    Buffer.from(randomString(rand, ALPHABETS.alnum as string, 32), 'latin1'),
  ];
  return 'pypi-' + b64url(Buffer.concat(parts));
}

/**
 * Fills a template's {{kind:arg}} slots: {{alnum:36}} (any alphabet above), {{uuid}},
 * {{jwt:role}}, {{b64json}}, {{pemlines}}, {{crc62}} (30 characters + base62 CRC-32, as in
 * GitHub and npm tokens), {{crchex}} (40 + hex CRC-32, Cloudflare), {{glsa}}, {{glroutable:pat}},
 * {{age}}, {{pypi}} and {{known}}.
 */
export function expand(template: string, rand: () => number): string {
  return template.replace(/\{\{([a-z0-9_]+)(?::([A-Za-z0-9_]+))?\}\}/g, (whole, kind: string, arg?: string) => {
    const alphabet = ALPHABETS[kind];
    if (alphabet) return randomString(rand, alphabet, Number(arg));
    switch (kind) {
      case 'uuid': {
        const h = () => randomString(rand, ALPHABETS.hex as string, 4);
        return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`;
      }
      case 'jwt': {
        const header = b64url('{"alg":"HS256","typ":"JWT"}');
        const payload = b64url(
          JSON.stringify({
            iss: 'supabase',
            ref: randomString(rand, ALPHABETS.lowernum as string, 20),
            role: arg,
            iat: 1700000000,
            exp: 2000000000,
          }),
        );
        return `${header}.${payload}.${randomString(rand, ALPHABETS.b64url as string, 43)}`;
      }
      case 'b64json':
        return b64url(
          JSON.stringify({
            u: randomString(rand, ALPHABETS.alnum as string, 12),
            a: randomString(rand, ALPHABETS.alnum as string, 24),
          }),
        );
      case 'pemlines': {
        const lines: string[] = [];
        for (let i = 0; i < 20; i++) lines.push(randomString(rand, ALPHABETS.b64 as string, 64));
        return lines.join('\n') + '\n';
      }
      case 'crc62': {
        const body = randomString(rand, ALPHABETS.alnum as string, 30);
        return body + base62(crc32(body), 6);
      }
      case 'crchex': {
        const body = randomString(rand, ALPHABETS.alnum as string, 40);
        return body + crc32(body).toString(16).padStart(8, '0');
      }
      case 'glsa': {
        const head = 'glsa_' + randomString(rand, ALPHABETS.alnum as string, 32);
        const be = crc32(head).toString(16).padStart(8, '0');
        return `${head}_${be.slice(6, 8)}${be.slice(4, 6)}${be.slice(2, 4)}${be.slice(0, 2)}`;
      }
      case 'glroutable':
        return gitlabRoutable(rand, GITLAB_ROUTABLE_PREFIX[arg ?? 'pat'] ?? 'glpat-');
      case 'age': {
        const data = randomString(rand, ALPHABETS.bech.toLowerCase(), 52);
        return `AGE-SECRET-KEY-1${data}${bech32Checksum('age-secret-key-', data)}`.toUpperCase();
      }
      case 'pypi':
        return pypiMacaroon(rand);
      case 'known':
        return KNOWN_SAMPLE_VALUE;
      default:
        throw new Error(`Unknown sample slot ${whole}`);
    }
  });
}

/** A template with its slots described instead of filled: `ghp_‹36 letters/digits›`. */
export function shapeOf(template: string): string {
  return template.replace(/\{\{([a-z0-9_]+)(?::([A-Za-z0-9_]+))?\}\}/g, (_whole, kind: string, arg?: string) => {
    const what = SLOT_SHAPES[kind];
    if (what) return `‹${arg} ${what}›`;
    switch (kind) {
      case 'crc62':
        return '‹30 letters/digits›‹6 base62 CRC-32›';
      case 'crchex':
        return '‹40 letters/digits›‹8 hex CRC-32›';
      case 'glsa':
        return 'glsa_‹32 letters/digits›_‹8 hex CRC-32›';
      case 'glroutable':
        return `${GITLAB_ROUTABLE_PREFIX[arg ?? 'pat'] ?? 'glpat-'}‹base64url payload›.‹2 length›‹7 base36 CRC-32›`;
      case 'age':
        return 'AGE-SECRET-KEY-1‹52 bech32›‹6 bech32 checksum›';
      case 'pypi':
        return 'pypi-AgEIcHlwaS5vcmc‹base64url macaroon›';
      case 'uuid':
        return '‹UUID›';
      case 'jwt':
        return '‹JWT›';
      case 'pemlines':
        return '‹base64 lines›';
      default:
        return `‹${kind}›`;
    }
  });
}
