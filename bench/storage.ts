// `npm run bench -- storage`: the vault's put and list rates on its storage, Node's own SQLite
// (node:sqlite), beside the storage it replaced (better-sqlite3, native) measured in the same
// run, under the same Node and with the same pragmas (WAL, synchronous=FULL, secure_delete),
// the same schema and the same Vault code; then the cold start of the local cloud
// (`cloudxlr cloud start` until it listens) beside a bare node:http server's.
//
// better-sqlite3 is no dependency of the project any more: the bench installs it once into the
// test-host cache, built against the headers of the Node that runs the bench.
import { spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostCacheDir } from '../test/host/cache';
import {
  DEFAULT_CLOUD_NODE_MAJOR,
  ensureNode,
  envFor,
  hasNodeSqlite,
  type NodeRuntime,
} from '../test/host/nodeRuntime';

const PUTS = 2000;
const KEYS = 200;
const LIST_SECONDS = 2;
const COLD_STARTS = 5;
const BASELINE_DRIVER = 'better-sqlite3@12';

type Driver = 'node:sqlite' | 'better-sqlite3';

interface StorageResult {
  driver: Driver;
  putsPerSecond: number;
  listsPerSecond: number;
}

/** The Node the bench's children run under: this one if it has node:sqlite, else the registry's 24. */
function benchNode(): NodeRuntime {
  if (hasNodeSqlite()) {
    return {
      major: Number(process.versions.node.split('.')[0]),
      version: process.versions.node,
      node: process.execPath,
      dir: path.resolve(path.dirname(process.execPath), '..'),
    };
  }
  return ensureNode(DEFAULT_CLOUD_NODE_MAJOR);
}

/** better-sqlite3 built for `runtime`, in the cache; undefined (with the reason printed) when it cannot be built here. */
function ensureBaselineDriver(runtime: NodeRuntime): string | undefined {
  const dir = path.join(
    hostCacheDir(),
    `bench-better-sqlite3-node${runtime.major}-${process.platform}-${process.arch}`,
  );
  const module = path.join(dir, 'node_modules', 'better-sqlite3');
  const marker = path.join(dir, '.cloudxlr-install-complete');
  if (fs.existsSync(marker)) return module;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ private: true, allowScripts: { 'better-sqlite3': true } }),
  );
  console.log(
    `Installing the baseline ${BASELINE_DRIVER} for Node ${runtime.version} into ${dir} (one time; it compiles SQLite, a minute or two)…`,
  );
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', BASELINE_DRIVER], {
    cwd: dir,
    env: envFor(runtime),
    encoding: 'utf8',
  });
  const check =
    r.status === 0
      ? spawnSync(runtime.node, ['-e', `new (require(${JSON.stringify(module)}))(':memory:').close()`], {
          encoding: 'utf8',
        })
      : undefined;
  if (r.status !== 0 || check?.status !== 0) {
    console.log(
      `  The baseline could not be built here (${((r.stderr || check?.stderr || '').trim().split('\n').pop() ?? '').slice(0, 200)}); showing node:sqlite alone.`,
    );
    return undefined;
  }
  fs.writeFileSync(marker, `${BASELINE_DRIVER} for Node ${runtime.version}\n`);
  return module;
}

function runChild(runtime: NodeRuntime, driver: Driver, baselineModule: string | undefined): StorageResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-bench-storage-'));
  try {
    const r = spawnSync(runtime.node, [__filename, '--storage-child', driver, dir, baselineModule ?? ''], {
      encoding: 'utf8',
      env: envFor(runtime),
    });
    if (r.status !== 0) throw new Error(`The ${driver} bench failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as StorageResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds from spawning `args` under `node` until it prints "listening on". */
function timeToListen(node: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (/listening on/i.test(out)) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        child.once('exit', () => resolve(ms));
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      if (!/listening on/i.test(out))
        reject(new Error(`${args.join(' ')} exited with ${code} before listening:\n${out}`));
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const runtime = benchNode();
  const baseline = ensureBaselineDriver(runtime);
  console.log(
    `Vault on its storage, under Node ${runtime.version}: ${PUTS} puts (each a committed, fsync'd transaction with its audit event) over ${KEYS} keys, then lists of ${KEYS} keys for ${LIST_SECONDS} s.`,
  );
  const results: StorageResult[] = [];
  // Alternated, so a burst of load on a shared machine does not land on one driver only.
  for (const driver of (baseline
    ? ['better-sqlite3', 'node:sqlite', 'better-sqlite3', 'node:sqlite']
    : ['node:sqlite', 'node:sqlite']) as Driver[]) {
    results.push(runChild(runtime, driver, baseline));
  }
  const best = (d: Driver, f: (r: StorageResult) => number): number | undefined => {
    const xs = results.filter((r) => r.driver === d).map(f);
    return xs.length ? Math.max(...xs) : undefined;
  };
  for (const [label, pick] of [
    ['put', (r: StorageResult) => r.putsPerSecond],
    ['list', (r: StorageResult) => r.listsPerSecond],
  ] as const) {
    const now = best('node:sqlite', pick)!;
    const old = best('better-sqlite3', pick);
    console.log(`${label.padEnd(4)} node:sqlite     ${now.toFixed(0).padStart(7)} /s`);
    if (old !== undefined) {
      console.log(`${''.padEnd(4)} better-sqlite3  ${old.toFixed(0).padStart(7)} /s (the storage before, same run)`);
      console.log(`${''.padEnd(4)} ratio           ${(now / old).toFixed(3)} of better-sqlite3's rate`);
    }
  }

  const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first.`);
  const env = { ...envFor(runtime), CLOUDXLR_TOKEN: 'bench-token-0123456789', CLOUDXLR_MASTER_KEY: '' };
  const fresh: number[] = [];
  const again: number[] = [];
  const bare: number[] = [];
  const bareServer = "require('http').createServer().listen(0,'127.0.0.1',()=>console.log('listening on'))";
  for (let i = 0; i < COLD_STARTS; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-bench-start-'));
    try {
      const args = [cli, 'cloud', 'start', '--port', '0', '--data', dir, '--quiet'];
      fresh.push(await timeToListen(runtime.node, args, env));
      again.push(await timeToListen(runtime.node, args, env));
      bare.push(await timeToListen(runtime.node, ['-e', bareServer], env));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`Cold start of the local cloud (spawn to listening, median of ${COLD_STARTS}, Node ${runtime.version}):`);
  console.log(`  new data directory       ${median(fresh).toFixed(0).padStart(5)} ms`);
  console.log(`  existing data directory  ${median(again).toFixed(0).padStart(5)} ms`);
  console.log(`  bare node:http server    ${median(bare).toFixed(0).padStart(5)} ms (baseline: Node's own start)`);
  console.log(`  ratio                    ${(median(again) / median(bare)).toFixed(2)}× the bare server's start`);
}

// ---- Child process: one driver, one fresh database. ----

async function child(driver: Driver, dir: string, baselineModule: string): Promise<void> {
  const { openDatabase } = await import('../src/localCloud/db');
  const { SQLITE_MIGRATIONS: MIGRATIONS } = await import('../src/localCloud/storage/migrations');
  const { sqlStorage } = await import('../src/localCloud/storage');
  const { SqliteClient } = await import('../src/localCloud/storage/sqlite');
  const { ChangeFeed } = await import('../src/localCloud/storage/changes');
  const { Vault } = await import('../src/localCloud/vault');
  const { RootKey } = await import('../src/localCloud/crypto');
  const { Keyring } = await import('../src/localCloud/keyring');
  type Db = import('../src/localCloud/db').Db;
  let db: Db;
  if (driver === 'node:sqlite') {
    db = openDatabase(dir);
  } else {
    // The old db.ts, as it opened the database: the same pragmas and migrations.
    const Database = require(baselineModule) as new (file: string) => Db & { transaction<T>(fn: () => T): () => T };
    const raw = new Database(path.join(dir, 'cloud.db'));
    for (const p of [
      'journal_mode = WAL',
      'synchronous = FULL',
      'foreign_keys = ON',
      'busy_timeout = 5000',
      'secure_delete = ON',
    ])
      raw.pragma(p);
    for (let v = 0; v < MIGRATIONS.length; v++)
      raw.transaction(() => {
        raw.exec(MIGRATIONS[v]!);
        raw.pragma(`user_version = ${v + 1}`);
      })();
    db = raw;
  }
  const now = () => new Date();
  db.prepare('INSERT INTO projects (name, created_at) VALUES (?, ?)').run('bench', now().toISOString());
  const storage = sqlStorage(new SqliteClient(db), 'embedded', new ChangeFeed(undefined, true));
  const keyring = await Keyring.open(storage.dataKeys, storage.meta, [new RootKey(randomBytes(32), 'option')], now);
  const vault = new Vault(storage.keys, keyring, now);
  const value = (i: number): string => `sk_test_bench_value_${i}_${'x'.repeat(32)}`;
  for (let i = 0; i < KEYS; i++) await vault.putKey('bench', `BENCH_KEY_${i}`, value(i), undefined, { id: 'bench' });

  let t0 = process.hrtime.bigint();
  for (let i = 0; i < PUTS; i++)
    await vault.putKey('bench', `BENCH_KEY_${i % KEYS}`, value(i), undefined, { id: 'bench' });
  const putsPerSecond = PUTS / (Number(process.hrtime.bigint() - t0) / 1e9);

  let lists = 0;
  t0 = process.hrtime.bigint();
  const deadline = Date.now() + LIST_SECONDS * 1000;
  while (Date.now() < deadline) {
    if ((await vault.listKeys('bench')).length !== KEYS) throw new Error('wrong number of keys listed');
    lists++;
  }
  const listsPerSecond = lists / (Number(process.hrtime.bigint() - t0) / 1e9);
  db.close();
  console.log(JSON.stringify({ driver, putsPerSecond, listsPerSecond } satisfies StorageResult));
}

if (require.main === module && process.argv[2] === '--storage-child') {
  child(process.argv[3] as Driver, process.argv[4]!, process.argv[5]!).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
