// The sandbox launcher: starts one worker process, inside an OS sandbox where there is one.
//
// On Linux with bubblewrap and user namespaces, each worker runs in its own sandbox:
// - user namespace, uid/gid 65534 inside, no capabilities (and seccomp refuses new namespaces);
// - PID namespace (it sees and can signal only its own processes), IPC and UTS namespaces;
// - a new root holding only the Node.js binary and its shared libraries, CA certificates and a
//   resolv.conf, all read-only: no data directory, master key, token or extension file exists
//   there, and nothing can be written (trace files, reports and profiles fail with EROFS);
// - its own network namespace, whose only way out is slirp4netns (user-mode NAT) started with
//   --disable-host-loopback: outbound HTTP(S) works, the host's 127.0.0.1 (the cloud's own
//   port, an editor, a database) does not, and nothing outside can connect in;
// - the seccomp filter of seccomp.ts (no listen/accept, ptrace, io_uring, ...);
// - --die-with-parent and a new session: it ends with the server, even on kill -9;
// - started under a guard: util-linux's setpriv arms a parent-death signal, then a small sh
//   checks that its parent is still the server, starts bwrap in its own process group and,
//   when the server dies, kills that whole group. bwrap alone leaves a window: it arms
//   --die-with-parent in its outer process only after creating the sandbox, and in the
//   sandbox's first process only once that process has been set up, which waits for the outer
//   one. A server killed in between left the sandbox's first process behind, adopted by init
//   and waiting forever. The group holds both until they have armed their own signal (see
//   `guarded`).
// Elsewhere (macOS, Windows, containers without user namespaces) workers run as plain child
// processes under Node's permission model, in their own process group; `isolation()` says so
// and the server reports it in its startup log and in GET /v1/health.

import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import type { Socket } from 'net';
import * as os from 'os';
import * as path from 'path';
import { seccompProgram } from './seccomp';

/** What the runtime tells the world about how functions are isolated. */
export interface IsolationInfo {
  /** 'sandbox': own namespaces and read-only root; 'process': a child process only. */
  level: 'sandbox' | 'process';
  /** One sentence for the startup log and the health answer. */
  summary: string;
  /** How functions reach the network: slirp4netns NAT without the host's loopback, or directly. */
  network: 'nat' | 'host' | 'none';
  seccomp: boolean;
}

export interface SandboxConfig {
  /** The Node.js executable to run workers with. */
  nodePath: string;
  /** Node flags for the worker (heap limit, permission model). */
  nodeFlags: readonly string[];
  /** The worker's program text (run with -e). */
  program: string;
  /** 'auto' uses the OS sandbox where it works; 'off' never does (the previous design). */
  mode: 'auto' | 'off';
  /**
   * Tests only: map the sandbox's gateway (10.0.2.2) to the host's loopback, so that outbound
   * traffic can be tested against a server on 127.0.0.1 without leaving the machine.
   */
  gatewayToHostLoopback?: boolean;
}

/** One started worker process. fd 3 of the worker is `channel`, a socket pair end. */
export interface LaunchedWorker {
  child: ChildProcess;
  channel: Socket;
  /** Resolves when the worker may be given work (its network is up, in a sandbox). */
  ready: Promise<void>;
  /** Process ids whose memory counts against the worker (host view), when known. */
  memoryPids(): number[];
  /** Ends the worker and everything it started. Safe to call more than once. */
  kill(): void;
}

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'];
const SETPRIV_CANDIDATES = ['/usr/bin/setpriv', '/bin/setpriv'];
const SHELL = '/bin/sh';

/**
 * Run by sh once setpriv has armed SIGTERM for the death of its parent. $PPID is the parent sh
 * found at start: if it is not the server, the server died before the signal was armed (and will
 * never send it), so nothing is started. Otherwise the command runs in the background, in sh's
 * process group (the launcher makes sh a group leader), and the signal kills the whole group:
 * the sandbox's processes that have not yet armed --die-with-parent themselves are in it. sh
 * closes its copies of the worker's descriptors, so the worker's channel ends when it ends.
 */
const GUARD_SCRIPT =
  'trap "kill -KILL 0" TERM; [ "$PPID" = "$1" ] || exit 125; shift; "$@" & exec 3>&- 4>&- 5>&- >/dev/null 2>&1; wait $!';
/** The exit status of a guard that found its server gone. */
export const GUARD_PARENT_GONE = 125;

/**
 * The command that starts `command` only while `parentPid` (this process) is alive, and kills
 * its process group when that process dies. The parent-death signal is armed by setpriv before
 * the check, so there is no moment at which the parent can die unnoticed. Start it as a process
 * group leader (spawn's `detached`).
 */
export function guarded(setpriv: string, parentPid: number, command: readonly string[]): string[] {
  return [
    setpriv,
    '--pdeathsig',
    'TERM',
    '--',
    SHELL,
    '-c',
    GUARD_SCRIPT,
    'cloudxlr-guard',
    String(parentPid),
    ...command,
  ];
}

const SLIRP_CANDIDATES = ['/usr/bin/slirp4netns', '/usr/local/bin/slirp4netns'];

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The shared libraries a binary loads, as ldd lists them (absolute paths). */
function sharedLibraries(binary: string): string[] | undefined {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const libs = new Set<string>();
  for (const m of r.stdout.matchAll(/(\/[^\s)]+)/g)) libs.add(m[1]);
  return [...libs];
}

interface Plan {
  bwrap: string;
  /** setpriv, when it can arm the parent-death signal here (util-linux 2.33+). */
  setpriv: string | undefined;
  slirp: string | undefined;
  /** bwrap arguments up to (not including) the command. */
  args: string[];
  /** The Node.js executable as the sandbox sees it. */
  node: string;
  seccomp: Buffer | undefined;
}

/** Files of the sandbox that the server writes once (resolv.conf, hosts). */
function sandboxEtc(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-sandbox-etc-'));
  fs.writeFileSync(path.join(dir, 'resolv.conf'), 'nameserver 10.0.2.3\n', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'passwd'), 'nobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n', { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'group'), 'nogroup:x:65534:\n', { mode: 0o644 });
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * Where the Node.js executable appears inside the sandbox: a fixed path, so that the folders
 * on the host that hold it (a home directory, a version manager's cache) do not appear there.
 */
const SANDBOX_NODE = '/opt/cloudxlr/node';

function plan(nodePath: string): Plan | string {
  if (process.platform !== 'linux') return `${process.platform} has no bubblewrap`;
  const bwrap = firstExisting(BWRAP_CANDIDATES);
  if (!bwrap) return 'bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)';
  const slirp = firstExisting(SLIRP_CANDIDATES);
  const node = fs.realpathSync(nodePath);
  const libs = sharedLibraries(node);
  const args = [
    '--unshare-user',
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--unshare-net',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--hostname',
    'function',
    '--ro-bind',
    node,
    SANDBOX_NODE,
  ];
  if (libs) {
    for (const lib of libs) args.push('--ro-bind', fs.realpathSync(lib), lib);
  } else {
    // No ldd: the system library folders, still without any server data.
    for (const dir of ['/lib', '/lib64', '/usr/lib', '/usr/lib64'])
      if (fs.existsSync(dir)) args.push('--ro-bind', dir, dir);
  }
  if (fs.existsSync('/etc/ssl/certs')) args.push('--ro-bind', '/etc/ssl/certs', '/etc/ssl/certs');
  const etc = sandboxEtc();
  for (const f of ['resolv.conf', 'hosts', 'passwd', 'group']) args.push('--ro-bind', path.join(etc, f), `/etc/${f}`);
  // Device nodes one by one: `--dev` would nest a second user namespace, which slirp4netns
  // cannot join to configure the network.
  for (const d of ['/dev/null', '/dev/zero', '/dev/random', '/dev/urandom']) args.push('--dev-bind', d, d);
  args.push('--proc', '/proc', '--chdir', '/', '--remount-ro', '/');
  return { bwrap, setpriv: guardWorks(), slirp, args, node: SANDBOX_NODE, seccomp: seccompProgram() };
}

/** setpriv's path when the guard runs here (setpriv with --pdeathsig and a POSIX sh), else undefined. */
function guardWorks(): string | undefined {
  const setpriv = firstExisting(SETPRIV_CANDIDATES);
  if (!setpriv || !firstExisting([SHELL])) return undefined;
  const [cmd, ...args] = guarded(setpriv, process.pid, [SHELL, '-c', 'exit 0']);
  const r = spawnSync(cmd, args, { env: {}, timeout: 10_000 });
  return r.status === 0 ? setpriv : undefined;
}

const probes = new Map<string, { plan: Plan | undefined; info: IsolationInfo }>();

/** How workers of this Node.js are isolated here, probed once (a sandbox is started and run). */
export function probeIsolation(config: Pick<SandboxConfig, 'nodePath' | 'mode'>): {
  plan: Plan | undefined;
  info: IsolationInfo;
} {
  // Installing bubblewrap or slirp4netns later (the project's scripts do) gives a new answer.
  const key = [config.mode, config.nodePath, firstExisting(BWRAP_CANDIDATES), firstExisting(SLIRP_CANDIDATES)].join(
    '\u0000',
  );
  const cached = probes.get(key);
  if (cached) return cached;
  let result: { plan: Plan | undefined; info: IsolationInfo };
  const unsandboxed = (why: string): { plan: undefined; info: IsolationInfo } => ({
    plan: undefined,
    info: {
      level: 'process',
      summary: `Functions run as child processes under Node's permission model only, without an OS sandbox (${why}): a function can reach the host's network and processes of the same user. Use this for local development only.`,
      network: 'host',
      seccomp: false,
    },
  });
  if (config.mode === 'off') {
    result = unsandboxed('the sandbox is turned off');
  } else {
    const p = plan(config.nodePath);
    if (typeof p === 'string') {
      result = unsandboxed(p);
    } else {
      const r = spawnSync(p.bwrap, [...p.args, p.node, '-e', 'process.exit(process.getuid() === 65534 ? 0 : 3)'], {
        encoding: 'utf8',
        timeout: 15_000,
      });
      if (r.status !== 0) {
        const why = (r.stderr || r.error?.message || `exit ${r.status}`).toString().trim().split('\n')[0].slice(0, 200);
        result = unsandboxed(`bubblewrap cannot create a sandbox here: ${why}`);
      } else {
        result = {
          plan: p,
          info: {
            level: 'sandbox',
            summary: p.slirp
              ? "Functions run in a bubblewrap sandbox each (own user, PID, IPC and network namespaces, read-only root without server files, seccomp filter); outbound network through slirp4netns without access to the host's loopback."
              : 'Functions run in a bubblewrap sandbox each (own user, PID, IPC and network namespaces, read-only root without server files, seccomp filter); slirp4netns is not installed, so functions have no network (apt-get install slirp4netns).',
            network: p.slirp ? 'nat' : 'none',
            seccomp: p.seccomp !== undefined,
          },
        };
      }
    }
  }
  probes.set(key, result);
  return result;
}

/** The isolation of functions run with the default options (this Node.js, sandbox on). */
export function functionIsolation(): IsolationInfo {
  return probeIsolation({ nodePath: process.execPath, mode: 'auto' }).info;
}

function killQuietly(pid: number | undefined, group = false): void {
  if (!pid) return;
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Starts one worker as the config says. */
export function launchWorker(config: SandboxConfig): LaunchedWorker {
  const { plan: p } = probeIsolation(config);
  return p ? launchSandboxed(config, p) : launchPlain(config);
}

function launchPlain(config: SandboxConfig): LaunchedWorker {
  // Workers never inherit the server's environment: it may hold the master key or tokens.
  const env: NodeJS.ProcessEnv = {};
  if (process.platform === 'win32' && process.env.SystemRoot) env.SystemRoot = process.env.SystemRoot;
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  const child = spawn(config.nodePath, [...config.nodeFlags, '-e', config.program], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env,
    cwd: os.tmpdir(),
    windowsHide: true,
    // Its own process group, so that ending it ends whatever it started.
    detached: process.platform !== 'win32',
  });
  const channel = child.stdio[3] as unknown as Socket;
  return {
    child,
    channel,
    ready: Promise.resolve(),
    memoryPids: () => (child.pid ? [child.pid] : []),
    kill: () => {
      killQuietly(child.pid, process.platform !== 'win32');
      killQuietly(child.pid);
    },
  };
}

function launchSandboxed(config: SandboxConfig, p: Plan): LaunchedWorker {
  // fd 3: the frame channel; fd 4: bwrap's info (the sandbox's pid); fd 5: the seccomp filter.
  const args = [...p.args, '--info-fd', '4'];
  if (p.seccomp) args.push('--seccomp', '5');
  args.push(p.node, ...config.nodeFlags, '-e', config.program);
  const [command, ...commandArgs] = p.setpriv
    ? guarded(p.setpriv, process.pid, [p.bwrap, ...args])
    : [p.bwrap, ...args];
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', p.seccomp ? 'pipe' : 'ignore'],
    env: {},
    cwd: '/',
    // The guard leads a process group of its own: ending the group ends a sandbox still starting.
    detached: p.setpriv !== undefined,
  });
  const channel = child.stdio[3] as unknown as Socket;
  if (p.seccomp) {
    const seccompFd = (child.stdio as unknown as Socket[])[5];
    seccompFd.on('error', () => undefined);
    seccompFd.end(p.seccomp);
  }
  let sandboxPid: number | undefined;
  let slirp: ChildProcess | undefined;
  let killed = false;
  const kill = (): void => {
    killed = true;
    killQuietly(sandboxPid);
    if (p.setpriv) killQuietly(child.pid, true);
    killQuietly(child.pid);
    killQuietly(slirp?.pid);
  };
  const ready = new Promise<void>((resolve, reject) => {
    const info = child.stdio[4] as unknown as Socket;
    let text = '';
    info.on('error', () => undefined);
    info.on('data', (d: Buffer) => {
      if (sandboxPid !== undefined || text.length > 4096) return;
      text += d.toString('utf8');
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (!m) return;
      sandboxPid = Number(m[1]);
      if (killed) {
        kill();
        reject(new Error('The worker was ended while starting.'));
        return;
      }
      if (!p.slirp) {
        resolve();
        return;
      }
      slirp = startNetwork(p.slirp, sandboxPid, config.gatewayToHostLoopback === true, resolve, reject);
      child.once('exit', () => killQuietly(slirp?.pid));
    });
    child.once('exit', () => reject(new Error('The sandbox ended while starting.')));
  });
  ready.catch(() => undefined);
  return {
    child,
    channel,
    ready,
    memoryPids: () => (sandboxPid ? [sandboxPid, ...childrenOf(sandboxPid)] : []),
    kill,
  };
}

/** slirp4netns: user-mode NAT into the sandbox's network namespace. */
function startNetwork(
  slirpPath: string,
  pid: number,
  hostLoopback: boolean,
  resolve: () => void,
  reject: (e: Error) => void,
): ChildProcess {
  // fd 3: exit-fd (closes when the server goes, even on kill -9); fd 4: ready-fd.
  const args = ['--configure', '--mtu=65520', '--exit-fd=3', '--ready-fd=4'];
  if (!hostLoopback) args.push('--disable-host-loopback');
  args.push(String(pid), 'tap0');
  const slirp = spawn(slirpPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], env: {} });
  let err = '';
  slirp.stderr?.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-1000)));
  const readyFd = slirp.stdio[4] as unknown as Socket;
  readyFd.on('error', () => undefined);
  (slirp.stdio[3] as unknown as Socket).on('error', () => undefined);
  readyFd.once('data', () => resolve());
  slirp.once('exit', () =>
    reject(
      new Error(`The sandbox's network could not be set up: ${err.trim().split('\n').pop() ?? 'slirp4netns ended'}`),
    ),
  );
  slirp.once('error', () => reject(new Error('slirp4netns could not be started.')));
  slirp.unref();
  for (const s of [slirp.stderr, slirp.stdio[3], slirp.stdio[4]])
    (s as unknown as { unref?: () => void } | null)?.unref?.();
  return slirp;
}
