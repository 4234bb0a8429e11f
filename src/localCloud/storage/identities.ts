// Members (people, one personal token each, a role per project) and CI service tokens (one
// project, a set of permissions, an expiry). Only a SHA-256 of each token is stored, and a
// token is found by its hash: it names no project. Every change is audited in its own
// transaction and announced, so that every node drops the identities it keeps in memory.
import type { MemberInfo, Permission, Role, ServiceTokenInfo } from '../../api';
import { recordAudit, type AuditActor } from './audit';
import type { Change, ChangeFeed } from './changes';
import type { SqlClient, SqlRunner } from './sql';

/** The one change every identity change announces: nodes drop every identity they keep. */
export const IDENTITIES_CHANGED: Change = { project: '', kind: 'tokens', name: 'identities' };

/** A member as found by its token's hash: its roles in every project it belongs to. */
export interface MemberByToken {
  id: string;
  name: string;
  roles: Record<string, Role>;
}

export interface ServiceTokenRow extends ServiceTokenInfo {
  project: string;
}

export type SetMemberResult = { member: MemberInfo; created: boolean } | { lastOwner: true };
export type RemoveMemberResult = 'removed' | 'not-found' | 'last-owner';
export type RevokeResult = { revoked: ServiceTokenInfo } | 'not-found';

export interface IdentityStore {
  memberByHash(hash: Buffer): Promise<MemberByToken | undefined>;
  serviceTokenByHash(hash: Buffer): Promise<ServiceTokenRow | undefined>;
  members(project: string): Promise<MemberInfo[]>;
  /**
   * Gives the member named `name` `role` in `project`; a new name becomes a member with
   * `newMember`'s id and token hash. Refused when it would leave the project without an owner.
   */
  setMember(
    project: string,
    name: string,
    role: Role,
    newMember: { id: string; hash: Buffer },
    actor: AuditActor,
    time: string,
  ): Promise<SetMemberResult>;
  /** Removes the member (by id or name) from `project`; never the project's last owner. */
  removeMember(project: string, idOrName: string, actor: AuditActor, time: string): Promise<RemoveMemberResult>;
  createServiceToken(row: ServiceTokenRow, hash: Buffer, actor: AuditActor, time: string): Promise<void>;
  serviceTokens(project: string): Promise<ServiceTokenInfo[]>;
  revokeServiceToken(project: string, id: string, actor: AuditActor, time: string): Promise<RevokeResult>;
  /** Records when service tokens were last used (batched, off the request path). */
  touchServiceTokens(used: ReadonlyMap<string, string>): Promise<void>;
}

interface TokenRowDb {
  id: string;
  project: string;
  name: string;
  hint: string;
  permissions_json: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

const TOKEN_COLUMNS =
  'id, project, name, hint, permissions_json, created_by, created_at, expires_at, revoked_at, last_used_at';

function tokenRow(r: TokenRowDb): ServiceTokenRow {
  return {
    id: r.id,
    project: r.project,
    name: r.name,
    permissions: JSON.parse(r.permissions_json) as Permission[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    hint: r.hint,
    createdBy: r.created_by,
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
    ...(r.last_used_at ? { lastUsedAt: r.last_used_at } : {}),
  };
}

function tokenInfo(r: ServiceTokenRow): ServiceTokenInfo {
  const { project: _project, ...info } = r;
  return info;
}

export class SqlIdentityStore implements IdentityStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly feed: ChangeFeed,
  ) {}

  async memberByHash(hash: Buffer): Promise<MemberByToken | undefined> {
    const rows = await this.sql.all<{ id: string; name: string; project: string | null; role: Role | null }>(
      `SELECT m.id, m.name, ms.project, ms.role FROM members m
       LEFT JOIN memberships ms ON ms.member_id = m.id WHERE m.hash = ?`,
      [hash],
    );
    if (rows.length === 0) return undefined;
    const roles: Record<string, Role> = {};
    for (const r of rows) if (r.project && r.role) roles[r.project] = r.role;
    return { id: rows[0].id, name: rows[0].name, roles };
  }

  async serviceTokenByHash(hash: Buffer): Promise<ServiceTokenRow | undefined> {
    const row = await this.sql.get<TokenRowDb>(`SELECT ${TOKEN_COLUMNS} FROM service_tokens WHERE hash = ?`, [hash]);
    return row ? tokenRow(row) : undefined;
  }

  members(project: string): Promise<MemberInfo[]> {
    return membersIn(this.sql, project);
  }

  setMember(
    project: string,
    name: string,
    role: Role,
    newMember: { id: string; hash: Buffer },
    actor: AuditActor,
    time: string,
  ): Promise<SetMemberResult> {
    return this.change(async (tx) => {
      await this.lockProject(tx, project);
      let member = await tx.get<{ id: string; created_at: string }>(
        'SELECT id, created_at FROM members WHERE name = ?',
        [name],
      );
      const created = !member;
      if (!member) {
        // A member added meanwhile under the same name makes this a unique violation: retried.
        await tx.run('INSERT INTO members (id, name, hash, created_at) VALUES (?, ?, ?, ?)', [
          newMember.id,
          name,
          newMember.hash,
          time,
        ]);
        member = { id: newMember.id, created_at: time };
      }
      const before = await tx.get<{ role: Role; created_at: string }>(
        'SELECT role, created_at FROM memberships WHERE project = ? AND member_id = ?',
        [project, member.id],
      );
      if (before?.role === 'owner' && role !== 'owner' && (await ownerCount(tx, project)) <= 1)
        return { lastOwner: true as const };
      if (!before) {
        await tx.run('INSERT INTO memberships (project, member_id, role, created_at) VALUES (?, ?, ?, ?)', [
          project,
          member.id,
          role,
          time,
        ]);
      } else if (before.role !== role) {
        await tx.run('UPDATE memberships SET role = ? WHERE project = ? AND member_id = ?', [role, project, member.id]);
      }
      if (!before || before.role !== role) {
        const action = created ? 'member.create' : before ? 'member.role' : 'member.add';
        await recordAudit(tx, { project, action, target: `${name} (${role})`, actor }, time);
      }
      return { member: { id: member.id, name, role, createdAt: before?.created_at ?? time }, created };
    });
  }

  removeMember(project: string, idOrName: string, actor: AuditActor, time: string): Promise<RemoveMemberResult> {
    return this.change(async (tx) => {
      await this.lockProject(tx, project);
      const m = await tx.get<{ id: string; name: string; role: Role }>(
        `SELECT m.id, m.name, ms.role FROM memberships ms JOIN members m ON m.id = ms.member_id
         WHERE ms.project = ? AND (m.id = ? OR m.name = ?)`,
        [project, idOrName, idOrName],
      );
      if (!m) return 'not-found' as const;
      if (m.role === 'owner' && (await ownerCount(tx, project)) <= 1) return 'last-owner' as const;
      await tx.run('DELETE FROM memberships WHERE project = ? AND member_id = ?', [project, m.id]);
      await recordAudit(tx, { project, action: 'member.remove', target: m.name, actor }, time);
      return 'removed' as const;
    });
  }

  async createServiceToken(row: ServiceTokenRow, hash: Buffer, actor: AuditActor, time: string): Promise<void> {
    await this.change(async (tx) => {
      await tx.run(
        `INSERT INTO service_tokens (id, project, name, hash, hint, permissions_json, created_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          row.id,
          row.project,
          row.name,
          hash,
          row.hint,
          JSON.stringify(row.permissions),
          row.createdBy,
          row.createdAt,
          row.expiresAt,
        ],
      );
      const scope = `${row.name} (${row.permissions.join(', ')}; expires ${row.expiresAt})`;
      await recordAudit(tx, { project: row.project, action: 'token.create', target: scope, actor }, time);
      return true;
    });
  }

  async serviceTokens(project: string): Promise<ServiceTokenInfo[]> {
    const rows = await this.sql.all<TokenRowDb>(
      `SELECT ${TOKEN_COLUMNS} FROM service_tokens WHERE project = ? ORDER BY created_at, id`,
      [project],
    );
    return rows.map((r) => tokenInfo(tokenRow(r)));
  }

  revokeServiceToken(project: string, id: string, actor: AuditActor, time: string): Promise<RevokeResult> {
    return this.change(async (tx) => {
      const row = await tx.get<TokenRowDb>(`SELECT ${TOKEN_COLUMNS} FROM service_tokens WHERE project = ? AND id = ?`, [
        project,
        id,
      ]);
      if (!row) return 'not-found' as const;
      // Revoking twice keeps the first time.
      if (row.revoked_at) return { revoked: tokenInfo(tokenRow(row)) };
      await tx.run('UPDATE service_tokens SET revoked_at = ? WHERE id = ?', [time, id]);
      await recordAudit(tx, { project, action: 'token.revoke', target: row.name, actor }, time);
      return { revoked: tokenInfo(tokenRow({ ...row, revoked_at: time })) };
    });
  }

  async touchServiceTokens(used: ReadonlyMap<string, string>): Promise<void> {
    for (const [id, time] of used)
      await this.sql.run(
        'UPDATE service_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
        [time, id, time],
      );
  }

  /** Runs `fn` in a transaction that announces the identities' change once it commits. */
  private async change<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    let announced = 0;
    const result = await this.sql.transaction(async (tx) => {
      const r = await fn(tx);
      announced = await this.feed.inTransaction(tx, IDENTITIES_CHANGED);
      return r;
    });
    await this.feed.committed(IDENTITIES_CHANGED, announced);
    return result;
  }

  /** Serializes a project's membership changes across nodes (the last owner stays). */
  private async lockProject(tx: SqlRunner, project: string): Promise<void> {
    if (this.sql.dialect === 'postgres')
      await tx.get('SELECT name FROM projects WHERE name = ? FOR NO KEY UPDATE', [project]);
  }
}

async function ownerCount(tx: SqlRunner, project: string): Promise<number> {
  const r = await tx.get<{ n: number | string }>(
    "SELECT COUNT(*) AS n FROM memberships WHERE project = ? AND role = 'owner'",
    [project],
  );
  return Number(r?.n ?? 0);
}

function membersIn(sql: SqlRunner, project: string): Promise<MemberInfo[]> {
  return sql.all<MemberInfo>(
    `SELECT m.id, m.name, ms.role, ms.created_at AS "createdAt" FROM memberships ms
     JOIN members m ON m.id = ms.member_id WHERE ms.project = ? ORDER BY m.name`,
    [project],
  );
}
