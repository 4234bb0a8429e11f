// The secretlint 13 baseline for `npm run bench -- lint`. secretlint 13 needs Node 22 or later
// and this project runs on Node 20, so the bench installs, once, a Node 24 binary from the npm
// registry and secretlint 13 with its recommended preset into a cache folder of their own
// (~/.cache/cloudxlr-bench/secretlint13), and runs secretlint there in a child process.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const BASELINE_DIR = path.join(os.homedir(), '.cache', 'cloudxlr-bench', 'secretlint13');
const NODE_VERSION = '24.22.3';
const PACKAGES: Record<string, string> = {
  '@secretlint/core': '13.1.0',
  '@secretlint/secretlint-rule-preset-recommend': '13.1.0',
  secretlint: '13.0.6',
};

function nodePackage(): string {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `node-${platform}-${process.arch}`;
}

export interface Baseline {
  /** The Node 24 executable. */
  node: string;
  /** secretlint's command line script. */
  cli: string;
  worker: string;
}

/** Installs the baseline when missing (about 60 MB, once); returns undefined when that fails. */
export function ensureBaseline(log: (s: string) => void): Baseline | undefined {
  const deps = { [nodePackage()]: NODE_VERSION, ...PACKAGES };
  const manifest = JSON.stringify({ name: 'cloudxlr-bench-secretlint13', private: true, dependencies: deps }, null, 2);
  const pkgFile = path.join(BASELINE_DIR, 'package.json');
  const node = path.join(
    BASELINE_DIR,
    'node_modules',
    nodePackage(),
    'bin',
    process.platform === 'win32' ? 'node.exe' : 'node',
  );
  const cli = path.join(BASELINE_DIR, 'node_modules', 'secretlint', 'bin', 'secretlint.js');
  const worker = path.join(BASELINE_DIR, 'secretlintWorker.mjs');
  const installed =
    fs.existsSync(pkgFile) &&
    fs.readFileSync(pkgFile, 'utf8') === manifest &&
    fs.existsSync(node) &&
    fs.existsSync(cli);
  if (!installed) {
    log(
      `installing the secretlint 13 baseline (Node ${NODE_VERSION} and secretlint from the npm registry) into ${BASELINE_DIR} …`,
    );
    fs.rmSync(BASELINE_DIR, { recursive: true, force: true });
    fs.mkdirSync(BASELINE_DIR, { recursive: true });
    fs.writeFileSync(pkgFile, manifest);
    const npm = process.env.npm_execpath;
    const [cmd, args] = npm && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
    // The project's npm settings (a Node 20 header directory) do not apply to this Node.
    const r = spawnSync(cmd, [...args, 'install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
      cwd: BASELINE_DIR,
      encoding: 'utf8',
      env: { ...process.env, npm_config_nodedir: '' },
    });
    if (r.status !== 0 || !fs.existsSync(node)) {
      log(`could not install the baseline: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ')}`);
      fs.rmSync(pkgFile, { force: true });
      return undefined;
    }
    fs.chmodSync(node, 0o755);
  }
  fs.copyFileSync(path.join(__dirname, '..', '..', 'bench', 'secretlintWorker.mjs'), worker);
  return { node, cli, worker };
}

export interface BaselineRun {
  node: string;
  files: number;
  bytes: number;
  messages: number;
  cpuMs: number;
  wallMs: number;
}

/** Lints `files` with secretlint's core API in the baseline's Node; at most `budgetMs` of linting. */
export function runBaseline(b: Baseline, files: string[], budgetMs: number): BaselineRun {
  const list = path.join(BASELINE_DIR, 'files.json');
  fs.writeFileSync(list, JSON.stringify(files));
  const r = spawnSync(b.node, [b.worker, list, String(budgetMs)], {
    cwd: BASELINE_DIR,
    encoding: 'utf8',
    timeout: budgetMs + 120_000,
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{'))
    throw new Error(`secretlint baseline failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
  return JSON.parse(line) as BaselineRun;
}
