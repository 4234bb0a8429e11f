// Runs the local cloud as a child process of the editor, so a new user needs no terminal.
// Plain Node: the extension passes in where to log. The cloud runs under a real `node` of
// 22.13 or newer (its node:sqlite), found and checked first by cloudNode.ts.
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { Redactor } from '../shared/valueMatch';

export interface LocalCloudProcessOptions {
  /** The bundled command line: <extension>/dist/cli.js. */
  cliPath: string;
  nodePath: string;
  host: string;
  port: number;
  dataDir: string;
  projects: string[];
  token: string;
  /** Each line the cloud prints, by the stream it came on (stderr: problems). */
  log: (line: string, stream: 'stdout' | 'stderr') => void;
}

export class LocalCloudProcess {
  private child: ChildProcess | undefined;

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the cloud and resolves once it listens; rejects with a message for people. */
  start(o: LocalCloudProcessOptions, onExit: (code: number | null) => void): Promise<void> {
    const args = [
      o.cliPath,
      'cloud',
      'start',
      '--host',
      o.host,
      '--port',
      String(o.port),
      '--data',
      o.dataDir,
      ...o.projects.flatMap((p) => ['--project', p]),
    ];
    // The token goes in through the environment, never on a command line others can list.
    const child = spawn(o.nodePath, args, {
      cwd: path.dirname(o.cliPath),
      env: { ...process.env, CLOUDXLR_TOKEN: o.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const redactor = new Redactor([{ name: 'TOKEN', value: o.token }]);
    return new Promise((resolve, reject) => {
      let settled = false;
      // What the cloud said on stderr last: why it stopped during start-up.
      let cause = '';
      const onLine = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        for (const line of redactor.redact(chunk.toString('utf8')).split(/\r?\n/)) {
          if (!line.trim()) continue;
          o.log(line, stream);
          if (stream === 'stderr')
            cause = line
              .replace(/^The local cloud did not start: /, '')
              .replace(/,? or start with --port 0 for a free port/, '');
          if (!settled && /listening on/i.test(line)) {
            settled = true;
            resolve();
          }
        }
      };
      child.stdout?.on('data', onLine('stdout'));
      child.stderr?.on('data', onLine('stderr'));
      child.on('error', (e) => {
        if (settled) return;
        settled = true;
        reject(
          new Error(
            e.message.includes('ENOENT')
              ? `Node.js was not found at "${o.nodePath}". Install Node.js 24 LTS or set cloudxlr.localCloud.nodePath.`
              : `The local cloud could not start: ${e.message}`,
          ),
        );
      });
      child.on('exit', (code) => {
        this.child = undefined;
        onExit(code);
        if (!settled) {
          settled = true;
          reject(
            new Error(
              cause
                ? `The local cloud did not start: ${cause}`
                : `The local cloud stopped during start-up (exit code ${code}). The CloudXLR log shows what it printed.`,
            ),
          );
        }
      });
    });
  }

  stop(): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
