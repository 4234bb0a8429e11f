// `npm run test:integration`: runs test/integration inside a real VS Code (code-server
// 1.100.3, headless Chromium) next to a local cloud, prints the report and exits with the
// number of failures. Everything it starts binds 127.0.0.1 and is stopped on the way out.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { closeWorkbench, openWorkbench, Workbench } from './browser';
import { ensureCodeServer, ensureSystemPackages, hostEnv, QUIET_USER_SETTINGS, startCodeServer, workbenchUrl } from './codeServer';
import { installPackagedExtension, placeExtension, placeRunnerExtension } from './extensionsDir';
import { EXTENSION_UNDER_TEST, FIXTURE_PROJECT, RunnerResult, SCREENSHOTS, TestEnv } from './hostContract';
import { LocalCloud, startTestCloud } from './localCloud';
import { testFiles } from '../integration/index';
import { Child, freePort, log, onShutdown, seconds, sleep, stopChild, tail } from './processes';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const artifacts = path.join(repoRoot, 'out', 'test-host');
const resultTimeoutMs = Number(process.env.CLOUDXLR_TEST_TIMEOUT_MS ?? 8 * 60_000);

async function main(): Promise<number> {
  const started = Date.now();
  const suitePath = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
  if (!fs.existsSync(suitePath)) throw new Error(`${suitePath} is missing: run \`npm run compile-tests\` first.`);
  ensureSystemPackages();
  const entry = await ensureCodeServer();

  // Only this run's files are replaced: other runs in the same tree may be writing here too.
  for (const old of ['workbench.png', 'logs', SCREENSHOTS]) fs.rmSync(path.join(artifacts, old), { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-it-'));
  const paths = {
    workspace: path.join(runDir, 'workspace'),
    extensions: path.join(runDir, 'extensions'),
    userData: path.join(runDir, 'user-data'),
    state: path.join(runDir, 'code-server-state'),
    cloudData: path.join(runDir, 'cloud-data'),
    result: path.join(runDir, 'result.json'),
    afterReloadResult: path.join(runDir, 'result-after-reload.json'),
    screenshotRequests: path.join(runDir, 'screenshot-requests'),
    progress: path.join(runDir, 'progress.log'),
    codeServerLog: path.join(runDir, 'code-server.log'),
    cloudLog: path.join(runDir, 'cloud.log'),
    browserLog: path.join(runDir, 'browser-console.log'),
  };
  let cloud: LocalCloud | undefined;
  let server: Child | undefined;
  let workbench: Workbench | undefined;
  const cleanup = onShutdown(async () => {
    const wb = workbench;
    workbench = undefined;
    await closeWorkbench(wb);
    await stopChild(server);
    await stopChild(cloud?.child);
    saveLogs(runDir, paths.userData);
    if (process.env.CLOUDXLR_TEST_KEEP) log(`Kept the run directory ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  });

  try {
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), paths.workspace, { recursive: true });
    fs.mkdirSync(path.join(paths.userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(paths.userData, 'User', 'settings.json'), JSON.stringify(QUIET_USER_SETTINGS, null, 2));

    const testEnv: Record<string, string> = {
      [TestEnv.host]: 'code-server',
      [TestEnv.project]: FIXTURE_PROJECT,
      [TestEnv.workspace]: paths.workspace,
      [TestEnv.artifacts]: artifacts,
      [TestEnv.screenshotRequests]: paths.screenshotRequests,
    };
    if (process.env[TestEnv.grep]) testEnv[TestEnv.grep] = process.env[TestEnv.grep]!;
    const testCloud = await startTestCloud(repoRoot, paths.cloudData, paths.cloudLog);
    cloud = testCloud.cloud;
    Object.assign(testEnv, testCloud.env);

    // By default the suite runs against the packaged .vsix, installed as a person would;
    // CLOUDXLR_TEST_FROM_SOURCE=1 uses a copy of the development build instead (faster, with maps).
    if (process.env.CLOUDXLR_TEST_FROM_SOURCE) {
      placeExtension(repoRoot, paths.extensions, false);
    } else {
      const packagedAt = Date.now();
      const vsix = path.join(artifacts, 'cloudxlr-keys.vsix');
      installPackagedExtension(repoRoot, entry, paths.extensions, paths.userData, vsix);
      log(`Packaged and installed ${path.relative(repoRoot, vsix)} (${(fs.statSync(vsix).size / 1048576).toFixed(1)} MiB) in ${seconds(Date.now() - packagedAt)}.`);
    }
    placeRunnerExtension(repoRoot, paths.extensions, {
      suitePath, resultFile: paths.result, progressFile: paths.progress, afterReloadResultFile: paths.afterReloadResult,
      ...(process.env[TestEnv.grep] ? { grep: process.env[TestEnv.grep] } : {}),
    });

    const port = await freePort();
    const launchedAt = Date.now();
    log(`Starting code-server on 127.0.0.1:${port}…`);
    server = await startCodeServer({
      entry, port, extensionsDir: paths.extensions, userDataDir: paths.userData, stateDir: paths.state,
      workspace: paths.workspace, env: hostEnv(testEnv), logFile: paths.codeServerLog,
    });
    log(`code-server is up after ${seconds(Date.now() - launchedAt)}; opening the workbench in headless Chromium.`);
    workbench = await openWorkbench(workbenchUrl(port, paths.workspace), paths.browserLog);

    let result: RunnerResult | undefined;
    try {
      result = await waitForResult(paths, paths.result, server, workbench);
      if (!result.crash && testFiles(path.dirname(suitePath), 'afterReload').length > 0) {
        // A reload starts a new extension host: the after-reload tests see what survived.
        log('Reloading the window for the after-reload tests…');
        await workbench.page.reload();
        result = mergeResults(result, await waitForResult(paths, paths.afterReloadResult, server, workbench));
      }
    } finally {
      // Unset when a signal already closed the browser.
      if (workbench as Workbench | undefined) await screenshot(workbench, path.join(artifacts, 'workbench.png'));
    }
    log(`Extension host ready ${seconds(result.activatedAt - launchedAt)} after code-server was launched (VS Code ${result.vscodeVersion}, remote ${result.remoteName ?? 'none'}).`);
    const activation = extensionActivation(paths.userData);
    if (activation) log(`${EXTENSION_UNDER_TEST} activated ${seconds(activation.at - launchedAt)} after launch (${activation.event}).`);
    if (!fs.existsSync(paths.progress) && result.report) console.log(result.report);
    for (const f of result.failed) log(`FAILED: ${f.fullTitle}: ${f.message.split('\n')[0]}`);
    log(`${result.passes} passing, ${result.failures} failing, ${result.pending} pending; suite ${seconds(result.finishedAt - result.startedAt)}, whole run ${seconds(Date.now() - started)}.`);
    log(`Screenshot: ${path.relative(repoRoot, path.join(artifacts, 'workbench.png'))}; logs: ${path.relative(repoRoot, path.join(artifacts, 'logs'))}/`);
    if (result.total === 0 && !result.crash) {
      log('No integration tests ran: add test/integration/**/*.test.ts.');
      return 1;
    }
    return Math.min(result.failures, 255);
  } finally {
    await cleanup();
  }
}

/** Waits for the runner's result file, printing the report as it grows and serving screenshot requests. */
async function waitForResult(
  paths: { progress: string; codeServerLog: string; browserLog: string; screenshotRequests: string },
  resultFile: string,
  server: Child,
  workbench: Workbench,
): Promise<RunnerResult> {
  const deadline = Date.now() + resultTimeoutMs;
  // A second phase appends to the same progress file: print only what is new.
  let printed = fs.existsSync(paths.progress) ? fs.statSync(paths.progress).size : 0;
  const printProgress = (): void => {
    if (!fs.existsSync(paths.progress)) return;
    const text = fs.readFileSync(paths.progress);
    if (text.length > printed) process.stdout.write(text.subarray(printed));
    printed = text.length;
  };
  while (Date.now() < deadline) {
    printProgress();
    await serveScreenshotRequests(paths.screenshotRequests, workbench);
    if (fs.existsSync(resultFile)) {
      printProgress();
      return JSON.parse(fs.readFileSync(resultFile, 'utf8')) as RunnerResult;
    }
    if (server.hasExited()) {
      throw new Error(`code-server exited before the tests reported. Last lines of its log:\n${tail(paths.codeServerLog)}`);
    }
    await sleep(250);
  }
  throw new Error(
    `The tests did not report within ${seconds(resultTimeoutMs)} (CLOUDXLR_TEST_TIMEOUT_MS). ` +
      'Either the extension host never started the test runner or a test hangs.\n' +
      `Last lines of code-server's log:\n${tail(paths.codeServerLog)}\n` +
      `Last lines of the browser console:\n${tail(paths.browserLog, 15)}`,
  );
}

/** Both phases' results as one: counts added, reports joined, the first phase's host facts. */
function mergeResults(first: RunnerResult, second: RunnerResult): RunnerResult {
  return {
    ...first,
    passes: first.passes + second.passes,
    failures: first.failures + second.failures,
    pending: first.pending + second.pending,
    total: first.total + second.total,
    failed: [...first.failed, ...second.failed],
    report: `${first.report}\n${second.report}`,
    finishedAt: second.finishedAt,
    ...(second.crash ? { crash: second.crash } : {}),
  };
}

async function serveScreenshotRequests(requests: string, workbench: Workbench): Promise<void> {
  if (!fs.existsSync(requests)) return;
  for (const name of fs.readdirSync(requests).filter((n) => n.endsWith('.request'))) {
    const png = path.join(artifacts, SCREENSHOTS, name.replace(/\.request$/, '.png'));
    await screenshot(workbench, png);
    fs.rmSync(path.join(requests, name), { force: true });
  }
}

async function screenshot(workbench: Workbench, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    await workbench.page.screenshot({ path: file });
  } catch (err) {
    log(`Could not take a screenshot: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** When and why the extension under test activated, from the extension host's log. */
function extensionActivation(userDataDir: string): { at: number; event: string } | undefined {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return undefined;
  const files = (fs.readdirSync(logs, { recursive: true }) as string[]).filter((f) => f.endsWith('remoteexthost.log'));
  const pattern = new RegExp(`^(\\d{4}-\\d\\d-\\d\\d) (\\d\\d:\\d\\d:\\d\\d\\.\\d+) .*_doActivateExtension ${EXTENSION_UNDER_TEST.replace(/\./g, '\\.')},.*activationEvent: '([^']*)'`, 'm');
  for (const file of files) {
    const match = pattern.exec(fs.readFileSync(path.join(logs, file), 'utf8'));
    // The editor logs local time.
    if (match) return { at: new Date(`${match[1]}T${match[2]}`).getTime(), event: match[3] ?? 'unknown event' };
  }
  return undefined;
}

/** Copies the run's logs (launcher side and the editor's own, extension host included) to out/test-host/logs. */
function saveLogs(runDir: string, userDataDir: string): void {
  const target = path.join(artifacts, 'logs');
  try {
    fs.mkdirSync(target, { recursive: true });
    for (const name of ['code-server.log', 'cloud.log', 'browser-console.log', 'progress.log', 'result.json']) {
      const file = path.join(runDir, name);
      if (fs.existsSync(file)) fs.copyFileSync(file, path.join(target, name));
    }
    const editorLogs = path.join(userDataDir, 'logs');
    if (fs.existsSync(editorLogs)) fs.cpSync(editorLogs, path.join(target, 'editor'), { recursive: true });
  } catch (err) {
    log(`Could not save the logs: ${err instanceof Error ? err.message : String(err)}`);
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[host] ${err instanceof Error ? err.message : String(err)}`);
      console.error('[host] The integration tests did not run to the end.');
      process.exit(1);
    },
  );
}
