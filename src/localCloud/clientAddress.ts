// The address of the client a request comes from, for rate limits. It is the connection's peer,
// unless that peer is a proxy the operator trusts (--trusted-proxy): then the proxy's
// X-Forwarded-For is read from the right, skipping the trusted proxies it passed through, and
// the first address not trusted is the client. Everything left of it was written by the
// client itself and proves nothing. A header from a peer that is not trusted is ignored, so a
// client cannot pick the address it is limited under.
import { isIP } from 'net';

/** The environment variable listing trusted proxies, separated by commas. */
export const TRUSTED_PROXIES_ENV = 'CLOUDXLR_TRUSTED_PROXIES';

/** The problem with a --trusted-proxy entry, or undefined when it is an address or a CIDR range. */
export function trustedProxyProblem(entry: string): string | undefined {
  return parseEntry(entry) ? undefined : notAnEntry(entry);
}

/** Trusted proxies from the environment variable (comma or space separated). */
export function trustedProxiesFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env[TRUSTED_PROXIES_ENV] ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

export class TrustedProxies {
  /** Each entry as eight 16-bit groups (IPv4 as IPv4-mapped IPv6) and a prefix length. */
  private readonly ranges: Array<{ groups: number[]; prefix: number }> = [];
  readonly size: number;

  /** @param entries addresses (127.0.0.1, ::1) and CIDR ranges (10.0.0.0/8, fd00::/8). */
  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseEntry(entry);
      if (!parsed) throw new RangeError(notAnEntry(entry));
      const groups = addressGroups(parsed.address) as number[];
      this.ranges.push({ groups, prefix: parsed.family === 'ipv4' ? parsed.prefix + 96 : parsed.prefix });
    }
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    if (this.size === 0) return false;
    const groups = addressGroups(address);
    return groups !== undefined && this.ranges.some((r) => inRange(groups, r.groups, r.prefix));
  }

  /**
   * The client's address: `peer` (the socket's remote address), or, when the peer is trusted,
   * the rightmost untrusted address of `forwardedFor`. A malformed header counts as absent.
   */
  clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const from = normalise(peer ?? '') ?? 'unknown';
    if (!this.trusts(from) || forwardedFor === undefined) return from;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    if (hops.length > 64) return from;
    const addresses: string[] = [];
    for (const hop of hops) {
      const address = forwardedAddress(hop.trim());
      if (address === undefined) return from;
      addresses.push(address);
    }
    for (let i = addresses.length - 1; i >= 0; i--) if (!this.trusts(addresses[i])) return addresses[i];
    // Every hop is a trusted proxy: the request started at the first of them.
    return addresses[0] ?? from;
  }
}

/** One X-Forwarded-For element: an address, IPv4 with a port, or IPv6 in brackets with or without a port. */
function forwardedAddress(hop: string): string | undefined {
  if (hop.length === 0 || hop.length > 64) return undefined;
  const bracketed = /^\[([^\]]+)\](?::[0-9]{1,5})?$/.exec(hop);
  if (bracketed) return isIP(bracketed[1]) === 6 ? normalise(bracketed[1]) : undefined;
  const withPort = /^([0-9.]+):[0-9]{1,5}$/.exec(hop);
  if (withPort) return isIP(withPort[1]) === 4 ? withPort[1] : undefined;
  return normalise(hop);
}

/** An address in one spelling: IPv4-mapped IPv6 (::ffff:10.0.0.1, as a dual-stack socket reports it) as IPv4, IPv6 lower-case. */
function normalise(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  const lower = address.toLowerCase();
  const mapped = /^::ffff:([0-9.]+)$/.exec(lower);
  return mapped && isIP(mapped[1]) === 4 ? mapped[1] : lower;
}

/**
 * An address as eight 16-bit groups, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), or undefined.
 * Net's BlockList would do the matching, but it costs tens of microseconds per check, and every
 * hop of every forwarded request is checked.
 */
export function addressGroups(address: string): number[] | undefined {
  const family = isIP(address);
  if (family === 4) {
    const [a, b, c, d] = address.split('.').map(Number);
    return [0, 0, 0, 0, 0, 0xffff, (a << 8) | b, (c << 8) | d];
  }
  if (family !== 6) return undefined;
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  // An IPv4 tail (::ffff:10.0.0.1, 64:ff9b::1.2.3.4) is two groups.
  const v4 = /^(.*:)([0-9.]+)$/.exec(text);
  if (v4 && isIP(v4[2]) === 4) {
    const tail = addressGroups(v4[2]) as number[];
    text = `${v4[1]}${tail[6].toString(16)}:${tail[7].toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(zeros).fill('0'), ...right].map((g) => parseInt(g, 16));
}

function inRange(address: number[], range: number[], prefix: number): boolean {
  let bits = prefix;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const shift = bits >= 16 ? 0 : 16 - bits;
    if (address[i] >> shift !== range[i] >> shift) return false;
  }
  return true;
}

function parseEntry(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const m = /^([^/]+?)(?:\/([0-9]{1,3}))?$/.exec(entry.trim());
  if (!m) return undefined;
  const address = m[1].replace(/^\[(.*)\]$/, '$1');
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return undefined;
  return { address, prefix, family };
}

function notAnEntry(entry: string): string {
  return `"${entry.slice(0, 80)}" is not a proxy address: give an address such as 10.0.0.5 or ::1, or a range such as 10.0.0.0/8 or fd00::/8.`;
}
