// The address of the client a request comes from, for rate limits. It is the connection's peer,
// unless that peer is a proxy the operator trusts (--trusted-proxy): then the proxy's
// X-Forwarded-For is read from the right, skipping the trusted proxies it passed through, and
// the first address not trusted is the client. Everything left of it was written by the
// client itself and proves nothing. A header from a peer that is not trusted is ignored, so a
// client cannot pick the address it is limited under.
import { BlockList, isIP } from 'net';

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
  private readonly list = new BlockList();
  readonly size: number;

  /** @param entries addresses (127.0.0.1, ::1) and CIDR ranges (10.0.0.0/8, fd00::/8). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseEntry(entry);
      if (!parsed) throw new RangeError(notAnEntry(entry));
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    if (this.size === 0) return false;
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
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

function parseEntry(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const m = /^([^/]+?)(?:\/([0-9]{1,3}))?$/.exec(entry.trim());
  if (!m) return undefined;
  const address = normalise(m[1].replace(/^\[(.*)\]$/, '$1'));
  if (!address) return undefined;
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return undefined;
  return { address, prefix, family };
}

function notAnEntry(entry: string): string {
  return `"${entry.slice(0, 80)}" is not a proxy address: give an address such as 10.0.0.5 or ::1, or a range such as 10.0.0.0/8 or fd00::/8.`;
}
