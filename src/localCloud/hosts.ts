// The DNS-rebinding defence: the API answers only requests addressed to a host name it knows.
// A page on evil.example whose name an attacker re-points at 127.0.0.1 reaches this server
// with "Host: evil.example:8787"; refusing unknown names keeps that page away from the API
// even though the browser believes it is talking to its own origin.
import { ApiError } from './errors';

/** Names every cloud answers to: the loopback names (any port). */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** The environment variable listing extra allowed host names, separated by commas. */
export const ALLOWED_HOSTS_ENV = 'CLOUDXLR_ALLOWED_HOSTS';

/** The problem with an --allowed-host entry, or undefined when it is a host name or address. */
export function allowedHostProblem(name: string): string | undefined {
  if (/^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/.test(name) || /^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$/.test(name))
    return undefined;
  return `"${name.slice(0, 80)}" is not a host name: give a name such as cloud.example.test or an address such as 192.168.1.5 (optionally with :port, IPv6 in brackets).`;
}

/** Host names from the environment variable (comma or space separated). */
export function allowedHostsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env[ALLOWED_HOSTS_ENV] ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

export class HostCheck {
  /** Names allowed on any port. */
  private readonly names = new Set<string>();
  /** name:port pairs allowed exactly. */
  private readonly exact = new Set<string>();

  /**
   * @param listenHost the address the server listens on: a specific one (not 0.0.0.0 or ::)
   *   is allowed too, since a page can only send it as Host when it was loaded from it.
   * @param configured operator-given names, each `name` (any port) or `name:port`.
   */
  constructor(listenHost: string, configured: readonly string[]) {
    for (const h of LOOPBACK_HOSTS) this.names.add(h);
    const listen = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
    if (listen !== '0.0.0.0' && listen !== '[::]' && listen !== '') this.names.add(normalise(listen));
    for (const c of configured) {
      const { name, port } = split(c);
      if (port === undefined) this.names.add(name);
      else this.exact.add(`${name}:${port}`);
    }
  }

  /** Whether a request with this Host header may reach the API. No Host header: no name to rebind. */
  allows(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined || hostHeader === '') return true;
    const { name, port } = split(hostHeader);
    return this.names.has(name) || (port !== undefined && this.exact.has(`${name}:${port}`));
  }

  /** The 421 answer for a request addressed to another name. */
  refusal(hostHeader: string): ApiError {
    const shown = split(hostHeader)
      .name.replace(/[^A-Za-z0-9.\-:[\]]/g, '?')
      .slice(0, 100);
    return new ApiError(
      421,
      'host_not_allowed',
      `This cloud does not answer requests addressed to the host name "${shown}" (a defence against DNS rebinding). Use http://127.0.0.1 or http://localhost, or start the cloud with --allowed-host ${shown} if that name is yours.`,
    );
  }
}

function split(host: string): { name: string; port?: string } {
  const h = host.trim().toLowerCase();
  const m = /^(\[[^\]]*\]|[^:]*)(?::([0-9]*))?$/.exec(h);
  if (!m) return { name: h };
  return { name: normalise(m[1]), port: m[2] || undefined };
}

/** "localhost." is "localhost". */
function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
