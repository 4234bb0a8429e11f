// A throwaway PostgreSQL server for the tests: Debian's `postgresql` package (installed when
// missing), initdb into a temporary folder, listening on a free loopback port only, stopped and
// removed when the tests end, also after a failure or Ctrl-C. As root, initdb and the server
// run as the `postgres` user the package creates (they refuse to run as root).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { ensureSystemPackages } from './codeServer';
import { freePort, log } from './processes';

export const POSTGRES_PACKAGE = 'postgresql';
/** The role the tests connect as (trust authentication on loopback; no password). */
const USER = 'cloudxlr';

export interface PostgresServer {
  port: number;
  /** The URL of a database on this server (default: the maintenance database `postgres`). */
  url(database?: string): string;
  /** Creates a fresh, empty database and answers its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected). */
  stop(): void;
  /** Starts it again on the same port and data. */
  start(): void;
  /** Stops it and removes its folder. */
  destroy(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(`PostgreSQL's initdb is not in ${root}/<version>/bin. Install the Debian package postgresql.`);
  return path.join(root, versions[0]!, 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when this process is root. */
function pgRun(bin: string, program: string, args: string[]): void {
  const command = asRoot ? 'runuser' : path.join(bin, program);
  const argv = asRoot ? ['-u', 'postgres', '--', path.join(bin, program), ...args] : args;
  const r = spawnSync(command, argv, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0)
    throw new Error(
      `${program} ${args[0] ?? ''} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim()}`,
    );
}

let counter = 0;

export async function startPostgres(): Promise<PostgresServer> {
  ensureSystemPackages([POSTGRES_PACKAGE]);
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-pg-'));
  if (asRoot) spawnSync('chown', ['postgres', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const started = Date.now();
  // Tests need no crash safety of the server itself (fsync off makes them fast); every
  // commit is still acknowledged by the server only once it is a commit.
  pgRun(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', USER, '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300`;
  const start = (): void =>
    pgRun(bin, 'pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  const stop = (mode: 'fast' | 'immediate'): void => {
    if (fs.existsSync(path.join(data, 'postmaster.pid'))) pgRun(bin, 'pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  };
  let destroyed = false;
  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    process.removeListener('exit', destroy);
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    const stopping = Date.now();
    try {
      stop('immediate');
      log(`PostgreSQL on 127.0.0.1:${port} stopped in ${Date.now() - stopping} ms.`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    destroy();
    process.kill(process.pid, signal);
  };
  process.once('exit', destroy);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    start();
  } catch (e) {
    destroy();
    throw e;
  }
  log(`PostgreSQL on 127.0.0.1:${port} (${path.basename(path.dirname(bin))}) started in ${Date.now() - started} ms.`);
  const url = (database = 'postgres'): string => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    createDatabase: async () => {
      const name = `cloudxlr_test_${process.pid}_${++counter}`;
      const admin = new Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop: () => stop('fast'),
    start,
    destroy,
  };
}
