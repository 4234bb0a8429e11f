// Rate limits: token buckets kept in this node's memory. Each bucket holds up to `burst`
// requests and refills at `perSecond`; a request that finds its bucket empty is answered 429 with
// the seconds until it would fit. Buckets are counted
// - per identity on authenticated routes, reads (GET) apart from changes (everything else,
//   deploys included), so a runaway script cannot starve the node;
// - per public function on /fn/…, and per client address on /fn/…, so one caller cannot take a
//   function's whole rate from the others;
// - per client address for failed authentication: once an address has used its allowance,
//   its requests to authenticated routes are answered 429 before any token is checked, so a
//   flood of bad tokens costs the node almost nothing and other addresses never notice it.
// Each kind keeps at most `maxKeys` buckets, so a flood of distinct addresses takes a fixed
// amount of memory: when full, the buckets that have refilled go (they are the same as none),
// then the least recently used. A drained bucket dropped that way starts full again: the limits
// err on the side of letting requests through.
import { isIP } from 'net';
import { addressGroups } from './clientAddress';
import { ApiError } from './errors';

export const RATE_LIMIT_KINDS = ['read', 'write', 'function', 'function-client', 'auth-failure'] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];

export interface RateLimit {
  /** Requests the bucket refills per second (fractions allowed: 0.5 is one every 2 s). */
  perSecond: number;
  /** Requests the bucket holds: how many may come at once after a quiet spell. */
  burst: number;
}

/** Each kind's limit, or false for no limit. */
export type RateLimitSettings = Record<RateLimitKind, RateLimit | false>;

/**
 * Per node. Generous: the editor, the test suites and `npm run bench` (up to 5,200 changes and
 * 4,100 calls of one function within seconds, from one token and one address) never meet them.
 */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimitSettings> = {
  read: { perSecond: 1000, burst: 20_000 },
  write: { perSecond: 200, burst: 10_000 },
  function: { perSecond: 1000, burst: 10_000 },
  'function-client': { perSecond: 200, burst: 5000 },
  'auth-failure': { perSecond: 1, burst: 60 },
};

/** Buckets kept per kind at most (about 300 bytes each, measured: 3 MiB for 10,000). */
export const DEFAULT_MAX_BUCKETS = 10_000;

export function resolveRateLimits(overrides: Partial<RateLimitSettings> = {}): RateLimitSettings {
  const out: RateLimitSettings = { ...DEFAULT_RATE_LIMITS };
  for (const [kind, limit] of Object.entries(overrides) as Array<[RateLimitKind, RateLimit | false | undefined]>) {
    if (!RATE_LIMIT_KINDS.includes(kind))
      throw new RangeError(
        `"${String(kind).slice(0, 40)}" is not a rate limit; the limits are ${RATE_LIMIT_KINDS.join(', ')}.`,
      );
    if (limit === undefined) continue;
    if (
      limit !== false &&
      !(Number.isFinite(limit.perSecond) && limit.perSecond > 0 && Number.isFinite(limit.burst) && limit.burst >= 1)
    )
      throw new RangeError(`The rate limit ${kind} needs a rate above 0 and a burst of at least 1.`);
    out[kind] = limit === false ? false : { perSecond: limit.perSecond, burst: Math.floor(limit.burst) };
  }
  return out;
}

/**
 * One `--rate-limit` value: `KIND=RATE/s` or `KIND=RATE/min`, optionally `,burst=N` (default:
 * ten seconds' worth, at least 1), or `KIND=off`. Throws a RangeError saying what is wrong.
 */
export function parseRateLimit(text: string): [RateLimitKind, RateLimit | false] {
  const m = /^([a-z-]+)=(?:(off)|([0-9]+(?:\.[0-9]+)?)\/(s|min)(?:,burst=([0-9]+))?)$/.exec(text.trim());
  const kind = m?.[1] as RateLimitKind | undefined;
  if (!m || !kind || !RATE_LIMIT_KINDS.includes(kind))
    throw new RangeError(
      `--rate-limit "${text.slice(0, 60)}" is not KIND=RATE/s or KIND=RATE/min (optionally ,burst=N) or KIND=off, with KIND one of ${RATE_LIMIT_KINDS.join(', ')}.`,
    );
  if (m[2]) return [kind, false];
  const perSecond = Number(m[3]) / (m[4] === 'min' ? 60 : 1);
  const burst = m[5] !== undefined ? Number(m[5]) : Math.max(1, Math.ceil(perSecond * 10));
  if (!(perSecond > 0) || burst < 1)
    throw new RangeError(`--rate-limit ${kind} needs a rate above 0 and a burst of at least 1.`);
  return [kind, { perSecond, burst }];
}

/** Token buckets by key, at most `maxKeys` of them (refilled ones dropped first, then the least recently used). */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limit: RateLimit,
    private readonly maxKeys: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one request from `key`'s bucket: 0 when it fits, else the seconds until it would. */
  take(key: string): number {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / this.limit.perSecond;
  }

  /** The seconds until `key`'s bucket has a request to give, 0 when it has one now; takes nothing. */
  wait(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const tokens = this.level(bucket, this.now());
    return tokens >= 1 ? 0 : (1 - tokens) / this.limit.perSecond;
  }

  private refilled(key: string): { tokens: number; at: number } {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = this.level(bucket, now);
      bucket.at = now;
      return bucket;
    }
    if (this.buckets.size >= this.maxKeys) this.sweep(now);
    bucket = { tokens: this.limit.burst, at: now };
    this.buckets.set(key, bucket);
    return bucket;
  }

  private level(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
  }

  /**
   * Makes room, down to half of maxKeys: full buckets first (dropping one changes nothing), then
   * those used longest ago. Each sweep frees maxKeys / 2 places, so its cost is spread over as
   * many new keys.
   */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (this.level(bucket, now) >= this.limit.burst) this.buckets.delete(key);
    const keep = Math.floor(this.maxKeys / 2);
    if (this.buckets.size <= keep) return;
    const byUse = [...this.buckets].sort((a, b) => a[1].at - b[1].at);
    for (let i = 0; i < byUse.length - keep; i++) this.buckets.delete(byUse[i][0]);
  }
}

/** The rate limits of one node, by kind. */
export class RateLimits {
  private readonly buckets: Partial<Record<RateLimitKind, TokenBuckets>> = {};

  constructor(
    readonly settings: RateLimitSettings,
    maxKeys = DEFAULT_MAX_BUCKETS,
    now: () => number = () => performance.now(),
  ) {
    for (const kind of RATE_LIMIT_KINDS) {
      const limit = settings[kind];
      if (limit) this.buckets[kind] = new TokenBuckets(limit, maxKeys, now);
    }
  }

  /** The limits in one line, for the start-up message: "read 1000/s (burst 20000), …, auth-failure off". */
  describe(): string {
    return RATE_LIMIT_KINDS.map((kind) => {
      const limit = this.settings[kind];
      return limit ? `${kind} ${limit.perSecond}/s (burst ${limit.burst})` : `${kind} off`;
    }).join(', ');
  }

  /** Buckets held now, by kind (for tests and figures). */
  sizes(): Record<RateLimitKind, number> {
    return Object.fromEntries(RATE_LIMIT_KINDS.map((k) => [k, this.buckets[k]?.size ?? 0])) as Record<
      RateLimitKind,
      number
    >;
  }

  /** 429 when `address` has used up its failed authentications; takes nothing. */
  checkAuthFailures(address: string): void {
    const wait = this.buckets['auth-failure']?.wait(addressKey(address)) ?? 0;
    if (wait > 0)
      throw tooFast(
        wait,
        'Too many requests with a missing or wrong token came from your address. Check the token, then retry',
      );
  }

  /** Counts one failed authentication from `address`. */
  authenticationFailed(address: string): void {
    this.buckets['auth-failure']?.take(addressKey(address));
  }

  /** 429 when `identity` has used up its reads (`change` false) or its changes. */
  identity(identity: string, change: boolean): void {
    const kind = change ? 'write' : 'read';
    const wait = this.buckets[kind]?.take(identity) ?? 0;
    if (wait > 0)
      throw tooFast(
        wait,
        `This token has sent more ${change ? 'changes' : 'reads'} than the cloud accepts from one identity (${perSecondText(this.settings[kind])}). Slow down, then retry`,
      );
  }

  /** 429 when this client address has used up its calls of the public trigger (checked before the function is looked up). */
  publicClient(address: string): void {
    const wait = this.buckets['function-client']?.take(addressKey(address)) ?? 0;
    if (wait > 0)
      throw tooFast(
        wait,
        `Your address has called public functions more often than the cloud accepts from one client (${perSecondText(this.settings['function-client'])}). Slow down, then retry`,
      );
  }

  /** 429 when the public function has used up its calls, whoever made them. */
  publicFunction(project: string, name: string): void {
    const wait = this.buckets.function?.take(`${project}\u0000${name}`) ?? 0;
    if (wait > 0)
      throw tooFast(
        wait,
        `The function ${name} is called more often than the cloud accepts (${perSecondText(this.settings.function)}). Retry`,
      );
  }
}

/**
 * What an address is counted under: an IPv4 address itself, an IPv6 address by its /64 (one
 * customer's network, which holds as many addresses as its owner wants).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = addressGroups(address);
  return groups
    ? `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(':')}::/64`
    : address;
}

function perSecondText(limit: RateLimit | false): string {
  if (!limit) return 'no limit';
  const rate =
    limit.perSecond >= 1 ? `${+limit.perSecond.toFixed(2)} a second` : `${+(limit.perSecond * 60).toFixed(2)} a minute`;
  return `${rate}, ${limit.burst} at once`;
}

function tooFast(waitSeconds: number, message: string): ApiError {
  const seconds = Math.max(1, Math.ceil(waitSeconds));
  return new ApiError(
    429,
    'too_many_requests',
    `${message} in ${seconds} s.`,
    { retryAfterSeconds: seconds },
    {
      'Retry-After': String(seconds),
    },
  );
}
