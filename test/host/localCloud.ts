// Starts the local CloudXLR cloud (`cloudxlr cloud start`, built to dist/cli.js) for a test
// run or the dev host, and waits for its health check.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURE_PROJECT, TestEnv } from './hostContract';
import { cloudNode } from './nodeRuntime';
import { Child, freePort, log, startChild, waitForHttp } from './processes';

export interface LocalCloudOptions {
  repoRoot: string;
  port: number;
  dataDir: string;
  project: string;
  token: string;
  logFile: string;
  /** Print the cloud's output with this prefix (the dev host). */
  echo?: string;
}

export interface LocalCloud {
  child: Child;
  endpoint: string;
}

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const cli = path.join(options.repoRoot, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first.`);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const args = [
    cli,
    'cloud',
    'start',
    '--host',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--data',
    options.dataDir,
    '--project',
    options.project,
    `--token=${options.token}`, // one argument: a random token may start with a dash
  ];
  // The cloud needs node:sqlite (Node 22.13+): this Node when it has it, else the registry's 24.
  const child = startChild('the local cloud', cloudNode(), args, {
    cwd: options.repoRoot,
    env: process.env,
    logFile: options.logFile,
    ...(options.echo ? { echo: options.echo } : {}),
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  await waitForHttp(`${endpoint}/v1/health`, { timeoutMs: 30_000, child });
  return { child, endpoint };
}

/**
 * For a test run: starts a local cloud with a random token in `dataDir` (unless
 * CLOUDXLR_TEST_NO_CLOUD is set) and returns it with the environment the tests read.
 */
export async function startTestCloud(
  repoRoot: string,
  dataDir: string,
  logFile: string,
): Promise<{ cloud: LocalCloud | undefined; env: Record<string, string> }> {
  if (process.env[TestEnv.noCloud]) {
    log(`${TestEnv.noCloud} is set: not starting the local cloud (tests that need it will fail or skip).`);
    return { cloud: undefined, env: { [TestEnv.noCloud]: '1' } };
  }
  const token = randomBytes(24).toString('base64url');
  log('Starting the local cloud…');
  const cloud = await startLocalCloud({
    repoRoot,
    port: await freePort(),
    dataDir,
    project: FIXTURE_PROJECT,
    token,
    logFile,
  });
  log(`Local cloud is up at ${cloud.endpoint} (project ${FIXTURE_PROJECT}).`);
  return { cloud, env: { [TestEnv.endpoint]: cloud.endpoint, [TestEnv.token]: token, [TestEnv.cloudData]: dataDir } };
}
