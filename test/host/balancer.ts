// A real load balancer in front of cloud nodes for the tests: Debian's HAProxy (installed when
// missing), on a free loopback port, round robin over the nodes, each node probed on
// /v1/ready every 300 ms (a node that stops answering leaves the rotation after two misses),
// and a request whose connection failed or whose node vanished before answering is sent to
// another node. Stopped with the tests, also after a failure or Ctrl-C.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureSystemPackages } from './codeServer';
import { freePort, startChild, stopChild, waitForHttp, type Child } from './processes';

export const BALANCER_PACKAGE = 'haproxy';

export interface Balancer {
  url: string;
  stop(): Promise<void>;
}

export interface BalancerOptions {
  /** Adds the client's address to X-Forwarded-For (`option forwardfor`), as a team's proxy would. */
  forwardFor?: boolean;
}

/** The HAProxy configuration: the nodes' addresses and the port to listen on (loopback only). */
export function balancerConfig(port: number, nodes: readonly number[], options: BalancerOptions = {}): string {
  return `global
  maxconn 2000
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  # A request that could not reach its node, or whose node closed without answering, goes to
  # another node (PUTs are idempotent in the API: a retried compare-and-set answers 409).
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response
  option http-buffer-request${options.forwardFor ? '\n  option forwardfor' : ''}
frontend cloud
  bind 127.0.0.1:${port}
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /v1/ready
  http-check expect status 200
  default-server inter 300ms fall 2 rise 1
${nodes.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check`).join('\n')}
`;
}

export async function startBalancer(nodes: readonly number[], options: BalancerOptions = {}): Promise<Balancer> {
  ensureSystemPackages([BALANCER_PACKAGE]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-lb-'));
  const port = await freePort();
  const config = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(config, balancerConfig(port, nodes, options));
  const child: Child = startChild('haproxy', '/usr/sbin/haproxy', ['-db', '-f', config], {
    logFile: path.join(dir, 'haproxy.log'),
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stopNow);
    await stopChild(child, 2000);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // On an abrupt exit there is no time for a graceful stop: the process group is killed.
  const stopNow = (): void => {
    try {
      if (child.process.pid) process.kill(-child.process.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', stopNow);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/v1/ready`, { timeoutMs: 15_000, child });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}
