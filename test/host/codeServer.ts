// code-server: a real VS Code (with its Node extension host) that installs offline from the
// npm registry and runs headless. Two of them: the oldest VS Code the extension supports
// (engines.vscode) and the newest, each installed and run by the registry Node it needs, once,
// into a cache outside the clone (~/.cache/cloudxlr-test-host/code-server-<version>), so
// fresh CI clones reuse it and the machine's own Node does not matter.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostCacheDir } from './cache';
import { ensureNode, envFor, type NodeRuntime } from './nodeRuntime';
import { Child, log, seconds, startChild, stopChild, tail, waitForHttp } from './processes';

export { hostCacheDir };

export interface Editor {
  /** oldest | newest */
  name: string;
  codeServer: string;
  vscode: string;
  /** The Node major code-server runs on (a registry binary, see nodeRuntime.ts). */
  node: number;
}

/**
 * oldest: the VS Code of engines.vscode (^1.100.0), in the newest code-server that runs on
 * Node 20. newest: the newest code-server on the registry, which needs Node 22+.
 */
export const EDITORS: readonly Editor[] = [
  { name: 'oldest', codeServer: '4.100.3', vscode: '1.100.3', node: 20 },
  { name: 'newest', codeServer: '4.139.1', vscode: '1.139.1', node: 24 },
];

/** Editors by name (CLOUDXLR_TEST_EDITORS=oldest,newest); all of them by default. */
export function selectEditors(names = process.env.CLOUDXLR_TEST_EDITORS): Editor[] {
  const wanted = names
    ?.split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (!wanted?.length) return [...EDITORS];
  const unknown = wanted.filter((n) => !EDITORS.some((e) => e.name === n || e.codeServer === n));
  if (unknown.length)
    throw new Error(
      `CLOUDXLR_TEST_EDITORS names unknown editors: ${unknown.join(', ')} (known: ${EDITORS.map((e) => `${e.name} = code-server ${e.codeServer}`).join(', ')}).`,
    );
  return EDITORS.filter((e) => wanted.includes(e.name) || wanted.includes(e.codeServer));
}

/** An installed editor: its code-server entry script and the Node that runs it. */
export interface InstalledEditor extends Editor {
  entry: string;
  runtime: NodeRuntime;
}
const COMPLETE_MARKER = '.cloudxlr-install-complete';
/** Debian packages code-server's native modules build with and against, plus ripgrep and the browser. */
export const APT_PACKAGES = [
  'build-essential',
  'python3',
  'libkrb5-dev',
  'libsecret-1-dev',
  'libxkbfile-dev',
  'libx11-dev',
  'pkg-config',
  'ripgrep',
  'chromium',
  'bubblewrap',
  'slirp4netns',
];
export const CHROMIUM_PATH = process.env.CLOUDXLR_CHROMIUM ?? '/usr/bin/chromium';
// @vscode/ripgrep (a code-server dependency) downloads rg from GitHub unless this file is in
// os.tmpdir(); a tarball of Debian's rg satisfies it.
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_TARGETS: Record<string, string> = {
  x64: 'x86_64-unknown-linux-musl',
  arm64: 'aarch64-unknown-linux-musl',
};

export function codeServerDir(editor: Editor): string {
  return path.join(hostCacheDir(), `code-server-${editor.codeServer}`);
}

function entryPoint(dir: string): string {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function missingAptPackages(packages: readonly string[]): string[] | undefined {
  const probe = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...packages], {
    encoding: 'utf8',
  });
  if (probe.error) return undefined; // not a Debian-like system
  const installed = new Set(
    probe.stdout
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]?.split(':')[0]),
  );
  return packages.filter((p) => !installed.has(p));
}

/** Installs Debian packages when missing: by default those code-server and the browser need. */
export function ensureSystemPackages(packages: readonly string[] = APT_PACKAGES): void {
  const missing = missingAptPackages(packages);
  if (missing === undefined) {
    // Not Debian: the other packages' programs are looked for by the code that runs them.
    if (packages !== APT_PACKAGES) return;
    // Not Debian: check for the two programs the host runs and leave the build tools to npm.
    for (const program of ['/usr/bin/rg', CHROMIUM_PATH]) {
      if (!fs.existsSync(program)) {
        throw new Error(
          `${program} is missing. Install ripgrep and Chromium (or set CLOUDXLR_CHROMIUM to a Chromium binary), then run again.`,
        );
      }
    }
    return;
  }
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The test host needs these Debian packages: ${missing.join(' ')}.\nInstall them with:\n  sudo sh -c '${command}'\nthen run again.`,
    );
  }
  log(`Installing Debian packages: ${missing.join(' ')} (one time)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...missing]]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0)
      throw new Error(`apt-get ${args[0]} failed (exit ${result.status}). Run as root: ${command}`);
  }
}

function placeRipgrepCache(): void {
  const target = RIPGREP_TARGETS[process.arch];
  if (!target) throw new Error(`No ripgrep cache name for CPU architecture ${process.arch}.`);
  const dir = path.join(os.tmpdir(), RIPGREP_CACHE);
  const tarball = path.join(dir, `ripgrep-v13.0.0-10-${target}.tar.gz`);
  if (fs.existsSync(tarball)) return;
  const rg = '/usr/bin/rg';
  if (!fs.existsSync(rg)) throw new Error(`${rg} is missing: install the Debian package ripgrep.`);
  fs.mkdirSync(dir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-rg-'));
  try {
    fs.copyFileSync(rg, path.join(staging, 'rg'));
    fs.chmodSync(path.join(staging, 'rg'), 0o755);
    execFileSync('tar', ['-czf', `${tarball}.tmp`, '-C', staging, 'rg']);
    fs.renameSync(`${tarball}.tmp`, tarball);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Removes install directories left behind by installs that were killed. */
function removeStaleInstalls(cache: string): void {
  for (const name of fs.existsSync(cache) ? fs.readdirSync(cache) : []) {
    const match = /^\.install-(\d+)-/.exec(name);
    if (!match) continue;
    let alive = false;
    try {
      process.kill(Number(match[1]), 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (!alive) fs.rmSync(path.join(cache, name), { recursive: true, force: true });
  }
}

/**
 * An environment for npm under `runtime` (its bin first on PATH, native builds against its
 * own headers whatever a user ~/.npmrc says), without the variables of the `npm run` that
 * started us.
 */
function installEnv(runtime: NodeRuntime): NodeJS.ProcessEnv {
  return {
    ...envFor(runtime),
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`
    npm_config_loglevel: 'notice',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

/**
 * Returns the editor ready to run, installing its Node and code-server into the cache first if
 * needed (once per machine: 4.100.3 takes about a minute and 300 MB, 4.139.1 about two
 * minutes and 620 MB).
 */
export async function ensureCodeServer(editor: Editor): Promise<InstalledEditor> {
  const runtime = ensureNode(editor.node);
  const dir = codeServerDir(editor);
  if (fs.existsSync(path.join(dir, COMPLETE_MARKER)) && fs.existsSync(entryPoint(dir)))
    return { ...editor, entry: entryPoint(dir), runtime };

  ensureSystemPackages();
  const cache = hostCacheDir();
  fs.mkdirSync(cache, { recursive: true });
  removeStaleInstalls(cache);
  placeRipgrepCache();

  const staging = path.join(cache, `.install-${process.pid}-${Date.now()}`);
  fs.mkdirSync(staging);
  const logFile = path.join(cache, `install-${editor.codeServer}.log`);
  fs.writeFileSync(logFile, '');
  log(
    `Installing code-server ${editor.codeServer} (VS Code ${editor.vscode}) under Node ${runtime.version} into ${dir} (one time, one to three minutes; log: ${logFile})`,
  );
  const started = Date.now();
  const npm = startChild(
    'npm install code-server',
    'npm',
    ['install', '--prefix', staging, `code-server@${editor.codeServer}`],
    {
      cwd: staging,
      env: installEnv(runtime),
      logFile,
    },
  );
  let interrupted = false;
  const stopOnSignal = (): void => {
    interrupted = true;
    void stopChild(npm, 1000).then(() => fs.rmSync(staging, { recursive: true, force: true }));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const ticker = setInterval(() => {
      const last =
        tail(logFile, 5)
          .split('\n')
          .filter((l) => l.trim() && !/unknown env config/i.test(l))
          .pop() ?? '';
      log(`  still installing code-server (${seconds(Date.now() - started)})${last ? `: ${last.slice(0, 120)}` : ''}`);
    }, 20_000);
    const code = await npm.exited.finally(() => clearInterval(ticker));
    if (interrupted)
      throw new Error(
        'Installing code-server was interrupted; nothing was left in the cache. It starts over next time.',
      );
    if (code !== 0 || !fs.existsSync(entryPoint(staging))) {
      throw new Error(
        `Installing code-server failed (npm exit ${code}). Last lines of ${logFile}:\n${tail(logFile, 60)}`,
      );
    }
    fs.writeFileSync(
      path.join(staging, COMPLETE_MARKER),
      `code-server ${editor.codeServer} installed ${new Date().toISOString()}\n`,
    );
    try {
      fs.renameSync(staging, dir);
    } catch {
      // Another run finished first, or a broken copy is in the way.
      if (fs.existsSync(path.join(dir, COMPLETE_MARKER))) fs.rmSync(staging, { recursive: true, force: true });
      else {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.renameSync(staging, dir);
      }
    }
    log(`Installed code-server ${editor.codeServer} in ${seconds(Date.now() - started)}.`);
    return { ...editor, entry: entryPoint(dir), runtime };
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    if (fs.existsSync(staging)) fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Settings for a fresh profile: no welcome page, tips, update or gallery checks. */
export const QUIET_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

/**
 * For a session that keeps workspace trust on: the workspace opens in Restricted Mode without
 * the modal trust prompt (which nobody would answer headless).
 */
export const RESTRICTED_MODE_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
};

/**
 * The environment of code-server and so of its extension host, without `npm run`'s variables.
 * `nodeOnPath` comes first on PATH: the `node` a user has installed, which Start Local Cloud
 * finds there (code-server itself runs on the Node it was given, whatever PATH says).
 */
export function hostEnv(extra: Record<string, string>, nodeOnPath?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  if (nodeOnPath) env.PATH = [path.dirname(nodeOnPath), env.PATH ?? ''].filter(Boolean).join(path.delimiter);
  return { ...env, ...extra };
}

export interface CodeServerOptions {
  editor: InstalledEditor;
  port: number;
  /** Address to bind; 127.0.0.1 unless the dev host is told otherwise. */
  host?: string;
  extensionsDir: string;
  userDataDir: string;
  /** Directory for code-server's own config and state (XDG dirs), kept out of $HOME. */
  stateDir: string;
  /** The folder, or the `.code-workspace` file, to open; also code-server's working directory (its folder). */
  workspace: string;
  /** False: workspace trust stays on, so an untrusted workspace opens in Restricted Mode. */
  trustWorkspace?: boolean;
  env: NodeJS.ProcessEnv;
  logFile: string;
  echo?: string;
}

/** Starts code-server (on 127.0.0.1 unless `host` says otherwise) and waits until it answers. */
export async function startCodeServer(options: CodeServerOptions): Promise<Child> {
  const bind = `${options.host ?? '127.0.0.1'}:${options.port}`;
  for (const dir of [options.extensionsDir, options.userDataDir, options.stateDir])
    fs.mkdirSync(dir, { recursive: true });
  const config = path.join(options.stateDir, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: ${bind}\nauth: none\ncert: false\n`);
  const args = [
    options.editor.entry,
    '--config',
    config,
    '--auth',
    'none',
    '--bind-addr',
    bind,
    '--extensions-dir',
    options.extensionsDir,
    '--user-data-dir',
    options.userDataDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.trustWorkspace === false ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    options.workspace,
  ];
  const child = startChild(`code-server ${options.editor.codeServer}`, options.editor.runtime.node, args, {
    cwd: isWorkspaceFile(options.workspace) ? path.dirname(options.workspace) : options.workspace,
    env: {
      ...options.env,
      XDG_CONFIG_HOME: path.join(options.stateDir, 'config'),
      XDG_DATA_HOME: path.join(options.stateDir, 'data'),
    },
    logFile: options.logFile,
    ...(options.echo ? { echo: options.echo } : {}),
  });
  await waitForHttp(`http://127.0.0.1:${options.port}/healthz`, { timeoutMs: 60_000, child });
  return child;
}

function isWorkspaceFile(p: string): boolean {
  return p.endsWith('.code-workspace');
}

/** The workbench URL that opens `target`: a folder, or a multi-root `.code-workspace` file. */
export function workbenchUrl(port: number, target: string): string {
  return `http://127.0.0.1:${port}/?${isWorkspaceFile(target) ? 'workspace' : 'folder'}=${encodeURIComponent(target)}`;
}
