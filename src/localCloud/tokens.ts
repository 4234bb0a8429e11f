// Projects and their bearer tokens. Only a SHA-256 of each token is stored; a presented token
// is hashed and compared in constant time against every token of the claimed project (and a
// dummy one when the project does not exist), so neither the token nor the existence of a
// project can be probed through timing or through the answer.
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import { ROLE_PERMISSIONS, type IdentityInfo } from '../api';
import type { KeptReads } from './kept';
import type { TokenLabel, TokenStore } from './storage/tokens';

/** Project names are used as file names (tokens/<project>.token), so they are kept simple. */
export const PROJECT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function projectNameProblem(name: string): string | undefined {
  return PROJECT_NAME_PATTERN.test(name)
    ? undefined
    : `"${name}" is not a valid project name: use 1 to 64 letters, digits, "-" or "_", starting with a letter or digit.`;
}

/** The identity a request's token stands for in one project (its id is its only trace in the audit log). */
export interface Principal extends IdentityInfo {
  project: string;
}

/** A token that was the project's once: expired or revoked, with a message that says so. */
export interface Refused {
  refused: string;
}

/** The single-developer cloud's project token (generated or given by flag): an owner. */
function projectTokenIdentity(project: string, id: string): Principal {
  return {
    project,
    id,
    kind: 'project-token',
    name: 'project token',
    role: 'owner',
    permissions: [...ROLE_PERMISSIONS.owner],
  };
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
  constructor(
    private readonly store: TokenStore,
    private readonly now: () => Date,
    /** A project's token hashes kept between changes (none kept without it). */
    private readonly kept?: KeptReads,
  ) {}

  /** Creates the project if it is new; returns whether it was created. */
  ensureProject(project: string): Promise<boolean> {
    return this.store.ensureProject(project, this.now().toISOString());
  }

  projects(): Promise<string[]> {
    return this.store.projects();
  }

  async hasTokens(project: string): Promise<boolean> {
    return (await this.store.hashes(project)).length > 0;
  }

  /** Adds a token to a project and returns its id. */
  async add(project: string, token: string, label: TokenLabel): Promise<string> {
    const id = newTokenId();
    await this.store.add(project, { id, hash: hashToken(token) }, label, this.now().toISOString());
    return id;
  }

  /**
   * Makes `token` the project's flag token (from --token or CLOUDXLR_TOKEN), replacing an
   * earlier flag token; the generated developer token stays valid. Returns the token's id.
   */
  async setFlagToken(project: string, token: string): Promise<string> {
    const existing = await this.verify(project, token);
    if (existing && !('refused' in existing)) return existing.id;
    const id = newTokenId();
    await this.store.replace(project, { id, hash: hashToken(token) }, 'flag', this.now().toISOString());
    return id;
  }

  /** The identity a bearer token stands for in `project`, or undefined (always the same work). */
  async verify(project: string, token: string | undefined): Promise<Principal | Refused | undefined> {
    const presented = hashToken(token ?? '');
    const load = () => this.store.hashes(project);
    const rows = this.kept ? await this.kept.read({ project, kind: 'tokens', name: '' }, 'hashes', load) : await load();
    let found: string | undefined;
    if (rows.length === 0) timingSafeEqual(presented, DUMMY_HASH);
    for (const row of rows) {
      // Compare against every row, without stopping early.
      if (row.hash.length === presented.length && timingSafeEqual(row.hash, presented) && token) found = row.id;
    }
    return found ? projectTokenIdentity(project, found) : undefined;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}
