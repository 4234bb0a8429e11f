// The cloud's schema on each engine, as append-only lists of migrations: migration i brings a
// database from schema version i to i + 1. Never edit a migration that has shipped; add one.
//
// Old and new nodes run side by side on one PostgreSQL during a rolling upgrade, so a
// migration only adds (tables, nullable columns, indexes); a node refuses a database only when
// a migration it does not know declared itself unreadable by older nodes (`breaksOlder`).
//
// Values live only in key_versions.sealed, encrypted (see crypto.ts and keyring.ts). Digests
// are stored in clear because the API hands them out anyway.

export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: projects, tokens, the vault, the audit log, and the tables Cloud Functions build on.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE projects (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Only a SHA-256 of each token is kept. label: 'generated' (printed once at first start)
  -- or 'flag' (given with --token / CLOUDXLR_TOKEN; replaced when another one is given).
  CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    project    TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    hash       BLOB NOT NULL,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX tokens_by_project ON tokens(project);

  -- One row per key name ever used in a project. A deleted key keeps its row (deleted_at set,
  -- its versions erased) so that a key created again under the same name continues the
  -- version numbers: versions only grow, and a pinned version never changes meaning.
  CREATE TABLE keys (
    project    TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (project, name)
  ) WITHOUT ROWID;

  -- sealed = IV (12 bytes) || GCM tag (16 bytes) || ciphertext, with AAD binding
  -- project, name and version.
  CREATE TABLE key_versions (
    project    TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    digest     TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project, name, version),
    FOREIGN KEY (project, name) REFERENCES keys(project, name) ON DELETE CASCADE
  ) WITHOUT ROWID;

  CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    project  TEXT NOT NULL,
    time     TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    token_id TEXT NOT NULL
  );
  CREATE INDEX audit_by_project ON audit(project, id);

  -- Cloud Functions. A key is "in use" while the active release of a function names it in
  -- secrets_json ([{"name":"KEY","version":"latest"|N}]).
  CREATE TABLE functions (
    project        TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    active_release INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (project, name)
  ) WITHOUT ROWID;

  CREATE TABLE releases (
    project      TEXT NOT NULL,
    function     TEXT NOT NULL,
    release      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    runtime      TEXT NOT NULL DEFAULT 'node20',
    code         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    secrets_json TEXT NOT NULL DEFAULT '[]',
    env_json     TEXT NOT NULL DEFAULT '{}',
    timeout_ms   INTEGER NOT NULL DEFAULT 10000,
    PRIMARY KEY (project, function, release),
    FOREIGN KEY (project, function) REFERENCES functions(project, name) ON DELETE CASCADE
  ) WITHOUT ROWID;
  `,
  // 2: functions' stored log lines (before, created by the functions module on first use).
  `
  CREATE TABLE IF NOT EXISTS function_logs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project    TEXT NOT NULL,
    function   TEXT NOT NULL,
    time       TEXT NOT NULL,
    level      TEXT NOT NULL,
    message    TEXT NOT NULL,
    request_id TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS function_logs_by_function ON function_logs(project, function, id);
  CREATE INDEX IF NOT EXISTS audit_by_time ON audit(time);
  CREATE INDEX IF NOT EXISTS function_logs_by_time ON function_logs(time);
  `,
  // 3: identities. Members (people, one personal token each) with a role per project, CI service
  // tokens (one project, a set of permissions, an expiry), and who acted in the audit log.
  // Tokens are kept as SHA-256 only, found by hash (they name no project).
  `
  CREATE TABLE members (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    hash       BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE memberships (
    project    TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    member_id  TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project, member_id)
  ) WITHOUT ROWID;
  CREATE INDEX memberships_by_member ON memberships(member_id);
  CREATE TABLE service_tokens (
    id               TEXT PRIMARY KEY,
    project          TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    hash             BLOB NOT NULL UNIQUE,
    hint             TEXT NOT NULL,
    permissions_json TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    revoked_at       TEXT,
    last_used_at     TEXT
  ) WITHOUT ROWID;
  CREATE INDEX service_tokens_by_project ON service_tokens(project);
  ALTER TABLE audit ADD COLUMN actor TEXT;
  ALTER TABLE audit ADD COLUMN source TEXT;
  `,
  // 4: envelope encryption. A root key wraps one data key per project (and install-wide keys);
  // each row is one data key wrapped by one root key, so a rotation adds rows for the new root
  // key before the old ones are removed. owner: 'project:NAME' or 'install:NAME'; generation
  // grows when a project's data key is rotated (the highest seals new values). The id `legacy`
  // is the key earlier versions derived from the master key (key_versions.data_key_id NULL).
  `
  CREATE TABLE data_keys (
    id          TEXT NOT NULL,
    owner       TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    root_key_id TEXT NOT NULL,
    wrapped     BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    wrapped_at  TEXT NOT NULL,
    PRIMARY KEY (id, root_key_id),
    UNIQUE (owner, generation, root_key_id)
  ) WITHOUT ROWID;
  -- The ids of the root keys this database accepts (fingerprints; they reveal nothing).
  CREATE TABLE root_keys (
    id       TEXT PRIMARY KEY,
    added_at TEXT NOT NULL
  ) WITHOUT ROWID;
  ALTER TABLE key_versions ADD COLUMN data_key_id TEXT;
  `,
];

export interface PostgresMigration {
  sql: string;
  /** True when nodes that do not know this migration can no longer run on the database. */
  breaksOlder?: boolean;
}

/** The same schema on PostgreSQL: BYTEA for sealed values, BIGSERIAL ids, the same names. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    sql: `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE projects (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
  );
  CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    project    TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    hash       BYTEA NOT NULL,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX tokens_by_project ON tokens(project);
  CREATE TABLE keys (
    project    TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    PRIMARY KEY (project, name)
  );
  CREATE TABLE key_versions (
    project    TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    digest     TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project, name, version),
    FOREIGN KEY (project, name) REFERENCES keys(project, name) ON DELETE CASCADE
  );
  CREATE TABLE audit (
    id       BIGSERIAL PRIMARY KEY,
    project  TEXT NOT NULL,
    time     TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    token_id TEXT NOT NULL
  );
  CREATE INDEX audit_by_project ON audit(project, id);
  CREATE INDEX audit_by_time ON audit(time);
  CREATE TABLE functions (
    project        TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    active_release INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (project, name)
  );
  CREATE TABLE releases (
    project      TEXT NOT NULL,
    function     TEXT NOT NULL,
    release      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    runtime      TEXT NOT NULL DEFAULT 'node20',
    code         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    secrets_json TEXT NOT NULL DEFAULT '[]',
    env_json     TEXT NOT NULL DEFAULT '{}',
    timeout_ms   INTEGER NOT NULL DEFAULT 10000,
    PRIMARY KEY (project, function, release),
    FOREIGN KEY (project, function) REFERENCES functions(project, name) ON DELETE CASCADE
  );
  CREATE TABLE function_logs (
    id         BIGSERIAL PRIMARY KEY,
    project    TEXT NOT NULL,
    function   TEXT NOT NULL,
    time       TEXT NOT NULL,
    level      TEXT NOT NULL,
    message    TEXT NOT NULL,
    request_id TEXT NOT NULL
  );
  CREATE INDEX function_logs_by_function ON function_logs(project, function, id);
  CREATE INDEX function_logs_by_time ON function_logs(time);
  `,
  },
  {
    // 2: identities. Members with a role per project, CI service tokens, who acted in the audit log.
    sql: `
  CREATE TABLE members (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    hash       BYTEA NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE memberships (
    project    TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    member_id  TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (project, member_id)
  );
  CREATE INDEX memberships_by_member ON memberships(member_id);
  CREATE TABLE service_tokens (
    id               TEXT PRIMARY KEY,
    project          TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    hash             BYTEA NOT NULL UNIQUE,
    hint             TEXT NOT NULL,
    permissions_json TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    revoked_at       TEXT,
    last_used_at     TEXT
  );
  CREATE INDEX service_tokens_by_project ON service_tokens(project);
  ALTER TABLE audit ADD COLUMN actor TEXT;
  ALTER TABLE audit ADD COLUMN source TEXT;
  `,
  },
  {
    // 3: envelope encryption (see SQLite migration 4).
    sql: `
  CREATE TABLE data_keys (
    id          TEXT NOT NULL,
    owner       TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    root_key_id TEXT NOT NULL,
    wrapped     BYTEA NOT NULL,
    created_at  TEXT NOT NULL,
    wrapped_at  TEXT NOT NULL,
    PRIMARY KEY (id, root_key_id),
    UNIQUE (owner, generation, root_key_id)
  );
  CREATE TABLE root_keys (
    id       TEXT PRIMARY KEY,
    added_at TEXT NOT NULL
  );
  ALTER TABLE key_versions ADD COLUMN data_key_id TEXT;
  `,
  },
];

/** What a node does with a database's schema version. */
export type SchemaPlan =
  | { kind: 'current' }
  | { kind: 'migrate'; from: number; to: number }
  | { kind: 'newer-compatible'; database: number; known: number }
  | { kind: 'too-new'; database: number; known: number };

/**
 * The plan for a node that knows `known` migrations, on a database at `database` whose oldest
 * readable node version is `readableFrom` (the highest migration that broke older nodes).
 */
export function schemaPlan(database: number, readableFrom: number, known: number): SchemaPlan {
  if (database === known) return { kind: 'current' };
  if (database < known) return { kind: 'migrate', from: database, to: known };
  return readableFrom <= known ? { kind: 'newer-compatible', database, known } : { kind: 'too-new', database, known };
}

/** The message for a database written by a newer CloudXLR that this one cannot run on. */
export function tooNewMessage(database: number, known: number, where: string): string {
  return `The database ${where} was migrated by a newer CloudXLR (schema ${database}, this one knows ${known}) in a way older versions cannot read. Update CloudXLR on this node.`;
}
