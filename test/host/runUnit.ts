// `npm run test:unit`: the mocha suite under a Node that can run the local cloud (node:sqlite,
// 22.13+): this machine's when it can, else the registry's Node 24 from the test-host cache.
// `--node 22 --node 24` runs it under each of those registry Nodes instead, and `--cloud`
// keeps to the local cloud, functions, deploy and command-line tests (what CI runs per Node).
// Extra arguments are passed to mocha.
//
// Files run one after another, not with mocha's --parallel: on a 2-core machine two workers
// only share the same cores (each file's time doubled, and the tests that bound /v1/health
// during a flood failed), and the packaging tests rebuild dist/ while other files run the
// command line from it.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { DEFAULT_CLOUD_NODE_MAJOR, ensureNode, envFor, hasNodeSqlite, type NodeRuntime } from './nodeRuntime';
import { log, seconds } from './processes';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const ALL_SPECS = 'out/test/unit/**/*.test.js';
const CLOUD_SPECS = ['localCloud', 'functions', 'deploy', 'cli'].map((d) => `out/test/unit/${d}/**/*.test.js`);

function parse(argv: string[]): { majors: number[]; cloud: boolean; mocha: string[] } {
  const majors: number[] = [];
  const mocha: string[] = [];
  let cloud = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--node') {
      const major = Number(argv[++i]);
      if (!Number.isInteger(major) || major < 20)
        throw new Error(`--node needs a Node major version such as 22 or 24, not "${argv[i]}".`);
      majors.push(major);
    } else if (arg === '--cloud') {
      cloud = true;
    } else {
      mocha.push(arg);
    }
  }
  return { majors, cloud, mocha };
}

function runMocha(runtime: NodeRuntime | undefined, args: string[]): number {
  const node = runtime?.node ?? process.execPath;
  log(
    `mocha under Node ${runtime?.version ?? process.versions.node} (${runtime ? `registry package, ${runtime.node}` : 'this machine'})`,
  );
  const started = Date.now();
  const r = spawnSync(node, [require.resolve('mocha/bin/mocha.js', { paths: [repoRoot] }), ...args], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: runtime ? envFor(runtime) : process.env,
  });
  const code = r.status ?? 1;
  log(
    `mocha under Node ${runtime?.version ?? process.versions.node}: ${code === 0 ? 'passed' : `failed (exit ${r.status ?? r.signal})`} in ${seconds(Date.now() - started)}.`,
  );
  return code;
}

function main(): number {
  const { majors, cloud, mocha } = parse(process.argv.slice(2));
  // The spec is given here, not in .mocharc.json: mocha adds spec arguments to the config's
  // spec, so with one there `npx mocha <files>` would run the whole suite instead of those files.
  const args = ['--config', '.mocharc.json', ...mocha, ...(cloud ? CLOUD_SPECS : [ALL_SPECS])];
  if (majors.length === 0) {
    if (hasNodeSqlite()) return runMocha(undefined, args);
    log(
      `This machine's Node ${process.versions.node} has no node:sqlite (the local cloud needs 22.13+): using the registry's Node ${DEFAULT_CLOUD_NODE_MAJOR}.`,
    );
    return runMocha(ensureNode(DEFAULT_CLOUD_NODE_MAJOR), args);
  }
  let failed = 0;
  for (const major of majors) if (runMocha(ensureNode(major), args) !== 0) failed++;
  return failed;
}

if (require.main === module) {
  try {
    process.exit(main());
  } catch (err) {
    console.error(`[host] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
