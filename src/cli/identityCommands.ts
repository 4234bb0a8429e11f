// `cloudxlr cloud members|tokens|audit-hash`: the administrator's commands for a cloud's
// identities. They act on the database directly, as `cloud migrate` does (--data DIR for the
// embedded store, --database URL / CLOUDXLR_DATABASE_URL for a team cloud), through the same
// checks as the API; changes are audited and announced, so running nodes drop what they kept.
import * as fs from 'fs';
import * as path from 'path';
import type { ServiceTokenInfo } from '../api';
import type { Identities } from '../localCloud/identities';
import type { AuditActor, Storage } from '../localCloud/storage';
import { CLOUD_MIN_NODE, nodeSupportsCloud, tooOldMessage } from '../shared/nodeVersion';
import { parseCommandLine, UsageError } from './args';

export const IDENTITY_HELP = `Usage: cloudxlr cloud members add NAME --project P --role owner|developer|viewer
       cloudxlr cloud members list --project P
       cloudxlr cloud members remove NAME --project P
       cloudxlr cloud members reissue NAME
       cloudxlr cloud tokens create --project P --name N --permission X [--permission Y …] --expires-in 30d
       cloudxlr cloud tokens list --project P
       cloudxlr cloud tokens revoke ID --project P
       cloudxlr cloud audit-hash VALUE

Manage who may use a cloud's projects, on its database directly (a team cloud's nodes may run
meanwhile; the embedded cloud must be stopped). A member is a person with one personal token
and a role per project: owner (everything, members and tokens included), developer (write
keys, list, deploy, invoke, logs, audit) or viewer (list and logs). \`members add\` prints a new
member's token once; adding a known member sets its role. \`members reissue\` gives a member a
new token (printed once) when theirs is lost or leaked; the old one stops working at once. A service token is for CI: one
project, the permissions given (never members.manage or tokens.manage), an expiry of 1 to 365
days; it is printed once. Tokens are stored hashed. \`audit-hash\` prints the HMAC the audit
log stores in place of a client address, to search for it.

Options:
  --project NAME    The project (it must exist: \`cloud start --project NAME\` creates it).
  --role ROLE       owner, developer or viewer.
  --name NAME       The service token's name, e.g. "deploy from CI".
  --permission P    keys.describe, keys.write, functions.describe, functions.deploy,
                    functions.invoke, logs.read or audit.read; repeat for more.
  --expires-in N[d] Days until the service token stops working (1 to 365).
  --data DIR        The embedded cloud's data directory (default ./.cloudxlr/cloud).
  --database URL    A team cloud's PostgreSQL (default: CLOUDXLR_DATABASE_URL).
  -h, --help        Show this help.`;

/** A command that could not do its work (exit 1), as opposed to one given wrongly (exit 2). */
class Refusal extends Error {}

/** Who the audit names for what these commands change. */
const ADMIN: AuditActor = { id: 'admin', name: 'admin command line' };

const OPTIONS = {
  project: { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  permission: { type: 'string', multiple: true },
  'expires-in': { type: 'string' },
  data: { type: 'string' },
  database: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

/** Runs `cloud members …`, `cloud tokens …` or `cloud audit-hash …`; answers the exit code. */
export async function runIdentityCommand(group: 'members' | 'tokens' | 'audit-hash', argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandLine(argv, OPTIONS, true));
  } catch (e) {
    return usage(e);
  }
  if (values.help || positionals[0] === 'help') {
    console.log(IDENTITY_HELP);
    return 0;
  }
  try {
    const action = group === 'audit-hash' ? 'hash' : positionals.shift();
    const run = pickAction(group, action, positionals, values);
    const database = values.database ?? (process.env.CLOUDXLR_DATABASE_URL || undefined);
    const dataDir = path.resolve(values.data ?? path.join('.cloudxlr', 'cloud'));
    // audit-hash only reads, so it may run beside a running embedded cloud.
    return await withStorage(database, dataDir, run, group !== 'audit-hash');
  } catch (e) {
    return usage(e);
  }
}

type Action = (storage: Storage, where: { database?: string; dataDir: string }) => Promise<number>;

function pickAction(group: string, action: string | undefined, rest: string[], values: Values): Action {
  const one = (what: string): string => {
    if (rest.length !== 1) throw new UsageError(`cloud ${group} ${action} needs exactly one ${what}.`);
    return rest[0];
  };
  const none = (): void => {
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0].slice(0, 40)}".`);
  };
  const project = (): string => {
    if (!values.project) throw new UsageError(`cloud ${group} ${action} needs --project NAME.`);
    return values.project;
  };
  if (group === 'audit-hash') {
    const value = one('VALUE (a client address, say)');
    return (storage, where) => auditHash(storage, where, value);
  }
  if (group === 'members') {
    if (action === 'add') {
      const name = one('member NAME');
      const p = project();
      if (!values.role) throw new UsageError('cloud members add needs --role owner, developer or viewer.');
      const role = values.role;
      return async (storage) => {
        const r = await (await identitiesIn(storage, p)).setMember(p, name, role, ADMIN);
        if (r.token) {
          console.log(`Added ${r.member.name} (${r.member.id}) to project ${p} as ${r.member.role}.`);
          console.log(
            `Personal token of ${r.member.name} (shown once; hand it over privately, it is stored hashed):\n  ${r.token}`,
          );
        } else {
          console.log(`${r.member.name} (${r.member.id}) is ${r.member.role} in project ${p}.`);
        }
        return 0;
      };
    }
    if (action === 'list') {
      none();
      const p = project();
      return async (storage) => {
        const members = await (await identitiesIn(storage, p)).members(p);
        if (members.length === 0) console.log(`Project ${p} has no members yet.`);
        else
          printTable(
            ['NAME', 'ROLE', 'ID', 'ADDED'],
            members.map((m) => [m.name, m.role, m.id, m.createdAt]),
          );
        return 0;
      };
    }
    if (action === 'remove') {
      const name = one('member NAME (or id)');
      const p = project();
      return async (storage) => {
        await (await identitiesIn(storage, p)).removeMember(p, name, ADMIN);
        console.log(`Removed ${name} from project ${p}; its token no longer opens the project.`);
        return 0;
      };
    }
    if (action === 'reissue') {
      const name = one('member NAME (or id)');
      return async (storage) => {
        const r = await (await identitiesIn(storage)).reissueMemberToken(name, ADMIN);
        const where = r.projects.length > 0 ? `projects ${r.projects.join(', ')}` : 'no project yet';
        console.log(`New token for ${r.name} (${r.id}, ${where}); the previous token no longer works.`);
        console.log(
          `Personal token of ${r.name} (shown once; hand it over privately, it is stored hashed):\n  ${r.token}`,
        );
        return 0;
      };
    }
    throw new UsageError(
      `Unknown command "cloud members ${(action ?? '').slice(0, 40)}": use add, list, remove or reissue.`,
    );
  }
  if (action === 'create') {
    none();
    const p = project();
    if (!values.name) throw new UsageError('cloud tokens create needs --name NAME.');
    if (!values.permission?.length)
      throw new UsageError('cloud tokens create needs --permission (repeat it for more than one).');
    const expires = values['expires-in'];
    if (expires === undefined)
      throw new UsageError('cloud tokens create needs --expires-in DAYS (1 to 365), e.g. 30d.');
    const m = /^([0-9]{1,4})d?$/.exec(expires);
    if (!m) throw new UsageError(`--expires-in must be a number of days such as 30d, not "${expires.slice(0, 40)}".`);
    const request = { name: values.name, permissions: values.permission, expiresInDays: Number(m[1]) };
    return async (storage) => {
      const r = await (await identitiesIn(storage, p)).createServiceToken(p, request, ADMIN);
      console.log(
        `Created service token ${r.info.id} "${r.info.name}" for project ${p}: ${r.info.permissions.join(', ')}; expires ${r.info.expiresAt}.`,
      );
      console.log(`Token (shown once; put it in your CI's secret store, it is stored hashed):\n  ${r.token}`);
      return 0;
    };
  }
  if (action === 'list') {
    none();
    const p = project();
    return async (storage) => {
      const list = await (await identitiesIn(storage, p)).serviceTokens(p);
      if (list.length === 0) console.log(`Project ${p} has no service tokens.`);
      else
        printTable(
          ['ID', 'NAME', 'HINT', 'PERMISSIONS', 'EXPIRES', 'STATE', 'LAST USED'],
          list.map((t) => [
            t.id,
            t.name,
            `${t.hint}…`,
            t.permissions.join(','),
            t.expiresAt,
            tokenState(t),
            t.lastUsedAt ?? '-',
          ]),
        );
      return 0;
    };
  }
  if (action === 'revoke') {
    const id = one('token ID (svc_…)');
    const p = project();
    return async (storage) => {
      const t = await (await identitiesIn(storage, p)).revokeServiceToken(p, id, ADMIN);
      console.log(`Revoked service token ${t.id} "${t.name}" of project ${p} (on ${t.revokedAt}).`);
      return 0;
    };
  }
  throw new UsageError(`Unknown command "cloud tokens ${(action ?? '').slice(0, 40)}": use create, list or revoke.`);
}

function tokenState(t: ServiceTokenInfo): string {
  if (t.revokedAt) return `revoked ${t.revokedAt}`;
  return Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'active';
}

/** The identities of the cloud, after checking that `project` (when given) exists. */
async function identitiesIn(storage: Storage, project?: string): Promise<Identities> {
  if (project !== undefined && !(await storage.tokens.projects()).includes(project))
    throw new Refusal(
      `There is no project "${project.slice(0, 64)}" in this cloud. Start the cloud with --project ${project.slice(0, 64)} to create it.`,
    );
  const { Identities } = await import('../localCloud/identities');
  return new Identities(storage.identities, () => new Date());
}

/** Opens the cloud's storage (the embedded one under its lock), runs `action`, closes it. */
async function withStorage(
  database: string | undefined,
  dataDir: string,
  action: Action,
  changes: boolean,
): Promise<number> {
  if (database !== undefined) {
    const { openPostgresStorage, DatabaseError } = await import('../localCloud/storage/postgres');
    let storage: Storage;
    try {
      storage = await openPostgresStorage(database);
    } catch (e) {
      if (e instanceof DatabaseError) throw new Refusal(e.message);
      throw e;
    }
    try {
      return await action(storage, { database, dataDir });
    } finally {
      await storage.close();
    }
  }
  if (!nodeSupportsCloud()) {
    console.error(tooOldMessage('The local cloud', CLOUD_MIN_NODE, process.versions.node, process.execPath));
    return 1;
  }
  const { DB_FILE } = await import('../localCloud/db');
  if (!fs.existsSync(path.join(dataDir, DB_FILE)))
    throw new Refusal(
      `There is no cloud in ${dataDir}. Give --data DIR (the directory of cloud start) or --database URL.`,
    );
  const { prepareDataDir, DataDirError } = await import('../localCloud/dataDir');
  const { openEmbeddedStorage } = await import('../localCloud/storage/sqlite');
  let lock: { release(): void } = { release: () => undefined };
  try {
    // A running embedded cloud keeps identities in memory and would not hear this change.
    if (changes) lock = prepareDataDir(dataDir, () => undefined);
  } catch (e) {
    if (e instanceof DataDirError)
      throw new Refusal(`${e.message} (While it runs, owners manage members and tokens through its API.)`);
    throw e;
  }
  try {
    const storage = openEmbeddedStorage(dataDir);
    try {
      return await action(storage, { dataDir });
    } finally {
      await storage.close();
    }
  } finally {
    lock.release();
  }
}

async function auditHash(storage: Storage, where: { database?: string; dataDir: string }, value: string) {
  const { MasterKeyError } = await import('../localCloud/crypto');
  const { openKeyring } = await import('../localCloud/rootKeys');
  const { loadAuditKey } = await import('../localCloud/auditKey');
  try {
    const keyring = await openKeyring(storage, { dataDir: where.dataDir, database: where.database, env: process.env });
    console.log((await loadAuditKey(keyring)).hash(value));
  } catch (e) {
    if (e instanceof MasterKeyError) throw new Refusal(e.message);
    throw e;
  }
  return 0;
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows])
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}

function usage(e: unknown): number {
  if (e instanceof UsageError) {
    console.error(`${e.message}\n\nSee cloudxlr cloud members --help.`);
    return 2;
  }
  // ApiError: the same checks as the API (a wrong name, role, permission or expiry; the last owner).
  if (e instanceof Refusal || (e instanceof Error && e.name === 'ApiError')) {
    console.error(e.message);
    return 1;
  }
  throw e;
}
