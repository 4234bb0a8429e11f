// Projects and their bearer tokens. Only a SHA-256 of each token is stored; a presented token
// is hashed and compared in constant time against every token of the claimed project (and a
// dummy one when the project does not exist), so neither the token nor the existence of a
// project can be probed through timing or through the answer.
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import type { Db } from './db';

/** Project names are used as file names (tokens/<project>.token), so they are kept simple. */
export const PROJECT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function projectNameProblem(name: string): string | undefined {
  return PROJECT_NAME_PATTERN.test(name)
    ? undefined
    : `"${name}" is not a valid project name: use 1 to 64 letters, digits, "-" or "_", starting with a letter or digit.`;
}

export interface Principal {
  project: string;
  /** The token's id, the only trace of it in the audit log. */
  tokenId: string;
}

const DUMMY_HASH = createHash('sha256').update('cloudxlr: no such project').digest();

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function generateToken(): string {
  return 'cxlr_' + randomBytes(32).toString('base64url');
}

function newTokenId(): string {
  return 'tok_' + randomBytes(6).toString('hex');
}

export class Tokens {
  private readonly byProject;
  private readonly insertToken;
  private readonly deleteLabel;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {
    this.byProject = db.prepare<[string], { id: string; hash: Buffer }>(
      'SELECT id, hash FROM tokens WHERE project = ?',
    );
    this.insertToken = db.prepare('INSERT INTO tokens (id, project, hash, label, created_at) VALUES (?, ?, ?, ?, ?)');
    this.deleteLabel = db.prepare('DELETE FROM tokens WHERE project = ? AND label = ?');
  }

  /** Creates the project if it is new; returns whether it was created. */
  ensureProject(project: string): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO projects (name, created_at) VALUES (?, ?)')
      .run(project, this.now().toISOString());
    return r.changes > 0;
  }

  projects(): string[] {
    return this.db
      .prepare<[], { name: string }>('SELECT name FROM projects ORDER BY name')
      .all()
      .map((r) => r.name);
  }

  hasTokens(project: string): boolean {
    return this.byProject.all(project).length > 0;
  }

  /** Adds a token to a project and returns its id. */
  add(project: string, token: string, label: 'generated' | 'flag'): string {
    const id = newTokenId();
    this.insertToken.run(id, project, hashToken(token), label, this.now().toISOString());
    return id;
  }

  /**
   * Makes `token` the project's flag token (from --token or CLOUDXLR_TOKEN), replacing an
   * earlier flag token; the generated developer token stays valid. Returns the token's id.
   */
  setFlagToken(project: string, token: string): string {
    const existing = this.verify(project, token);
    if (existing) return existing.tokenId;
    return this.db.transaction(() => {
      this.deleteLabel.run(project, 'flag');
      return this.add(project, token, 'flag');
    })();
  }

  /** The principal a bearer token stands for in `project`, or undefined (always the same work). */
  verify(project: string, token: string | undefined): Principal | undefined {
    const presented = hashToken(token ?? '');
    const rows = this.byProject.all(project);
    let found: string | undefined;
    if (rows.length === 0) timingSafeEqual(presented, DUMMY_HASH);
    for (const row of rows) {
      // Compare against every row, without stopping early.
      if (row.hash.length === presented.length && timingSafeEqual(row.hash, presented) && token) found = row.id;
    }
    return found ? { project, tokenId: found } : undefined;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}
