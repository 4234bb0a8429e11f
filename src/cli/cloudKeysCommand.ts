// `cloudxlr cloud rotate-root-key`, `cloud rotate-data-key` and `cloud key-info`: the root key
// and the data keys it wraps (envelope encryption). They print key ids (fingerprints) only.
import * as path from 'path';
import { CLOUD_MIN_NODE, nodeSupportsCloud, tooOldMessage } from '../shared/nodeVersion';
import { parseCommandLine, parseOrExit, UsageError } from './args';

export const KEYS_HELP = `Usage: cloudxlr cloud rotate-root-key [--finish] [options]
       cloudxlr cloud rotate-data-key --project NAME [options]
       cloudxlr cloud key-info [options]

The root key (CLOUDXLR_MASTER_KEY, or DIR/master.key) wraps one data key per project; values
are sealed with the data keys. A root key rotation re-wraps the data keys, never the values,
while the nodes keep serving:
  1. Run rotate-root-key with the new key as CLOUDXLR_MASTER_KEY (or --key-file) and the old
     one in CLOUDXLR_PREVIOUS_MASTER_KEYS (or --previous-key-file): every data key is wrapped
     by both, and the database accepts both.
  2. Restart each node with the new key and the old one as previous key.
  3. Run rotate-root-key --finish with the new key (and the old one, to wrap what nodes still
     on it made meanwhile): the old wrappings are removed; nodes with only the old key are
     refused from then on. Then nodes may drop the previous key.
rotate-data-key gives a project a new data key for its new values (older values keep theirs).
key-info prints the root key ids the database accepts: label backups with them.

Options:
  --data DIR        Data directory: its SQLite database (while no cloud runs on it) and
                    master.key (default ./.cloudxlr/cloud).
  --database URL    The team cloud's PostgreSQL instead (default: CLOUDXLR_DATABASE_URL).
  --key-file FILE   Read the current (new) root key from FILE instead of CLOUDXLR_MASTER_KEY
                    or DIR/master.key.
  --previous-key-file FILE
                    A previous root key (base64 of 32 bytes); repeat for more.
  --finish          Step 3 above.
  --project NAME    The project whose data key rotate-data-key replaces.
  -h, --help        Show this help.

Environment:
  CLOUDXLR_MASTER_KEY            Base64 of the current 32-byte root key.
  CLOUDXLR_PREVIOUS_MASTER_KEYS  Previous root keys, base64, separated by commas.
  CLOUDXLR_DATABASE_URL          Same as --database.`;

export const KEY_COMMANDS = ['rotate-root-key', 'rotate-data-key', 'key-info'] as const;

interface KeyArgs {
  data: string;
  database?: string;
  keyFile?: string;
  previousKeyFiles: string[];
  finish: boolean;
  project?: string;
}

export function parseKeyCommand(argv: readonly string[], env: NodeJS.ProcessEnv): KeyArgs | 'help' {
  const { values } = parseCommandLine(
    argv,
    {
      data: { type: 'string' },
      database: { type: 'string' },
      'key-file': { type: 'string' },
      'previous-key-file': { type: 'string', multiple: true },
      finish: { type: 'boolean' },
      project: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) return 'help';
  const out: KeyArgs = {
    data: values.data ?? path.join('.cloudxlr', 'cloud'),
    previousKeyFiles: values['previous-key-file'] ?? [],
    finish: values.finish ?? false,
  };
  const database = values.database ?? (env.CLOUDXLR_DATABASE_URL || undefined);
  if (database !== undefined) out.database = database;
  if (values['key-file'] !== undefined) out.keyFile = values['key-file'];
  if (values.project !== undefined) out.project = values.project;
  return out;
}

export async function runKeyCommand(sub: (typeof KEY_COMMANDS)[number], argv: string[]): Promise<number> {
  const args = parseOrExit(() => {
    const parsed = parseKeyCommand(argv, process.env);
    if (parsed !== 'help' && sub === 'rotate-data-key' && parsed.project === undefined)
      throw new UsageError('rotate-data-key needs --project NAME.');
    if (parsed !== 'help' && parsed.finish && sub !== 'rotate-root-key')
      throw new UsageError('--finish belongs to rotate-root-key.');
    return parsed;
  }, KEYS_HELP);
  if ('exit' in args) return args.exit;
  if (!nodeSupportsCloud()) {
    console.error(tooOldMessage(`cloudxlr cloud ${sub}`, CLOUD_MIN_NODE, process.versions.node, process.execPath));
    return 1;
  }
  const admin = await import('../localCloud/rootKeys');
  const options = {
    dataDir: args.data,
    database: args.database,
    env: process.env,
    keyFile: args.keyFile,
    previousKeyFiles: args.previousKeyFiles,
    log: (line: string) => console.log(line),
  };
  try {
    if (sub === 'key-info') {
      const info = await admin.keyInfo(options);
      console.log(`Root keys the database accepts: ${info.accepted.join(', ') || 'none yet'}`);
      for (const w of info.wrapped)
        console.log(`  ${w.rootKeyId} wraps ${w.dataKeys} data key${w.dataKeys === 1 ? '' : 's'}`);
      for (const k of info.mine)
        console.log(
          `This machine's ${k.source === 'previous' ? 'previous' : 'current'} root key: ${k.id} (${k.accepted ? 'accepted' : 'not accepted'})`,
        );
      if (info.mine.length === 0) console.log('No root key is configured here (CLOUDXLR_MASTER_KEY or master.key).');
    } else if (sub === 'rotate-data-key') {
      const made = await admin.rotateDataKey(options, args.project!);
      console.log(
        `Project "${args.project!}" seals new values with data key ${made.id} (generation ${made.generation}); older values keep theirs. Running nodes use it within a minute.`,
      );
    } else if (args.finish) {
      const r = await admin.finishRotation(options);
      console.log(
        `Rotation finished: the database accepts only ${r.rootKeyId}; ${r.dataKeys} data key${r.dataKeys === 1 ? ' is' : 's are'} wrapped by it${r.rewrapped > 0 ? ` (${r.rewrapped} wrapped just now)` : ''}. Removed ${r.removed} wrapping${r.removed === 1 ? '' : 's'} by ${r.retired.join(', ') || 'no other key'}. Nodes may now drop their previous keys.`,
      );
    } else {
      const r = await admin.addRootKey(options);
      console.log(
        `The database accepts ${r.accepted.join(', ')}: ${r.rewrapped} of ${r.dataKeys} data key${r.dataKeys === 1 ? '' : 's'} wrapped by ${r.rootKeyId} just now. Restart each node with ${r.rootKeyId} as CLOUDXLR_MASTER_KEY (and the old key in CLOUDXLR_PREVIOUS_MASTER_KEYS), then run cloudxlr cloud rotate-root-key --finish.`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof admin.KeyAdminError) {
      console.error(`cloudxlr cloud ${sub}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
