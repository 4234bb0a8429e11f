// `npm start`: the extension in a real VS Code (code-server) in your browser, next to a local
// cloud, with state kept under .cloudxlr/ between runs. The extension folder links to the
// repository, so after `npm run watch` rebuilds, "Developer: Restart Extension Host" loads the
// new code, and the editor knows which extension runs (see placeExtension).
// PORT (default 8080) sets the editor's port, CLOUDXLR_CLOUD_PORT the cloud's (default 8787),
// CLOUDXLR_DEV_HOST the address to bind (default 127.0.0.1; there is no password),
// CLOUDXLR_EDITOR the VS Code: oldest (default, 1.100.3, the one engines.vscode names) or newest.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  ensureCodeServer,
  ensureSystemPackages,
  hostEnv,
  QUIET_USER_SETTINGS,
  selectEditors,
  startCodeServer,
  workbenchUrl,
} from './codeServer';
import { placeExtension } from './extensionsDir';
import { FIXTURE_PROJECT } from './hostContract';
import { LocalCloud, startLocalCloud } from './localCloud';
import { cloudNode } from './nodeRuntime';
import { Child, freePort, log, onShutdown, portIsFree, stopChild } from './processes';
import { DEFAULT_CLOUD_ENDPOINT, SettingId } from '../../src/constants';
import { TYPES_FILE_NAME } from '../../src/deploy/scaffold';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const devRoot = path.join(repoRoot, '.cloudxlr');
const paths = {
  cloudData: path.join(devRoot, 'dev-cloud'),
  token: path.join(devRoot, 'dev-cloud', 'dev-token'),
  workspace: path.join(devRoot, 'checkout-app'),
  extensions: path.join(devRoot, 'dev-host', 'extensions'),
  userData: path.join(devRoot, 'dev-host', 'user-data'),
  state: path.join(devRoot, 'dev-host', 'code-server-state'),
  codeServerLog: path.join(devRoot, 'dev-host', 'code-server.log'),
  cloudLog: path.join(devRoot, 'dev-host', 'cloud.log'),
};

/** The dev cloud's token, created once and kept with its data so sign-ins survive restarts. */
function devToken(): string {
  fs.mkdirSync(paths.cloudData, { recursive: true });
  if (fs.existsSync(paths.token)) return fs.readFileSync(paths.token, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  fs.writeFileSync(paths.token, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * Copies the sample app. Its functions' tsconfig points at the repository's types/; the copy
 * gets its own declarations file beside the functions, as "New Function" writes one.
 */
function copySample(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(to, 'cloudxlr.json'), 'utf8')) as { functionsDir?: string };
  const functionsDir = path.join(to, manifest.functionsDir ?? 'functions');
  fs.copyFileSync(path.join(repoRoot, 'types', TYPES_FILE_NAME), path.join(functionsDir, TYPES_FILE_NAME));
  const tsconfigFile = path.join(functionsDir, 'tsconfig.json');
  if (!fs.existsSync(tsconfigFile)) return;
  const tsconfig = JSON.parse(fs.readFileSync(tsconfigFile, 'utf8')) as {
    compilerOptions?: { paths?: Record<string, string[]> };
    include?: string[];
  };
  if (tsconfig.compilerOptions?.paths) tsconfig.compilerOptions.paths['cloudxlr-functions'] = [`./${TYPES_FILE_NAME}`];
  tsconfig.include = [...(tsconfig.include ?? []).filter((i) => !i.endsWith(TYPES_FILE_NAME)), `./${TYPES_FILE_NAME}`];
  fs.writeFileSync(tsconfigFile, `${JSON.stringify(tsconfig, null, 2)}\n`);
}

/** Merges quiet defaults, then your own settings, then `settings` into the dev profile's settings.json. */
function updateUserSettings(settings: Record<string, unknown>): void {
  const file = path.join(paths.userData, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let current: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      log(
        `${path.relative(repoRoot, file)} has comments or is not plain JSON; not updating it. Set ${Object.keys(settings).join(', ')} yourself if needed.`,
      );
      return;
    }
  }
  const next = { ...QUIET_USER_SETTINGS, ...current, ...settings };
  fs.writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
}

async function main(): Promise<number> {
  const host = process.env.CLOUDXLR_DEV_HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`PORT=${process.env.PORT} is not a port number.`);
  if (host === '127.0.0.1' && !(await portIsFree(port))) {
    throw new Error(
      `Port ${port} on 127.0.0.1 is in use (another \`npm start\`?). Stop it, or run with PORT=<another port> npm start.`,
    );
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    log(
      `WARNING: binding ${host}: anyone who can reach it gets an editor and a terminal on this machine (no password).`,
    );
  }
  ensureSystemPackages();
  const editor = await ensureCodeServer(selectEditors(process.env.CLOUDXLR_EDITOR || 'oldest')[0]!);

  let cloud: LocalCloud | undefined;
  let server: Child | undefined;
  let stopping = false;
  const cleanup = onShutdown(async () => {
    stopping = true;
    await stopChild(server);
    await stopChild(cloud?.child);
    log('Stopped code-server and the local cloud.');
  });

  try {
    if (!fs.existsSync(paths.workspace)) {
      copySample(path.join(repoRoot, 'samples', 'checkout-app'), paths.workspace);
      log(
        `Created the workspace ${path.relative(repoRoot, paths.workspace)}, a copy of the checkout sample (samples/checkout-app) to try things on.`,
      );
    }

    const defaultCloudPort = Number(new URL(DEFAULT_CLOUD_ENDPOINT).port);
    const cloudPort = Number(
      process.env.CLOUDXLR_CLOUD_PORT ?? ((await portIsFree(defaultCloudPort)) ? defaultCloudPort : await freePort()),
    );
    try {
      cloud = await startLocalCloud({
        repoRoot,
        port: cloudPort,
        dataDir: paths.cloudData,
        project: FIXTURE_PROJECT,
        token: devToken(),
        logFile: paths.cloudLog,
        echo: '[cloud]',
      });
    } catch (err) {
      log(`The local cloud did not start, continuing without it: ${err instanceof Error ? err.message : String(err)}`);
    }
    updateUserSettings(cloud ? { [SettingId.cloudEndpoint]: cloud.endpoint } : {});

    placeExtension(repoRoot, paths.extensions, true);
    server = await startCodeServer({
      editor,
      port,
      host,
      extensionsDir: paths.extensions,
      userDataDir: paths.userData,
      stateDir: paths.state,
      workspace: paths.workspace,
      env: hostEnv({}, cloudNode()),
      logFile: paths.codeServerLog,
    });

    const url = workbenchUrl(port, paths.workspace).replace('127.0.0.1', host.includes(':') ? `[${host}]` : host);
    log(
      `CloudXLR Keys is running in code-server ${editor.codeServer} (VS Code ${editor.vscode}, Node ${editor.runtime.version}).`,
    );
    log(`  Open in your browser: ${url}`);
    if (cloud) {
      log(
        `  Local cloud:          ${cloud.endpoint} (project ${FIXTURE_PROJECT}, data ${path.relative(repoRoot, paths.cloudData)})`,
      );
      // This loopback cloud's developer token, shown as the cloud itself shows tokens on first start.
      log(
        `  Cloud token:          ${devToken()} (paste it into "CloudXLR: Sign In to Cloud…"; kept in ${path.relative(repoRoot, paths.token)})`,
      );
    }
    log(
      `  Logs:                 ${path.relative(repoRoot, paths.codeServerLog)}, ${path.relative(repoRoot, paths.cloudLog)}`,
    );
    log('  After a rebuild (npm run watch), run "Developer: Restart Extension Host" in the editor.');
    log('Press Ctrl-C to stop.');

    const exited = await Promise.race([
      server.exited.then((code) => `code-server exited (${code})`),
      ...(cloud ? [cloud.child.exited.then((code) => `the local cloud exited (${code})`)] : []),
    ]);
    if (!stopping) log(`${exited}; stopping. See ${path.relative(repoRoot, paths.codeServerLog)}.`);
    return 1;
  } finally {
    await cleanup();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[host] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
