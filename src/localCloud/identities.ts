// Managing a project's members and service tokens: the checks and the answers, shared by the
// API (owners) and the admin command line (`cloudxlr cloud members|tokens`). A new token is
// answered once and kept as its SHA-256 only.
import { randomBytes } from 'crypto';
import {
  OWNER_ONLY_PERMISSIONS,
  PERMISSIONS,
  ROLES,
  SERVICE_TOKEN_MAX_DAYS,
  TOKEN_PREFIX,
  type CreateServiceTokenResponse,
  type MemberInfo,
  type Permission,
  type Problem,
  type Role,
  type ServiceTokenInfo,
  type SetMemberResponse,
} from '../api';
import { ApiError, notFound, validationError } from './errors';
import type { AuditActor, IdentityStore } from './storage';
import { generateToken, hashToken } from './tokens';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Visible characters and inner spaces; e-mail addresses and "Ada Lovelace" alike. */
const NAME_PATTERN = /^[^\s\p{Cc}\p{Cf}](?:[^\p{Cc}\p{Cf}\n\r\t]{0,98}[^\s\p{Cc}\p{Cf}])?$/u;

export function identityNameProblem(name: unknown, what: string): string | undefined {
  if (typeof name !== 'string') return `The ${what}'s name must be a string.`;
  return NAME_PATTERN.test(name)
    ? undefined
    : `"${name.slice(0, 40)}" is not a valid ${what} name: use 1 to 100 characters, without control characters or spaces at either end.`;
}

export function roleProblem(role: unknown): string | undefined {
  return typeof role === 'string' && (ROLES as readonly string[]).includes(role)
    ? undefined
    : `"${String(role).slice(0, 40)}" is not a role: use ${ROLES.join(', ')}.`;
}

/** What is wrong with a service token's permissions: unknown ones, owner-only ones, none. */
export function servicePermissionsProblem(permissions: unknown): string | undefined {
  const allowed = PERMISSIONS.filter((p) => !OWNER_ONLY_PERMISSIONS.includes(p));
  if (!Array.isArray(permissions) || permissions.length === 0)
    return `A service token needs at least one permission: ${allowed.join(', ')}.`;
  for (const p of permissions) {
    if (typeof p !== 'string' || !(PERMISSIONS as readonly string[]).includes(p))
      return `"${String(p).slice(0, 40)}" is not a permission: use ${allowed.join(', ')}.`;
    if (OWNER_ONLY_PERMISSIONS.includes(p as Permission))
      return `A service token cannot hold ${p}: only owners manage members and tokens. Use ${allowed.join(', ')}.`;
  }
  return undefined;
}

export function expiryProblem(days: unknown): string | undefined {
  return Number.isSafeInteger(days) && (days as number) >= 1 && (days as number) <= SERVICE_TOKEN_MAX_DAYS
    ? undefined
    : `A service token's expiry must be a whole number of days from 1 to ${SERVICE_TOKEN_MAX_DAYS}.`;
}

export class Identities {
  constructor(
    private readonly store: IdentityStore,
    private readonly now: () => Date,
  ) {}

  members(project: string): Promise<MemberInfo[]> {
    return this.store.members(project);
  }

  /** Gives `name` `role` in `project`; a new member's token is in the answer, once. */
  async setMember(project: string, name: unknown, role: unknown, actor: AuditActor): Promise<SetMemberResponse> {
    const problems: Problem[] = [];
    const nameProblem = identityNameProblem(name, 'member');
    if (nameProblem) problems.push({ field: 'name', code: 'invalid_name', message: nameProblem });
    const badRole = roleProblem(role);
    if (badRole) problems.push({ field: 'role', code: 'invalid_request', message: badRole });
    if (problems.length > 0) throw validationError(problems);
    const token = generateToken(TOKEN_PREFIX.member);
    const id = 'mem_' + randomBytes(6).toString('hex');
    const result = await this.store.setMember(
      project,
      name as string,
      role as Role,
      { id, hash: hashToken(token) },
      actor,
      this.now().toISOString(),
    );
    if ('lastOwner' in result) throw lastOwner(project, name as string);
    return result.created ? { member: result.member, token } : { member: result.member };
  }

  /** Removes a member (by id or name) from `project`. */
  async removeMember(project: string, idOrName: string, actor: AuditActor): Promise<void> {
    const outcome = await this.store.removeMember(project, idOrName, actor, this.now().toISOString());
    if (outcome === 'not-found') throw notFound(`There is no member ${idOrName.slice(0, 100)} in project ${project}.`);
    if (outcome === 'last-owner') throw lastOwner(project, idOrName);
  }

  serviceTokens(project: string): Promise<ServiceTokenInfo[]> {
    return this.store.serviceTokens(project);
  }

  /** Creates a service token of `project`; the token is in the answer only. */
  async createServiceToken(
    project: string,
    request: { name: unknown; permissions: unknown; expiresInDays: unknown },
    actor: AuditActor,
  ): Promise<CreateServiceTokenResponse> {
    const problems: Problem[] = [];
    const nameProblem = identityNameProblem(request.name, 'service token');
    if (nameProblem) problems.push({ field: 'name', code: 'invalid_name', message: nameProblem });
    const permissionsProblem = servicePermissionsProblem(request.permissions);
    if (permissionsProblem)
      problems.push({ field: 'permissions', code: 'invalid_request', message: permissionsProblem });
    const badExpiry = expiryProblem(request.expiresInDays);
    if (badExpiry) problems.push({ field: 'expiresInDays', code: 'invalid_request', message: badExpiry });
    if (problems.length > 0) throw validationError(problems);
    const now = this.now();
    const token = generateToken(TOKEN_PREFIX.service);
    const permissions = PERMISSIONS.filter((p) => (request.permissions as string[]).includes(p));
    const info: ServiceTokenInfo = {
      id: 'svc_' + randomBytes(6).toString('hex'),
      name: request.name as string,
      permissions,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (request.expiresInDays as number) * DAY_MS).toISOString(),
      hint: token.slice(0, TOKEN_PREFIX.service.length + 4),
      createdBy: actor.name ?? actor.id,
    };
    await this.store.createServiceToken({ ...info, project }, hashToken(token), actor, info.createdAt);
    return { token, info };
  }

  async revokeServiceToken(project: string, id: string, actor: AuditActor): Promise<ServiceTokenInfo> {
    const outcome = await this.store.revokeServiceToken(project, id, actor, this.now().toISOString());
    if (outcome === 'not-found') throw notFound(`There is no service token ${id.slice(0, 100)} in project ${project}.`);
    return outcome.revoked;
  }
}

function lastOwner(project: string, name: string): ApiError {
  return new ApiError(
    409,
    'last_owner',
    `${name.slice(0, 100)} is the last owner of project ${project}, and a project needs one. Make another member an owner first.`,
  );
}
