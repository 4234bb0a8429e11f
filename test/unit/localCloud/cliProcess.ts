// Runs the bundled command line (dist/cli.js) as a child process, as users and the test
// launcher do.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/** Builds dist/cli.js from the current sources (once per test run). */
let built = false;
export function buildCli(): void {
  if (built) return;
  // Builds both bundles; the CLI bundle is written even if another bundle fails to build.
  spawnSync(process.execPath, ['esbuild.js'], { cwd: REPO_ROOT, stdio: 'ignore' });
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node esbuild.js`.');
  built = true;
}

export interface CliProcess {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Resolves once the output matches `pattern` (rejects after `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts `cloudxlr cloud start …` and resolves once it has printed its start-up lines (the
 * address first, the functions' isolation last). `maxOpenFiles` runs
 * it under that open-file limit (through the shell's ulimit, which then execs Node, so
 * `proc.pid` is the server's own PID).
 */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { maxOpenFiles?: number } = {},
): Promise<CliProcess> {
  const command = options.maxOpenFiles === undefined ? process.execPath : '/bin/sh';
  const argv = [CLI, 'cloud', 'start', ...args];
  const commandArgs =
    options.maxOpenFiles === undefined
      ? argv
      : ['-c', `ulimit -n ${options.maxOpenFiles} && exec "$0" "$@"`, process.execPath, ...argv];
  const proc = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, CLOUDXLR_TOKEN: '', CLOUDXLR_MASTER_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const waiters = new Set<() => void>();
    const waitForOutput = (pattern: RegExp, timeoutMs = 10_000): Promise<void> =>
      new Promise<void>((done, fail) => {
        const check = (): void => {
          if (!pattern.test(out)) return;
          waiters.delete(check);
          clearTimeout(timer);
          done();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`cloudxlr printed nothing matching ${pattern} within ${timeoutMs} ms:\n${out}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    const onData = (c: Buffer): void => {
      out += c.toString();
      for (const check of [...waiters]) check();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && /^Functions: .*\n/m.test(out)) resolve({ proc, url: m[1], output: () => out, waitForOutput, exited });
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => reject(new Error(`cloudxlr exited with ${code} before listening:\n${out}`)));
  });
}

/** Runs the command line to completion. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CLOUDXLR_TOKEN: '', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
