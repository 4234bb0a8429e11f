// Who may do what in a project (docs/cloud-api.md, "Identities and roles"). A request is made
// by one identity: a member (a person, with a role per project), a service token (a CI machine,
// scoped to one project and a set of permissions, with an expiry) or the project token of the
// single-developer local cloud (an owner). No permission reads a key's value back: only a
// function resolves values, at run time.

/** What one request may need. Each route of a project names exactly one. */
export type Permission =
  | 'keys.describe' // list keys, their versions and digests, which functions use them
  | 'keys.write' // create, update, delete keys (write-only: never a read of the value)
  | 'functions.describe' // list functions and releases
  | 'functions.deploy' // deploy, roll back, delete functions
  | 'functions.invoke' // invoke through the API
  | 'logs.read' // functions' logs
  | 'audit.read' // the project's audit log
  | 'members.manage' // add, change and remove members
  | 'tokens.manage'; // create, list and revoke service tokens

export const PERMISSIONS: readonly Permission[] = [
  'keys.describe',
  'keys.write',
  'functions.describe',
  'functions.deploy',
  'functions.invoke',
  'logs.read',
  'audit.read',
  'members.manage',
  'tokens.manage',
];

export type Role = 'owner' | 'developer' | 'viewer';

export const ROLES: readonly Role[] = ['owner', 'developer', 'viewer'];

/**
 * What only owners hold: managing people and tokens. A service token never holds these either
 * (no escalation).
 */
export const OWNER_ONLY_PERMISSIONS: readonly Permission[] = ['members.manage', 'tokens.manage'];

/** Each role's permissions: owner everything, developer all but people and tokens, viewer reads. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  developer: PERMISSIONS.filter((p) => !OWNER_ONLY_PERMISSIONS.includes(p)),
  viewer: ['keys.describe', 'functions.describe', 'logs.read'],
};

/** What a permission lets one do, for messages: "Your role (viewer) cannot write keys." */
export const PERMISSION_PHRASE: Readonly<Record<Permission, string>> = {
  'keys.describe': 'list keys',
  'keys.write': 'write keys',
  'functions.describe': 'list functions',
  'functions.deploy': 'deploy functions',
  'functions.invoke': 'invoke functions',
  'logs.read': 'read function logs',
  'audit.read': 'read the audit log',
  'members.manage': 'manage members',
  'tokens.manage': 'manage service tokens',
};

/** Tokens say what they are by their prefix, so a leaked one is recognised (and by scanners). */
export const TOKEN_PREFIX = {
  /** The single-developer local cloud's project token. */
  project: 'cxlr_',
  /** A member's personal token. */
  member: 'cxlr_mem_',
  /** A CI service token. */
  service: 'cxlr_svc_',
} as const;

export type IdentityKind = 'project-token' | 'member' | 'service-token';

/** `GET /v1/projects/{p}/me`: the identity the request's token stands for. */
export interface IdentityInfo {
  /** An id, the identity's name in the audit log: `mem_…`, `svc_…` or `tok_…`. */
  id: string;
  kind: IdentityKind;
  /** The member's name (e.g. an e-mail address), the service token's name, or "project token". */
  name: string;
  /** A member's role; a project token is an owner; a service token has none. */
  role?: Role;
  /** What this identity may do in the project. */
  permissions: Permission[];
  /** ISO time after which the token stops working (service tokens). */
  expiresAt?: string;
}

export interface MeResponse {
  project: string;
  identity: IdentityInfo;
}

export interface MemberInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** `GET /v1/projects/{p}/members` (owners) */
export interface MemberListResponse {
  members: MemberInfo[];
}

/**
 * `POST /v1/projects/{p}/members` (owners): gives the member named `name` `role` in the
 * project, creating the member when the name is new.
 */
export interface SetMemberRequest {
  /** The person's name, e.g. an e-mail address: 1 to 100 characters, no control characters. */
  name: string;
  role: Role;
}

/** The new member's personal token is in this answer only (201); a known member gets none (200). */
export interface SetMemberResponse {
  member: MemberInfo;
  token?: string;
}

export interface ServiceTokenInfo {
  id: string;
  name: string;
  permissions: Permission[];
  createdAt: string;
  expiresAt: string;
  /** The first characters of the token (its prefix and 4 more), to recognise it; never the rest. */
  hint: string;
  /** The member (or project token) that created it. */
  createdBy: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

/** `POST /v1/projects/{p}/tokens` (owners). Expiry is required: 1 to 365 days. */
export interface CreateServiceTokenRequest {
  name: string;
  permissions: Permission[];
  expiresInDays: number;
}

/** The token is in this answer only: it is stored hashed and never shown again. */
export interface CreateServiceTokenResponse {
  token: string;
  info: ServiceTokenInfo;
}

/** `GET /v1/projects/{p}/tokens` (owners): every service token, revoked and expired ones included. */
export interface ServiceTokenListResponse {
  tokens: ServiceTokenInfo[];
}

/** A service token's expiry, in days. */
export const SERVICE_TOKEN_MAX_DAYS = 365;

/** Whether an identity with `permissions` may do what `needed` names. */
export function allows(permissions: readonly Permission[], needed: Permission): boolean {
  return permissions.includes(needed);
}
