// The local cloud's SQLite schema, as an append-only list of migrations: migration i brings
// the database from user_version i to i + 1. Never edit a migration that has shipped; add one.
//
// Values live only in key_versions.sealed, encrypted (see crypto.ts). Digests are stored in
// clear because the API hands them out anyway.

export const MIGRATIONS: readonly string[] = [
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
];
