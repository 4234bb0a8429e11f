// What the test launchers, the test-runner extension and the integration tests agree on.
// Plain Node: no `vscode` import, so launchers and tests can both load it.

/** Environment variables every integration test can read (set by the launchers). */
export const TestEnv = {
  /** `code-server` (npm run test:integration) or `electron` (npm run test:electron). */
  host: 'CLOUDXLR_TEST_HOST',
  /** Base URL of the local cloud started for this run, e.g. `http://127.0.0.1:41234`. */
  endpoint: 'CLOUDXLR_TEST_ENDPOINT',
  /** Bearer token the local cloud was started with. */
  token: 'CLOUDXLR_TEST_TOKEN',
  /** Project the local cloud serves (`demo`, as in the fixture's cloudxlr.json). */
  project: 'CLOUDXLR_TEST_PROJECT',
  /** Data directory of the local cloud started for this run. */
  cloudData: 'CLOUDXLR_TEST_CLOUD_DATA',
  /** What the session opened: its fresh copy of a fixture folder, or a `.code-workspace` file in one. */
  workspace: 'CLOUDXLR_TEST_WORKSPACE',
  /** Directory for artifacts (screenshots, logs): <repo>/out/test-host. */
  artifacts: 'CLOUDXLR_TEST_ARTIFACTS',
  /** Only run tests whose full title matches this regular expression. */
  grep: 'CLOUDXLR_TEST_GREP',
  /** This run's own directory for requests to the launcher: screenshots and UI actions (see requestScreenshot, requestUi). */
  launcherRequests: 'CLOUDXLR_TEST_LAUNCHER_REQUESTS',
  /** A Node.js binary too old for the local cloud (the registry's Node 20), for Start Local Cloud's message. */
  oldNode: 'CLOUDXLR_TEST_OLD_NODE',
  /** A Node.js binary that runs the local cloud (22.13+), for Start Local Cloud where the editor's own Node is older. */
  cloudNode: 'CLOUDXLR_TEST_CLOUD_NODE',
  /** Skip starting the local cloud (launcher development only; npm test never sets it). */
  noCloud: 'CLOUDXLR_TEST_NO_CLOUD',
} as const;

export const EXTENSION_UNDER_TEST = 'cloudxlr.cloudxlr-keys';
/** Identifier of the test-only extension that runs the suite inside code-server. */
export const RUNNER_EXTENSION_ID = 'cloudxlr-test.cloudxlr-test-runner';
export const RUNNER_EXTENSION_FOLDER = 'cloudxlr-test.cloudxlr-test-runner-0.0.1';
export const FIXTURE_PROJECT = 'demo';

/** Written by the launcher into the runner extension's folder as `run.json`. */
export interface RunnerConfig {
  /** Absolute path of the compiled suite entry (out/test/integration/index.js). */
  suitePath: string;
  /**
   * The phases of this editor session, in order, each with the file its result goes to. Each
   * start of the extension host (the first, then one per window reload) runs the first phase
   * whose result file does not exist yet.
   */
  phases: { phase: SuitePhase; resultFile: string }[];
  /** The runner appends the report here line by line while the suite runs. */
  progressFile: string;
  grep?: string;
}

/**
 * Test files run in phases, told apart by their names: `*.test.js` in the main one, and
 * `*.<phase>.test.js` in the phase of that name, each in the editor session made for it:
 * - `afterReload`: the new extension host that a reload of the main session's window starts;
 *   they see what survived (the key index, SecretStorage).
 * - `multiRoot`: a multi-root workspace of two folders with a project each (test/fixtures/multi-root).
 * - `untrusted`: the fixture workspace opened in Restricted Mode (workspace trust not granted).
 */
export const SUITE_PHASES = ['main', 'afterReload', 'multiRoot', 'untrusted'] as const;
export type SuitePhase = (typeof SUITE_PHASES)[number];

/** The phase a compiled test file belongs to, by its name. */
export function phaseOfTestFile(file: string): SuitePhase {
  return SUITE_PHASES.find((p) => p !== 'main' && file.endsWith(`.${p}.test.js`)) ?? 'main';
}

export interface TestFailure {
  fullTitle: string;
  message: string;
  stack?: string;
}

export interface SuiteResult {
  passes: number;
  failures: number;
  pending: number;
  total: number;
  failed: TestFailure[];
  /** The spec reporter's text, without colours. */
  report: string;
  startedAt: number;
  finishedAt: number;
}

/** What the runner extension writes: the suite result plus facts about the host. */
export interface RunnerResult extends SuiteResult {
  /** Epoch ms when the runner extension activated (the extension host was up). */
  activatedAt: number;
  vscodeVersion: string;
  remoteName: string | undefined;
  /** Set when the suite could not be loaded or crashed outside a test. */
  crash?: string;
}

/** Exports of the runner extension, for tests that need an extension context of their own. */
export interface RunnerExports {
  /** The runner extension's own SecretStorage: the host's real secret store. */
  secrets: import('vscode').SecretStorage;
  /** The runner's own log folder; the extension host's other extensions log next to it. */
  logUri: import('vscode').Uri;
}

/** Where the launcher writes requested screenshots, under the artifacts dir. */
export const SCREENSHOTS = 'screenshots';

/** The suffixes of request files in the launcher's requests directory. */
export const SCREENSHOT_REQUEST = '.request';
export const UI_REQUEST = '.ui.json';

/** Whether the code-server launcher takes requests here (not under test-electron). */
export function canDriveUi(): boolean {
  return (
    process.env[TestEnv.host] === 'code-server' &&
    !!process.env[TestEnv.artifacts] &&
    !!process.env[TestEnv.launcherRequests]
  );
}

/**
 * Hands the launcher a request file `<name><suffix>` and waits until it removes it (done);
 * false if it did not within `timeoutMs`. A leftover `<request>.error` is cleared first.
 */
async function askLauncher(
  name: string,
  suffix: string,
  content: string,
  timeoutMs: number,
): Promise<{ done: boolean; request: string }> {
  const fs = await import('fs');
  const path = await import('path');
  const requests = process.env[TestEnv.launcherRequests]!;
  const request = path.join(requests, `${safeName(name)}${suffix}`);
  fs.mkdirSync(requests, { recursive: true });
  fs.rmSync(`${request}.error`, { force: true });
  // Written whole, then renamed: the launcher never reads half a request.
  fs.writeFileSync(`${request}.tmp`, content);
  fs.renameSync(`${request}.tmp`, request);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!fs.existsSync(request)) return { done: true, request };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { done: false, request };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/**
 * From a test: asks the code-server launcher for a screenshot of the workbench as it is now.
 * Resolves with the PNG's path (<repo>/out/test-host/screenshots/<name>.png), or undefined
 * under a host that cannot take one (test-electron).
 */
export async function requestScreenshot(name: string, timeoutMs = 15_000): Promise<string | undefined> {
  if (!canDriveUi()) return undefined;
  const fs = await import('fs');
  const path = await import('path');
  const png = path.join(process.env[TestEnv.artifacts]!, SCREENSHOTS, `${safeName(name)}.png`);
  fs.rmSync(png, { force: true });
  const { done } = await askLauncher(name, SCREENSHOT_REQUEST, String(Date.now()), timeoutMs);
  if (done && fs.existsSync(png)) return png;
  throw new Error(
    done
      ? `The launcher could not take screenshot "${name}" (its output says why).`
      : `The launcher did not take screenshot "${name}" within ${timeoutMs} ms.`,
  );
}

/**
 * Where in the workbench a step looks: prompts (quick input and dialogs, the default), the
 * side bar, the editor area, a hover, the notifications, or the status bar.
 */
export type UiArea = 'prompt' | 'sidebar' | 'editor' | 'hover' | 'notifications' | 'statusbar';

/** One thing a person does in the workbench, done by the code-server launcher in the browser. */
export type UiStep =
  /** Wait until this text is visible in the area (a prompt, quick pick or dialog by default). */
  | { see: string; in?: UiArea }
  /** Check that this text is not visible in the area (after a step that proved the area is drawn). */
  | { absent: string; in?: UiArea }
  /** Type into the focused field. */
  | { type: string }
  /** Press a key or chord, in Playwright's names ('Enter', 'Escape', 'Control+A'). */
  | { press: string }
  /** Click the button with this label in the open dialog (or in the area named). */
  | { click: string; in?: UiArea }
  /** Click the button with this label on the notification showing `notification` (a part of its text). */
  | { notification: string; click: string }
  /** Click the row of a side-bar tree whose label is exactly this text (selects and focuses it), holding the modifier keys given. */
  | { clickRow: string; modifiers?: ('Control' | 'Shift')[] }
  /** Click a side-bar action button (view title or row) with this title, hovering its view first as a mouse does. */
  | { clickAction: string }
  /** Check that the focused row of the open quick pick shows this text (what Enter would run). */
  | { focusedPick: string }
  /** Grant or withdraw the site's clipboard-read permission (writing stays allowed), as a browser's site settings do. */
  | { clipboardRead: boolean }
  /** Wait (up to 30 s) until the browser's storage (IndexedDB, where globalState is; localStorage) holds this text. */
  | { storageHolds: string }
  /** Check that the browser's storage (IndexedDB, localStorage) holds this text nowhere. */
  | { storageLacks: string }
  /** Remember SecretStorage as it is now, under this name (code-server keeps it encrypted in localStorage). */
  | { markSecrets: string }
  /** Check that nothing was written to SecretStorage since the mark (watched for 2 s). */
  | { secretsUnchanged: string }
  /** Wait until something was written to SecretStorage since the mark. */
  | { secretsChanged: string };

/**
 * From a test: asks the code-server launcher to act in the workbench as a person would,
 * through its keyboard and mouse (prompts, dialogs). Start the command that shows the UI
 * first, without awaiting it. Resolves true once done, false under a host that cannot drive
 * the UI (test-electron); rejects with what went wrong.
 */
export async function requestUi(name: string, steps: UiStep[], timeoutMs = 30_000): Promise<boolean> {
  if (!canDriveUi()) return false;
  const fs = await import('fs');
  const { done, request } = await askLauncher(name, UI_REQUEST, JSON.stringify(steps), timeoutMs);
  if (!done) throw new Error(`The launcher did not act on "${name}" within ${timeoutMs} ms.`);
  if (fs.existsSync(`${request}.error`))
    throw new Error(`In the workbench, "${name}" failed: ${fs.readFileSync(`${request}.error`, 'utf8')}`);
  return true;
}
