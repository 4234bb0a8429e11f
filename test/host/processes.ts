// Child processes, ports and waiting, for the test launchers and the dev host. Every child
// runs in its own process group so that stopping it also stops what it spawned (code-server's
// extension host, file watcher and pty host).
import { ChildProcess, spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

export function log(message: string): void {
  console.log(`[host] ${message}`);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not find a free port on 127.0.0.1.'));
      });
    });
  });
}

/** Whether `port` on 127.0.0.1 can be listened on. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.on('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
}

/**
 * Starts `command` in a new process group, with stdout and stderr appended to `logFile`.
 * When `echo` is set, output lines are also printed with that prefix.
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { logFile: string; echo?: string },
): Child {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const out = fs.openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    ...options,
    detached: true,
    stdio: ['ignore', options.echo ? 'pipe' : out, options.echo ? 'pipe' : out],
  });
  if (options.echo) {
    const prefix = options.echo;
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        fs.appendFileSync(out, chunk);
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) console.log(`${prefix} ${line}`);
      });
    }
  }
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.on('error', (err) => {
      done = true;
      fs.appendFileSync(out, `\n${name} could not start: ${err.message}\n`);
      resolve(`error: ${err.message}`);
    });
  });
  void exited.then(() => fs.closeSync(out));
  return { name, process: child, logFile: options.logFile, exited, hasExited: () => done };
}

/** Stops a child's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: Child | undefined, graceMs = 5000): Promise<void> {
  if (!child || child.process.pid === undefined) return;
  const group = -child.process.pid;
  const signalGroup = (signal: NodeJS.Signals): boolean => {
    try {
      process.kill(group, signal);
      return true;
    } catch {
      return false; // the group is gone
    }
  };
  if (!signalGroup('SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!signalGroup(0 as unknown as NodeJS.Signals)) return;
    await sleep(100);
  }
  signalGroup('SIGKILL');
  await Promise.race([child.exited, sleep(2000)]);
}

/** The last `lines` lines of a text file, or a note that it is missing. */
export function tail(file: string, lines = 40): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * Polls `url` until it answers with a status `accept`s. Fails early when `child` exits,
 * and after `timeoutMs` with the tail of the child's log.
 */
export async function waitForHttp(
  url: string,
  options: { timeoutMs: number; child?: Child; accept?: (status: number) => boolean },
): Promise<void> {
  const accept = options.accept ?? ((status: number) => status === 200);
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (options.child?.hasExited()) {
      throw new Error(
        `${options.child.name} exited before ${url} answered. Last lines of ${options.child.logFile}:\n${tail(options.child.logFile)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (accept(response.status)) return;
      last = `HTTP ${response.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(250);
  }
  const logTail = options.child ? `\nLast lines of ${options.child.logFile}:\n${tail(options.child.logFile)}` : '';
  throw new Error(`${url} did not answer within ${seconds(options.timeoutMs)} (last: ${last}).${logTail}`);
}

/**
 * Runs `cleanup` once on normal exit, on SIGINT/SIGTERM/SIGHUP (then exits with 128 + signal)
 * and returns a function that runs it explicitly.
 */
export function onShutdown(cleanup: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const runOnce = (): Promise<void> =>
    (running ??= cleanup().catch((err: unknown) => {
      console.error(`[host] cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
    }));
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ];
  for (const [signal, number] of signals) {
    process.once(signal, () => {
      log(`${signal} received: stopping everything started by this run.`);
      void runOnce().then(() => process.exit(128 + number));
    });
  }
  return runOnce;
}
