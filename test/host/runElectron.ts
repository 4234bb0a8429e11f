// `npm run test:electron`: the same integration suite under @vscode/test-electron, for a
// desktop with VS Code (or internet to download it). Machines here are offline, so this is
// not part of `npm test`; set CLOUDXLR_VSCODE_PATH to a local VS Code executable to use one.
import { downloadAndUnzipVSCode, runTests, TestRunFailedError } from '@vscode/test-electron';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostCacheDir, QUIET_USER_SETTINGS } from './codeServer';
import { FIXTURE_PROJECT, TestEnv } from './hostContract';
import { LocalCloud, startTestCloud } from './localCloud';
import { log, onShutdown, seconds, stopChild } from './processes';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Same VS Code as code-server 4.100.3 embeds; engines.vscode is ^1.100.0. */
const VSCODE_VERSION = process.env.CLOUDXLR_VSCODE_VERSION ?? '1.100.3';

async function vscodeExecutable(): Promise<string> {
  const local = process.env.CLOUDXLR_VSCODE_PATH;
  if (local) {
    if (!fs.existsSync(local)) throw new Error(`CLOUDXLR_VSCODE_PATH=${local} does not exist.`);
    return local;
  }
  try {
    return await downloadAndUnzipVSCode({
      version: VSCODE_VERSION,
      cachePath: path.join(hostCacheDir(), 'vscode-test'),
      timeout: 20_000,
    });
  } catch (err) {
    throw new Error(
      `Could not get VS Code ${VSCODE_VERSION} for @vscode/test-electron: ${err instanceof Error ? err.message : String(err)}\n` +
        'This machine probably has no access to update.code.visualstudio.com. Either set CLOUDXLR_VSCODE_PATH to a ' +
        'VS Code executable on this machine, or run the same suite in code-server with `npm run test:integration`.',
    );
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const executable = await vscodeExecutable();
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    log('No DISPLAY: VS Code desktop needs one. On a headless Linux machine run `xvfb-run -a npm run test:electron`.');
  }
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-electron-'));
  const workspace = path.join(runDir, 'workspace');
  const userData = path.join(runDir, 'user-data');
  let cloud: LocalCloud | undefined;
  const cleanup = onShutdown(async () => {
    await stopChild(cloud?.child);
    fs.rmSync(runDir, { recursive: true, force: true });
  });
  try {
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(QUIET_USER_SETTINGS, null, 2));
    const testCloud = await startTestCloud(repoRoot, path.join(runDir, 'cloud-data'), path.join(runDir, 'cloud.log'));
    cloud = testCloud.cloud;
    const artifacts = path.join(repoRoot, 'out', 'test-host');
    fs.mkdirSync(artifacts, { recursive: true });
    const env: Record<string, string> = {
      [TestEnv.host]: 'electron',
      [TestEnv.project]: FIXTURE_PROJECT,
      [TestEnv.workspace]: workspace,
      [TestEnv.artifacts]: artifacts,
      ...testCloud.env,
      ...(process.env[TestEnv.grep] ? { [TestEnv.grep]: process.env[TestEnv.grep]! } : {}),
    };
    log(`Running the integration suite in VS Code ${VSCODE_VERSION} (${executable}).`);
    try {
      await runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
        extensionTestsEnv: env,
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
          '--user-data-dir',
          userData,
          '--extensions-dir',
          path.join(runDir, 'extensions'),
        ],
      });
      log(`All integration tests passed in ${seconds(Date.now() - started)}.`);
      return 0;
    } catch (err) {
      if (err instanceof TestRunFailedError) {
        log(`The integration tests failed (VS Code exited with ${err.code ?? err.signal}); see the report above.`);
        return 1;
      }
      throw err;
    }
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
