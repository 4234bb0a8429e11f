// `npm run test:integration`: runs test/integration inside a real VS Code (code-server,
// headless Chromium) next to a local cloud, in one editor session per scenario (SESSIONS),
// on the oldest and the newest VS Code (EDITORS; CLOUDXLR_TEST_EDITORS=oldest picks one),
// prints the report and exits with the number of failures. Everything it starts binds
// 127.0.0.1 and is stopped on the way out.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { closeWorkbench, openWorkbench, Workbench } from './browser';
import {
  ensureCodeServer,
  ensureSystemPackages,
  hostEnv,
  QUIET_USER_SETTINGS,
  RESTRICTED_MODE_SETTINGS,
  selectEditors,
  startCodeServer,
  workbenchUrl,
  type InstalledEditor,
} from './codeServer';
import { installPackagedExtension, placeExtension, placeRunnerExtension } from './extensionsDir';
import {
  EXTENSION_UNDER_TEST,
  FIXTURE_PROJECT,
  RunnerResult,
  SCREENSHOTS,
  SuitePhase,
  TestEnv,
  SCREENSHOT_REQUEST,
  UI_REQUEST,
  type UiArea,
  type UiStep,
} from './hostContract';
import { LocalCloud, startTestCloud } from './localCloud';
import { testFiles } from '../integration/index';
import { RELOAD_KEYS } from '../integration/reloadKeys';
import { cloudNode, ensureNode } from './nodeRuntime';
import { Child, freePort, log, onShutdown, seconds, sleep, stopChild, tail } from './processes';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const artifacts = path.join(repoRoot, 'out', 'test-host');
const resultTimeoutMs = Number(process.env.CLOUDXLR_TEST_TIMEOUT_MS ?? 15 * 60_000);

/**
 * One editor session of the run: its own code-server, profile (user-data dir) and copy of a
 * workspace, running one or more suite phases (a window reload between two).
 */
interface SessionSpec {
  name: string;
  phases: SuitePhase[];
  /** False: workspace trust is on and not granted, so the workspace opens in Restricted Mode. */
  trusted: boolean;
  /** Copies the session's fixture into `dir`; returns the folder or `.code-workspace` file to open. */
  workspace(dir: string): string;
}

function copyFixture(name: string, dir: string): string {
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', name), dir, { recursive: true });
  return dir;
}

const SESSIONS: SessionSpec[] = [
  { name: 'main', phases: ['main', 'afterReload'], trusted: true, workspace: (dir) => copyFixture('workspace', dir) },
  {
    name: 'multi-root',
    phases: ['multiRoot'],
    trusted: true,
    workspace: (dir) => path.join(copyFixture('multi-root', dir), 'multi-root.code-workspace'),
  },
  { name: 'untrusted', phases: ['untrusted'], trusted: false, workspace: (dir) => copyFixture('workspace', dir) },
];

/** What every session of a run shares. */
interface RunContext {
  runDir: string;
  editor: InstalledEditor;
  suitePath: string;
  extensionsDir: string;
  /** Environment of every session (cloud, artifacts, grep); sessions add their workspace. */
  testEnv: Record<string, string>;
  /** The session now running, for the shutdown path: what to stop, and how to save its logs. */
  current: { server?: Child; workbench?: Workbench; saveLogs?: () => void };
}

async function main(): Promise<number> {
  const started = Date.now();
  const suitePath = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
  if (!fs.existsSync(suitePath)) throw new Error(`${suitePath} is missing: run \`npm run compile-tests\` first.`);
  ensureSystemPackages();
  const editors: InstalledEditor[] = [];
  for (const editor of selectEditors()) editors.push(await ensureCodeServer(editor));

  // Only this run's files are replaced: other runs in the same tree may be writing here too.
  fs.mkdirSync(artifacts, { recursive: true });
  for (const old of [
    'logs',
    SCREENSHOTS,
    ...fs
      .readdirSync(artifacts, { withFileTypes: true })
      .filter((e) => /^workbench.*\.png$/.test(e.name))
      .map((e) => e.name),
  ]) {
    fs.rmSync(path.join(artifacts, old), { recursive: true, force: true });
  }
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-it-'));
  const ctx: RunContext = { runDir, editor: editors[0]!, suitePath, extensionsDir: '', testEnv: {}, current: {} };
  let cloud: LocalCloud | undefined;
  const cleanup = onShutdown(async () => {
    await stopSession(ctx);
    await stopChild(cloud?.child);
    saveLog(path.join(runDir, 'cloud.log'), path.join(artifacts, 'logs'));
    if (process.env.CLOUDXLR_TEST_KEEP) log(`Kept the run directory ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  });

  try {
    const sessions = selectedSessions(path.dirname(suitePath));
    ctx.testEnv = {
      [TestEnv.host]: 'code-server',
      [TestEnv.project]: FIXTURE_PROJECT,
      [TestEnv.artifacts]: artifacts,
      [TestEnv.launcherRequests]: path.join(runDir, 'launcher-requests'),
    };
    if (process.env[TestEnv.grep]) ctx.testEnv[TestEnv.grep] = process.env[TestEnv.grep]!;
    // A Node too old for the local cloud, for the test of Start Local Cloud's message.
    ctx.testEnv[TestEnv.oldNode] = ensureNode(20).node;
    ctx.testEnv[TestEnv.cloudNode] = cloudNode();

    let result: RunnerResult | undefined;
    const summaries: string[] = [];
    for (const editor of editors) {
      ctx.editor = editor;
      ctx.extensionsDir = path.join(runDir, `extensions-${editor.name}`);
      const editorStarted = Date.now();
      // Each editor's sessions get a cloud of their own: the tests expect a fresh vault (keys at
      // version 1), and the first editor's run must not decide what the second one sees.
      await stopChild(cloud?.child);
      const testCloud = await startTestCloud(
        repoRoot,
        path.join(runDir, `cloud-data-${editor.name}`),
        path.join(runDir, 'cloud.log'),
      );
      cloud = testCloud.cloud;
      Object.assign(ctx.testEnv, testCloud.env);
      log(`VS Code ${editor.vscode} (code-server ${editor.codeServer} under Node ${editor.runtime.version}):`);
      // By default the suite runs against the packaged .vsix, installed as a person would;
      // CLOUDXLR_TEST_FROM_SOURCE=1 uses a copy of the development build instead (faster, with maps).
      // Every session of an editor loads the same installed copy.
      if (process.env.CLOUDXLR_TEST_FROM_SOURCE) {
        placeExtension(repoRoot, ctx.extensionsDir, false);
      } else {
        const packagedAt = Date.now();
        const vsix = path.join(artifacts, 'cloudxlr-keys.vsix');
        installPackagedExtension(
          repoRoot,
          editor,
          ctx.extensionsDir,
          path.join(runDir, `install-user-data-${editor.name}`),
          vsix,
          editor !== editors[0],
        );
        log(
          `Packaged and installed ${path.relative(repoRoot, vsix)} (${(fs.statSync(vsix).size / 1048576).toFixed(1)} MiB) in ${seconds(Date.now() - packagedAt)}.`,
        );
      }
      let editorResult: RunnerResult | undefined;
      for (const session of sessions) {
        const sessionResult = await runSession(ctx, session);
        editorResult = editorResult ? mergeResults(editorResult, sessionResult) : sessionResult;
        if (sessionResult.crash) break;
      }
      if (!editorResult) continue;
      summaries.push(
        `VS Code ${editor.vscode}: ${editorResult.passes} passing, ${editorResult.failures} failing, ${editorResult.pending} pending in ${seconds(Date.now() - editorStarted)}`,
      );
      result = result ? mergeResults(result, editorResult) : editorResult;
      if (editorResult.crash) break;
    }
    if (result) {
      for (const f of result.failed) log(`FAILED: ${f.fullTitle}: ${f.message.split('\n')[0]}`);
      for (const line of summaries) log(line);
      log(
        `${result.passes} passing, ${result.failures} failing, ${result.pending} pending in ${sessions.length} editor sessions on ${editors.length} VS Code versions; whole run ${seconds(Date.now() - started)}.`,
      );
      log(
        `Screenshots: ${path.relative(repoRoot, artifacts)}/workbench-*.png, ${path.relative(repoRoot, path.join(artifacts, SCREENSHOTS))}/; logs: ${path.relative(repoRoot, path.join(artifacts, 'logs'))}/<oldest|newest>/<session>/`,
      );
    }
    if (!result || (result.total === 0 && !result.crash)) {
      log('No integration tests ran: add test/integration/**/*.test.ts.');
      return 1;
    }
    return Math.min(result.failures, 255);
  } finally {
    await cleanup();
  }
}

/**
 * The sessions with test files for at least one of their phases (only those phases);
 * CLOUDXLR_TEST_SESSIONS=main,untrusted picks sessions by name.
 */
function selectedSessions(compiledTests: string): SessionSpec[] {
  const only = process.env.CLOUDXLR_TEST_SESSIONS?.split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = only?.filter((n) => !SESSIONS.some((s) => s.name === n)) ?? [];
  if (unknown.length)
    throw new Error(
      `CLOUDXLR_TEST_SESSIONS names unknown sessions: ${unknown.join(', ')} (known: ${SESSIONS.map((s) => s.name).join(', ')}).`,
    );
  return SESSIONS.filter((s) => !only || only.includes(s.name))
    .map((s) => ({ ...s, phases: s.phases.filter((p) => testFiles(compiledTests, p).length > 0) }))
    .filter((s) => s.phases.length > 0);
}

/** Runs one editor session to the end of its last phase and stops it, whatever happens. */
async function runSession(ctx: RunContext, session: SessionSpec): Promise<RunnerResult> {
  const dir = path.join(ctx.runDir, ctx.editor.name, session.name);
  fs.mkdirSync(dir, { recursive: true });
  const paths = {
    userData: path.join(dir, 'user-data'),
    state: path.join(dir, 'code-server-state'),
    progress: path.join(dir, 'progress.log'),
    codeServerLog: path.join(dir, 'code-server.log'),
    browserLog: path.join(dir, 'browser-console.log'),
    requests: ctx.testEnv[TestEnv.launcherRequests]!,
    // Where the tests look for them (requestScreenshot); the newest editor's replace the oldest's.
    screenshots: path.join(artifacts, SCREENSHOTS),
  };
  const workspace = session.workspace(path.join(dir, 'workspace'));
  fs.mkdirSync(path.join(paths.userData, 'User'), { recursive: true });
  const settings = session.trusted ? QUIET_USER_SETTINGS : { ...QUIET_USER_SETTINGS, ...RESTRICTED_MODE_SETTINGS };
  fs.writeFileSync(path.join(paths.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const phases = session.phases.map((phase) => ({ phase, resultFile: path.join(dir, `result-${phase}.json`) }));
  placeRunnerExtension(repoRoot, ctx.extensionsDir, {
    suitePath: ctx.suitePath,
    phases,
    progressFile: paths.progress,
    ...(process.env[TestEnv.grep] ? { grep: process.env[TestEnv.grep] } : {}),
  });

  ctx.current.saveLogs = () =>
    saveLogs(dir, paths.userData, path.join(artifacts, 'logs', ctx.editor.name, session.name));
  const sessionStarted = Date.now();
  log(
    `Session ${session.name} (${session.phases.join(', ')}${session.trusted ? '' : ', Restricted Mode'}) in VS Code ${ctx.editor.vscode}: starting code-server…`,
  );
  try {
    const port = await freePort();
    const server = await startCodeServer({
      editor: ctx.editor,
      port,
      extensionsDir: ctx.extensionsDir,
      userDataDir: paths.userData,
      stateDir: paths.state,
      workspace,
      trustWorkspace: session.trusted,
      env: hostEnv({ ...ctx.testEnv, [TestEnv.workspace]: workspace }, cloudNode()),
      logFile: paths.codeServerLog,
    });
    ctx.current.server = server;
    log(
      `code-server is up on 127.0.0.1:${port} after ${seconds(Date.now() - sessionStarted)}; opening the workbench in headless Chromium.`,
    );
    const workbench = await openWorkbench(workbenchUrl(port, workspace), paths.browserLog);
    ctx.current.workbench = workbench;
    let result: RunnerResult | undefined;
    try {
      for (const [i, { phase, resultFile }] of phases.entries()) {
        if (i > 0) {
          // A reload starts a new extension host: the next phase sees what survived.
          log(`Reloading the window for the ${phase} tests…`);
          await waitForBrowserStorage(workbench.page, Object.keys(RELOAD_KEYS));
          await workbench.page.reload();
        }
        const phaseResult = await waitForResult(paths, resultFile, server, workbench);
        result = result ? mergeResults(result, phaseResult) : phaseResult;
        if (phaseResult.crash) break;
      }
    } finally {
      // Unset when a signal already closed the browser.
      if (ctx.current.workbench)
        await screenshot(
          workbench,
          path.join(artifacts, `workbench-${ctx.editor.name}${session.name === 'main' ? '' : `-${session.name}`}.png`),
        );
    }
    if (!result) throw new Error(`Session ${session.name} has no phases.`);
    log(
      `Extension host ready ${seconds(result.activatedAt - sessionStarted)} after code-server was launched (VS Code ${result.vscodeVersion}, remote ${result.remoteName ?? 'none'}).`,
    );
    const activation = extensionActivation(paths.userData);
    if (activation)
      log(
        `${EXTENSION_UNDER_TEST} activated ${seconds(activation.at - sessionStarted)} after launch (${activation.event}).`,
      );
    if (!fs.existsSync(paths.progress) && result.report) console.log(result.report);
    log(
      `Session ${session.name}: ${result.passes} passing, ${result.failures} failing, ${result.pending} pending; suite ${seconds(result.finishedAt - result.startedAt)}, session ${seconds(Date.now() - sessionStarted)}.`,
    );
    return result;
  } finally {
    await stopSession(ctx);
  }
}

async function stopSession(ctx: RunContext): Promise<void> {
  const { server, workbench, saveLogs: save } = ctx.current;
  ctx.current = {};
  await closeWorkbench(workbench);
  await stopChild(server);
  save?.();
}

/** Waits for the runner's result file, printing the report as it grows and serving the tests' requests to the launcher. */
async function waitForResult(
  paths: { progress: string; codeServerLog: string; browserLog: string; requests: string; screenshots: string },
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
    await serveRequests(paths.requests, workbench, paths.screenshots);
    if (fs.existsSync(resultFile)) {
      printProgress();
      return JSON.parse(fs.readFileSync(resultFile, 'utf8')) as RunnerResult;
    }
    if (server.hasExited()) {
      throw new Error(
        `code-server exited before the tests reported. Last lines of its log:\n${tail(paths.codeServerLog)}`,
      );
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

/** Two phases' or sessions' results as one: counts added, reports joined, the first one's host facts. */
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

/** Serves the tests' requests (see requestScreenshot, requestUi): screenshots, and keys typed and buttons clicked in the browser. */
async function serveRequests(requests: string, workbench: Workbench, screenshots: string): Promise<void> {
  if (!fs.existsSync(requests)) return;
  for (const name of fs.readdirSync(requests)) {
    const request = path.join(requests, name);
    if (name.endsWith(SCREENSHOT_REQUEST)) {
      await screenshot(workbench, path.join(screenshots, name.replace(SCREENSHOT_REQUEST, '.png')));
    } else if (name.endsWith(UI_REQUEST)) {
      try {
        const steps = JSON.parse(fs.readFileSync(request, 'utf8')) as UiStep[];
        for (const step of steps) await performUiStep(workbench.page, step);
      } catch (err) {
        fs.writeFileSync(`${request}.error`, err instanceof Error ? err.message.split('\n')[0]! : String(err));
        await screenshot(workbench, path.join(screenshots, name.replace(UI_REQUEST, '-failed.png')));
      }
    } else {
      continue;
    }
    fs.rmSync(request, { force: true });
  }
}

/**
 * VS Code in a browser writes its state (an extension's globalState among it) to IndexedDB
 * every few seconds, when idle: a page cannot write while it unloads, so a reload right after a
 * change can lose it, for a person too. (SecretStorage under code-server is in localStorage,
 * written at once.) Before the reload this waits until IndexedDB holds each name, as a person
 * who reloads a little later would find it.
 */
async function waitForBrowserStorage(page: Workbench['page'], names: string[], timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const found = await browserStorageHolding(page, names);
    if (found.length === names.length) {
      log(`The browser's storage holds the keys the next phase checks (after ${seconds(Date.now() - started)}).`);
      return;
    }
    if (Date.now() - started > timeoutMs) {
      log(
        `The browser's storage did not hold ${names.filter((n) => !found.includes(n)).join(', ')} after ${seconds(timeoutMs)}; reloading anyway.`,
      );
      return;
    }
    await sleep(250);
  }
}

/**
 * Which of `wanted` the browser's storage holds somewhere: every IndexedDB store's keys and
 * string values (globalState, among others) and localStorage (SecretStorage under code-server).
 */
function browserStorageHolding(page: Workbench['page'], wanted: string[]): Promise<string[]> {
  return page.evaluate(async (wanted: string[]) => {
    // Runs in the page (no DOM types here).
    type Req<T> = { result: T; onsuccess: (() => void) | null; onerror: (() => void) | null };
    type Store = { getAllKeys(): Req<unknown[]>; getAll(): Req<unknown[]> };
    type Db = {
      objectStoreNames: ArrayLike<string>;
      transaction(s: string): { objectStore(s: string): Store };
      close(): void;
    };
    const page = globalThis as unknown as {
      indexedDB: { databases(): Promise<{ name?: string }[]>; open(name: string): Req<Db> };
      localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null };
    };
    const done = <T>(r: Req<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(new Error('IndexedDB request failed'));
      });
    const missing = new Set(wanted);
    const look = (entry: string) => {
      for (const w of missing) if (entry.includes(w)) missing.delete(w);
    };
    for (const { name } of await page.indexedDB.databases()) {
      if (!name) continue;
      const db = await done(page.indexedDB.open(name));
      try {
        for (const storeName of Array.from(db.objectStoreNames)) {
          const store = () => db.transaction(storeName).objectStore(storeName);
          const keys = await done(store().getAllKeys());
          const values = await done(store().getAll());
          keys.forEach((k, i) => look(`${String(k)} ${typeof values[i] === 'string' ? values[i] : ''}`));
        }
      } finally {
        db.close();
      }
    }
    for (let i = 0; i < page.localStorage.length; i++) {
      const k = page.localStorage.key(i) ?? '';
      look(`${k} ${page.localStorage.getItem(k) ?? ''}`);
    }
    return wanted.filter((w) => !missing.has(w));
  }, wanted);
}

/**
 * SecretStorage under code-server: one encrypted blob in the page's localStorage, written again
 * (with a fresh IV) at every store or delete. Its text cannot be searched, but any write changes it.
 */
function secretStorageBlob(page: Workbench['page']): Promise<string> {
  return page.evaluate(
    () =>
      (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem(
        'secrets.provider',
      ) ?? '',
  );
}

/** The SecretStorage blobs marked by tests, by mark name. */
const secretMarks = new Map<string, string>();

/** How long SecretStorage is watched for a write that must not come. */
const SECRETS_SETTLE_MS = 2_000;

/** How long something may take to go away from the screen after the change that removes it. */
const ABSENT_WAIT_MS = 2_000;

/** The share of an element on screen for a person to see it (a row's last pixel may be cut). */
const VISIBLE_SHARE = 0.95;

const UI_AREAS: Record<UiArea, string> = {
  prompt: '.quick-input-widget, .monaco-dialog-box',
  sidebar: '.part.sidebar',
  editor: '.part.editor',
  hover: '.monaco-hover',
  notifications: '.notifications-toasts, .notifications-center',
  statusbar: '.part.statusbar',
};

async function performUiStep(page: Workbench['page'], step: UiStep): Promise<void> {
  const timeout = 10_000;
  if ('see' in step) {
    if (!step.in || step.in === 'prompt') {
      await page.locator(UI_AREAS.prompt).filter({ hasText: step.see }).first().waitFor({ state: 'visible', timeout });
    } else {
      const shown = page.locator(UI_AREAS[step.in]).getByText(step.see).first();
      await shown.waitFor({ state: 'visible', timeout });
      // Visible to a person: on screen and not scrolled out of its container.
      const shownRatio = () =>
        shown.evaluate(
          (el) =>
            new Promise<number>((resolve) => {
              // Runs in the page (no DOM types here): the share of the element a person can see.
              type Observer = { observe(e: unknown): void; disconnect(): void };
              const IO = (
                globalThis as unknown as {
                  IntersectionObserver: new (cb: (entries: { intersectionRatio: number }[]) => void) => Observer;
                }
              ).IntersectionObserver;
              const observer = new IO((entries) => {
                observer.disconnect();
                resolve(entries[0]?.intersectionRatio ?? 0);
              });
              observer.observe(el);
            }),
        );
      // Notifications and hovers slide in: wait for the element to settle in view.
      const deadline = Date.now() + timeout;
      let ratio = await shownRatio();
      while (ratio < VISIBLE_SHARE && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ratio = await shownRatio();
      }
      if (ratio < VISIBLE_SHARE)
        throw new Error(
          `"${step.see}" is in the ${step.in} area but scrolled or cut out of view (${Math.round(ratio * 100)}% shown).`,
        );
    }
  } else if ('absent' in step) {
    const shown = page
      .locator(UI_AREAS[step.in ?? 'prompt'])
      .getByText(step.absent)
      .filter({ visible: true });
    // A view redraws a moment after the change that empties it (each tree asks the extension
    // host for its rows): what goes away within ABSENT_WAIT_MS is gone to a person.
    const deadline = Date.now() + ABSENT_WAIT_MS;
    while ((await shown.count()) > 0) {
      if (Date.now() > deadline) throw new Error(`"${step.absent}" is shown in the ${step.in ?? 'prompt'} area.`);
      await sleep(100);
    }
  } else if ('type' in step) {
    await page.keyboard.type(step.type);
  } else if ('press' in step) {
    await page.keyboard.press(step.press);
  } else if ('notification' in step) {
    const toast = page.locator('.notification-toast').filter({ hasText: step.notification }).first();
    try {
      await toast.getByRole('button', { name: step.click, exact: true }).click({ timeout: timeout / 2 });
    } catch {
      // VS Code hides toasts at times (a newer one, a focus change); a person then opens the
      // notifications list from the status bar's bell and clicks the button there.
      log(`"${step.notification}" is not among the toasts: clicking "${step.click}" in the notifications list.`);
      const bell = page.locator('.statusbar-item[id="status.notifications"], .statusbar-item .codicon-bell').first();
      await bell.click({ timeout });
      const item = page
        .locator('.notifications-center .monaco-list-row')
        .filter({ hasText: step.notification })
        .first();
      await item.hover({ timeout });
      await item.getByRole('button', { name: step.click, exact: true }).click({ timeout });
    }
  } else if ('clickRow' in step) {
    await page
      .locator(`${UI_AREAS.sidebar} .monaco-list-row`)
      .filter({ has: page.getByText(step.clickRow, { exact: true }) })
      .first()
      .click({ timeout, modifiers: step.modifiers ?? [] });
  } else if ('clickAction' in step) {
    const actionSelector = `a.action-label[aria-label="${step.clickAction}"], a.action-label[aria-label^="${step.clickAction} ("]`;
    // Title actions show while the mouse is over their view, as for a person.
    // The button is looked for in its own view's header: a hidden copy of it may sit elsewhere
    // in the side bar (the container's merged title bar).
    const pane = page
      .locator(`${UI_AREAS.sidebar} .pane`)
      .filter({ has: page.locator(actionSelector) })
      .first();
    await pane.locator('.pane-header').hover({ timeout });
    await pane.locator('.pane-header').locator(actionSelector).filter({ visible: true }).first().click({ timeout });
  } else if ('storageHolds' in step) {
    const deadline = Date.now() + 30_000;
    while ((await browserStorageHolding(page, [step.storageHolds])).length === 0) {
      if (Date.now() > deadline)
        throw new Error(`The browser's storage does not hold "${step.storageHolds.slice(0, 13)}…".`);
      await sleep(250);
    }
  } else if ('storageLacks' in step) {
    if ((await browserStorageHolding(page, [step.storageLacks])).length > 0)
      throw new Error(`The browser's storage holds "${step.storageLacks.slice(0, 13)}…".`);
  } else if ('markSecrets' in step) {
    secretMarks.set(step.markSecrets, await secretStorageBlob(page));
  } else if ('secretsUnchanged' in step) {
    // A write from the extension host reaches the page within moments: watch for a while.
    const before = secretMarks.get(step.secretsUnchanged);
    const until = Date.now() + SECRETS_SETTLE_MS;
    while (Date.now() < until) {
      if ((await secretStorageBlob(page)) !== before)
        throw new Error(`SecretStorage was written since the mark "${step.secretsUnchanged}".`);
      await sleep(100);
    }
  } else if ('secretsChanged' in step) {
    const before = secretMarks.get(step.secretsChanged);
    const until = Date.now() + timeout;
    while ((await secretStorageBlob(page)) === before) {
      if (Date.now() > until) throw new Error(`SecretStorage was not written since the mark "${step.secretsChanged}".`);
      await sleep(100);
    }
  } else if ('clipboardRead' in step) {
    await page.context().clearPermissions();
    await page
      .context()
      .grantPermissions(step.clipboardRead ? ['clipboard-read', 'clipboard-write'] : ['clipboard-write']);
  } else if ('focusedPick' in step) {
    await page
      .locator('.quick-input-widget .monaco-list-row.focused')
      .filter({ hasText: step.focusedPick })
      .first()
      .waitFor({ state: 'visible', timeout });
  } else {
    const area = !step.in || step.in === 'prompt' ? '.monaco-dialog-box' : UI_AREAS[step.in];
    await page.locator(area).getByRole('button', { name: step.click, exact: true }).first().click({ timeout });
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
  const pattern = new RegExp(
    `^(\\d{4}-\\d\\d-\\d\\d) (\\d\\d:\\d\\d:\\d\\d\\.\\d+) .*_doActivateExtension ${EXTENSION_UNDER_TEST.replace(/\./g, '\\.')},.*activationEvent: '([^']*)'`,
    'm',
  );
  for (const file of files) {
    const match = pattern.exec(fs.readFileSync(path.join(logs, file), 'utf8'));
    // The editor logs local time.
    if (match) return { at: new Date(`${match[1]}T${match[2]}`).getTime(), event: match[3] ?? 'unknown event' };
  }
  return undefined;
}

/** Copies a session's logs (launcher side and the editor's own, extension host included) to `target`. */
function saveLogs(sessionDir: string, userDataDir: string, target: string): void {
  try {
    for (const name of ['code-server.log', 'browser-console.log', 'progress.log'])
      saveLog(path.join(sessionDir, name), target);
    for (const name of fs.readdirSync(sessionDir).filter((n) => /^result-.*\.json$/.test(n)))
      saveLog(path.join(sessionDir, name), target);
    const editorLogs = path.join(userDataDir, 'logs');
    if (fs.existsSync(editorLogs)) fs.cpSync(editorLogs, path.join(target, 'editor'), { recursive: true });
  } catch (err) {
    log(`Could not save the logs: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function saveLog(file: string, target: string): void {
  try {
    if (!fs.existsSync(file)) return;
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(file, path.join(target, path.basename(file)));
  } catch (err) {
    log(`Could not save ${path.basename(file)}: ${err instanceof Error ? err.message : String(err)}`);
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
