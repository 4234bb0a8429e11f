// `cloudxlr cloud start`: runs the CloudXLR cloud until SIGINT/SIGTERM, on the embedded SQLite
// file or, with --database, as one node of a team cloud on PostgreSQL.
// `cloudxlr cloud migrate`: brings a PostgreSQL database to this version's schema.
// `cloudxlr cloud members|tokens|audit-hash`: identities (identityCommands.ts).
import * as path from 'path';
import { CLOUD_MIN_NODE, nodeSupportsCloud, tooOldMessage } from '../shared/nodeVersion';
import { trustedProxyProblem } from '../localCloud/clientAddress';
import { parseRateLimit, type RateLimitSettings } from '../localCloud/rateLimits';
import { parseCommandLine, parseOrExit, UsageError } from './args';
import { runIdentityCommand } from './identityCommands';
import { KEY_COMMANDS, runKeyCommand } from './cloudKeysCommand';

const HELP = `Usage: cloudxlr cloud start [options]
       cloudxlr cloud migrate --database postgres://…
       cloudxlr cloud members add|list|remove|reissue …  (see cloudxlr cloud members --help)
       cloudxlr cloud tokens create|list|revoke …  (see cloudxlr cloud tokens --help)
       cloudxlr cloud audit-hash VALUE
       cloudxlr cloud rotate-root-key | rotate-data-key | key-info (--help for each)

Runs the local CloudXLR cloud (the vault and Cloud Functions) on this machine. With
--database, it is one node of a team cloud: every table lives in PostgreSQL, and any number of
nodes started on the same database (and the same master key) serve the same projects.
\`cloud migrate\` applies this version's schema changes to the database, once, under a lock;
\`cloud start\` does the same when it finds the database behind.

Options:
  --port N          Port to listen on (default 8787; 0 picks a free port).
  --host ADDRESS    Address to listen on (default 127.0.0.1, loopback only).
  --data DIR        Data directory: database, master.key, tokens/ (default ./.cloudxlr/cloud).
  --project NAME    A project to create if missing; repeat for more (default demo).
  --allowed-host NAME
                    A host name (or NAME:PORT) the API answers besides localhost, 127.0.0.1
                    and [::1]; repeat for more. Requests addressed to other names get 421
                    (a defence against DNS rebinding). The public /fn/ trigger answers any.
  --trusted-proxy ADDRESS|CIDR
                    A reverse proxy or load balancer (10.0.0.5, fd00::/8, …) whose
                    X-Forwarded-For header names the client; repeat for more. From any other
                    peer the header is ignored and the peer is the client. Default: none.
  --rate-limit KIND=RATE/s|RATE/min[,burst=N] | KIND=off
                    A rate limit of this node (kept in its memory); repeat for more. KIND:
                      read, write        per token: reads (GET), and everything else
                                         (default 1000/s burst 20000; 200/s burst 10000)
                      function           per public function on /fn/ (1000/s burst 10000)
                      function-client    per client address on /fn/ (200/s burst 5000)
                      auth-failure       missing or wrong tokens per client address
                                         (1/s burst 60); past it, 429 before any check
                    Past a limit the answer is 429 too_many_requests with Retry-After.
                    burst defaults to ten seconds' worth.
  --token TOKEN     Accept TOKEN for the project(s), for scripts and tests
                    (default: the environment variable CLOUDXLR_TOKEN). Without it, each new
                    project gets a generated token, printed once and saved in DIR/tokens/.
  --database URL    Keep all state in PostgreSQL (postgres://user:password@host:5432/name)
                    instead of DIR's SQLite file (default: CLOUDXLR_DATABASE_URL).
  --previous-key-file FILE
                    A previous root key (base64 of 32 bytes) accepted during a rotation;
                    repeat for more (see cloudxlr cloud rotate-root-key --help).
  --quiet           Do not log requests (notices, such as permissions fixed, still show).
  -h, --help        Show this help.

Environment:
  CLOUDXLR_TOKEN       Same as --token.
  CLOUDXLR_MASTER_KEY  Base64 of the 32-byte master (root) key; default DIR/master.key (created 0600).
  CLOUDXLR_PREVIOUS_MASTER_KEYS  Previous root keys (base64, separated by commas) during a rotation.
  CLOUDXLR_ALLOWED_HOSTS  More --allowed-host names, separated by commas.
  CLOUDXLR_DATABASE_URL   Same as --database (keeps the password off the command line).
  CLOUDXLR_TRUSTED_PROXIES  More --trusted-proxy entries, separated by commas.`;

interface StartArgs {
  port: number;
  host: string;
  data: string;
  projects: string[];
  allowedHosts: string[];
  trustedProxies: string[];
  rateLimits: Partial<RateLimitSettings>;
  token?: string;
  database?: string;
  previousKeyFiles: string[];
  quiet: boolean;
}

/** The options of `cloud start`; throws a UsageError for anything else. */
export function parseStart(argv: readonly string[], env: NodeJS.ProcessEnv): StartArgs | 'help' {
  const { values } = parseCommandLine(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      project: { type: 'string', multiple: true },
      'allowed-host': { type: 'string', multiple: true },
      'trusted-proxy': { type: 'string', multiple: true },
      'rate-limit': { type: 'string', multiple: true },
      token: { type: 'string' },
      database: { type: 'string' },
      'previous-key-file': { type: 'string', multiple: true },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) return 'help';
  const out: StartArgs = {
    port: 8787,
    host: values.host ?? '127.0.0.1',
    data: values.data ?? path.join('.cloudxlr', 'cloud'),
    projects: values.project ?? [],
    allowedHosts: values['allowed-host'] ?? [],
    trustedProxies: values['trusted-proxy'] ?? [],
    rateLimits: {},
    previousKeyFiles: values['previous-key-file'] ?? [],
    quiet: values.quiet ?? false,
  };
  if (values.port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(values.port) || Number(values.port) > 65535)
      throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port.slice(0, 40)}".`);
    out.port = Number(values.port);
  }
  if (out.projects.length === 0) out.projects.push('demo');
  for (const entry of out.trustedProxies) {
    const problem = trustedProxyProblem(entry);
    if (problem) throw new UsageError(`--trusted-proxy: ${problem}`);
  }
  for (const text of values['rate-limit'] ?? []) {
    try {
      const [kind, limit] = parseRateLimit(text);
      out.rateLimits[kind] = limit;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const token = values.token ?? (env.CLOUDXLR_TOKEN || undefined);
  if (token !== undefined) out.token = token;
  const database = values.database ?? (env.CLOUDXLR_DATABASE_URL || undefined);
  if (database !== undefined) out.database = database;
  return out;
}

/** The options of `cloud migrate`. */
export function parseMigrate(argv: readonly string[], env: NodeJS.ProcessEnv): { database: string } | 'help' {
  const { values } = parseCommandLine(
    argv,
    { database: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) return 'help';
  const database = values.database ?? (env.CLOUDXLR_DATABASE_URL || undefined);
  if (database === undefined)
    throw new UsageError('cloud migrate needs --database postgres://… (or CLOUDXLR_DATABASE_URL).');
  return { database };
}

async function migrateCommand(argv: string[]): Promise<number> {
  const args = parseOrExit(() => parseMigrate(argv, process.env), HELP);
  if ('exit' in args) return args.exit;
  const { migrateDatabase, describeDatabase, DatabaseError } = await import('../localCloud/storage/postgres');
  try {
    const version = await migrateDatabase(args.database, (line) => console.log(line));
    console.log(`${describeDatabase(args.database)} is at schema version ${version}.`);
    return 0;
  } catch (e) {
    if (e instanceof DatabaseError) {
      console.error(`The migration did not run: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(HELP);
    return sub ? 0 : 2;
  }
  if (sub === 'migrate') return migrateCommand(rest);
  if (sub === 'members' || sub === 'tokens' || sub === 'audit-hash') return runIdentityCommand(sub, rest);
  const keyCommand = KEY_COMMANDS.find((c) => c === sub);
  if (keyCommand) return runKeyCommand(keyCommand, rest);
  if (sub !== 'start') {
    console.error(`Unknown cloud command "${sub.slice(0, 40)}".\n\n${HELP}`);
    return 2;
  }
  const args = parseOrExit(() => parseStart(rest, process.env), HELP);
  if ('exit' in args) return args.exit;

  // The cloud keeps its data in Node's own SQLite (node:sqlite), which older Nodes lack.
  if (!nodeSupportsCloud()) {
    console.error(
      tooOldMessage('The local cloud (cloudxlr cloud start)', CLOUD_MIN_NODE, process.versions.node, process.execPath),
    );
    return 1;
  }
  // Loaded here so that `--help` loads no SQLite.
  const { startLocalCloud, StartError } = await import('../localCloud');
  const { functionIsolation } = await import('../localCloud/functions/runtime');
  let cloud;
  try {
    cloud = await startLocalCloud({
      dataDir: args.data,
      host: args.host,
      port: args.port,
      projects: args.projects,
      token: args.token,
      allowedHosts: args.allowedHosts,
      trustedProxies: args.trustedProxies,
      rateLimits: args.rateLimits,
      database: args.database,
      previousKeyFiles: args.previousKeyFiles,
      log: (line) => console.log(line),
      logRequests: !args.quiet,
    });
  } catch (e) {
    if (e instanceof StartError) {
      console.error(`The local cloud did not start: ${e.message}`);
      return 1;
    }
    throw e;
  }

  // Probed before anything is printed, so that the start-up lines come out together.
  const isolation = functionIsolation();
  console.log(`CloudXLR local cloud listening on ${cloud.url}`);
  console.log(
    `Data directory: ${path.resolve(args.data)} (master key: ${cloud.masterKeySource === 'environment' ? 'CLOUDXLR_MASTER_KEY' : 'master.key'})`,
  );
  const keys = cloud.rootKeys;
  console.log(
    `Root key: ${keys.current}${keys.previous.length > 0 ? `, previous ${keys.previous.join(', ')}` : ''}; the database accepts ${keys.accepted.join(', ')}`,
  );
  if (!keys.accepted.includes(keys.current))
    console.log(
      `Notice: the root key ${keys.current} is not accepted yet; this node works with the previous key. Run cloudxlr cloud rotate-root-key.`,
    );
  if (args.database !== undefined) {
    const { describeDatabase } = await import('../localCloud/storage/postgres');
    console.log(`Database: PostgreSQL at ${describeDatabase(args.database)}`);
  }
  console.log(
    `Projects: ${args.projects.join(', ')}${args.token !== undefined ? ' (token given by flag or CLOUDXLR_TOKEN)' : ''}`,
  );
  for (const t of cloud.createdTokens) {
    console.log(`Developer token for project "${t.project}" (shown once, saved in ${t.file}):\n  ${t.token}`);
  }
  const { trustedProxies, rateLimits } = cloud.services;
  console.log(
    trustedProxies.size > 0
      ? `Clients: X-Forwarded-For is read from the trusted proxies ${trustedProxies.entries.join(', ')}`
      : "Clients: the connection's peer (no --trusted-proxy; X-Forwarded-For is ignored)",
  );
  console.log(`Rate limits, per node: ${rateLimits.describe()}`);
  console.log(`Functions: ${isolation.summary}`);
  if (args.host !== '127.0.0.1' && args.host !== 'localhost' && args.host !== '::1') {
    console.log(
      `Warning: listening on ${args.host}, not loopback only. Anyone who can reach this address can try tokens.`,
    );
  }

  const running = cloud;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      console.log(`Received ${signal}; closing the local cloud.`);
      running.close().then(
        () => {
          console.log('Local cloud closed.');
          resolve(0);
        },
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
