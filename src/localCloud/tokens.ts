// Projects and the identities their bearer tokens stand for. Only a SHA-256 of each token is
// stored. A presented token is hashed and compared in constant time against every project token
// of the claimed project (and a dummy one when the project does not exist); a member's or a
// service token (told by its prefix) is found by its hash, which names no project. So neither a
// token nor the existence of a project can be probed through timing or through the answer.
// What was found is kept in memory until an identity changes anywhere (kept.ts), so a warm
// request sends no statement to the database.
import { createHash, randomBytes, timingSafeEqual } from 'crypto';
import { ROLE_PERMISSIONS, TOKEN_PREFIX, type IdentityInfo } from '../api';
import type { KeptReads } from './kept';
import { IDENTITIES_CHANGED, type IdentityStore } from './storage/identities';
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

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A new token: the kind's prefix and 32 random bytes. */
export function generateToken(prefix: string = TOKEN_PREFIX.project): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** How often, at most, a service token's last use is written (per node, off the request path). */
export const LAST_USED_EVERY_MS = 60_000;

function newTokenId(): string {
  return 'tok_' + randomBytes(6).toString('hex');
}

export class Tokens {
  constructor(
    private readonly store: TokenStore,
    private readonly now: () => Date,
    /** A project's token hashes and found identities kept between changes (none kept without it). */
    private readonly kept?: KeptReads,
    /** Members and service tokens (none without it: project tokens only). */
    private readonly identities?: IdentityStore,
  ) {}

  /** Service tokens used since the last write of their use, with the time of use. */
  private readonly used = new Map<string, string>();
  /** When each service token's use was last queued here. */
  private readonly usedQueued = new Map<string, number>();

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

  /**
   * The identity a bearer token stands for in `project`; `{ refused }` for a service token of
   * the project that expired or was revoked; else undefined (the same work whether or not the
   * project exists).
   */
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
    if (found) return projectTokenIdentity(project, found);
    if (!token || !this.identities) return undefined;
    if (token.startsWith(TOKEN_PREFIX.member)) return this.member(project, presented);
    if (token.startsWith(TOKEN_PREFIX.service)) return this.serviceToken(project, presented);
    return undefined;
  }

  private async member(project: string, hash: Buffer): Promise<Principal | undefined> {
    const store = this.identities!;
    const m = await this.keptIdentity(`m:${hash.toString('hex')}`, () => store.memberByHash(hash));
    const role = m && Object.prototype.hasOwnProperty.call(m.roles, project) ? m.roles[project] : undefined;
    if (!m || !role) return undefined;
    return { project, id: m.id, kind: 'member', name: m.name, role, permissions: [...ROLE_PERMISSIONS[role]] };
  }

  private async serviceToken(project: string, hash: Buffer): Promise<Principal | Refused | undefined> {
    const store = this.identities!;
    const t = await this.keptIdentity(`s:${hash.toString('hex')}`, () => store.serviceTokenByHash(hash));
    if (!t || t.project !== project) return undefined;
    if (t.revokedAt)
      return {
        refused: `This service token ("${t.name}") was revoked on ${t.revokedAt}; ask an owner of project ${project} to create a new one.`,
      };
    const now = this.now();
    if (now.getTime() >= Date.parse(t.expiresAt))
      return {
        refused: `This service token ("${t.name}") expired on ${t.expiresAt}; ask an owner of project ${project} to create a new one.`,
      };
    this.noteUse(t.id, now);
    return {
      project,
      id: t.id,
      kind: 'service-token',
      name: t.name,
      permissions: [...t.permissions],
      expiresAt: t.expiresAt,
    };
  }

  /** A found identity, kept until an identity changes; a token found nowhere is not kept. */
  private keptIdentity<T>(sub: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    return this.kept ? this.kept.read(IDENTITIES_CHANGED, sub, load, (v) => v !== undefined) : load();
  }

  /** Queues the token's use for the next write, at most once a minute per token. */
  private noteUse(id: string, now: Date): void {
    const last = this.usedQueued.get(id);
    if (last !== undefined && now.getTime() - last < LAST_USED_EVERY_MS) return;
    if (this.usedQueued.size > 10_000) this.usedQueued.clear();
    this.usedQueued.set(id, now.getTime());
    this.used.set(id, now.toISOString());
  }

  /** Writes the queued uses of service tokens (called on a timer, never on a request). */
  async flushUses(): Promise<void> {
    if (this.used.size === 0 || !this.identities) return;
    const batch = new Map(this.used);
    this.used.clear();
    await this.identities.touchServiceTokens(batch);
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}
