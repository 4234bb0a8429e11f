// The labelled corpus: test/unit/lint/corpus/{positives,negatives}.json. Secrets are not
// committed: each case is a template whose {{…}} slots are filled from a seeded PRNG, so the
// values are format-valid, synthetic and the same on every run.
import * as fs from 'fs';
import * as path from 'path';

export interface CorpusCase {
  id: string;
  file: string;
  text: string;
  expect: string[];
}

/** The repository root, from out/test/unit/lint or test/unit/lint. */
export const REPO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../../..' : '../../..');
export const CORPUS_DIR = path.join(REPO_ROOT, 'test/unit/lint/corpus');

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

const ALPHABETS: Record<string, string> = {
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

export function randomString(rand: () => number, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Fills a template's {{kind:arg}} slots. */
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
        const payload = b64url(JSON.stringify({ iss: 'supabase', ref: randomString(rand, ALPHABETS.lowernum as string, 20), role: arg, iat: 1700000000, exp: 2000000000 }));
        return `${header}.${payload}.${randomString(rand, ALPHABETS.b64url as string, 43)}`;
      }
      case 'b64json':
        return b64url(JSON.stringify({ u: randomString(rand, ALPHABETS.alnum as string, 12), a: randomString(rand, ALPHABETS.alnum as string, 24) }));
      case 'pemlines': {
        const lines: string[] = [];
        for (let i = 0; i < 20; i++) lines.push(randomString(rand, ALPHABETS.b64 as string, 64));
        return lines.join('\n') + '\n';
      }
      default:
        throw new Error(`Unknown corpus slot ${whole}`);
    }
  });
}

export function loadCorpus(name: 'positives' | 'negatives', seed: number): CorpusCase[] {
  const raw = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, `${name}.json`), 'utf8')) as CorpusCase[];
  const rand = prng(seed);
  return raw.map((c) => ({ ...c, text: expand(c.text, rand) }));
}
