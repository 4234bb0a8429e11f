// Shape checks of the Cloud API's answers: the client accepts an answer only in the form the
// contract gives it, and reports anything else as a bad answer instead of passing it on.
import type {
  AuditResponse,
  HealthResponse,
  KeyDetails,
  KeyListResponse,
  KeySummary,
  KeyVersionInfo,
  PutKeyResponse,
  ReadyResponse,
} from './keys';
import type {
  DeployFunctionResponse,
  FunctionDetails,
  FunctionListResponse,
  FunctionLogEntry,
  FunctionLogsResponse,
  FunctionSummary,
  InvokeResponse,
  ResolvedSecretRef,
  RollbackResponse,
  SecretRef,
} from './functions';
import {
  PERMISSIONS,
  ROLES,
  type CreateServiceTokenResponse,
  type IdentityInfo,
  type MeResponse,
  type MemberInfo,
  type MemberListResponse,
  type ServiceTokenInfo,
  type ServiceTokenListResponse,
  type SetMemberResponse,
} from './identity';

export const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** JSON.parse that answers undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isVersionInfo = (v: unknown): v is KeyVersionInfo =>
  isObj(v) && isInt(v.version) && isStr(v.digest) && isStr(v.createdAt);
const isKeySummary = (v: unknown): v is KeySummary =>
  isObj(v) &&
  isStr(v.name) &&
  isInt(v.version) &&
  isStr(v.digest) &&
  isStr(v.createdAt) &&
  isStr(v.updatedAt) &&
  Array.isArray(v.usedBy) &&
  v.usedBy.every(isStr);
const isRef = (v: unknown): v is SecretRef => isObj(v) && isStr(v.name) && (v.version === 'latest' || isInt(v.version));
const isResolved = (v: unknown): v is ResolvedSecretRef =>
  isRef(v) && (v as unknown as Record<string, unknown>).resolvedVersion !== undefined;
const isFunctionSummary = (v: unknown): v is FunctionSummary =>
  isObj(v) &&
  isStr(v.name) &&
  isInt(v.release) &&
  isStr(v.url) &&
  Array.isArray(v.secrets) &&
  v.secrets.every(isResolved) &&
  isStr(v.updatedAt);
const isLog = (v: unknown): v is FunctionLogEntry =>
  isObj(v) && isStr(v.time) && isStr(v.message) && (v.level === 'info' || v.level === 'warn' || v.level === 'error');
const isRelease = (r: unknown): boolean =>
  isObj(r) &&
  isInt(r.release) &&
  isStr(r.createdAt) &&
  isStr(r.sha256) &&
  Array.isArray(r.secrets) &&
  r.secrets.every(isRef);

const isRole = (v: unknown): boolean => isStr(v) && (ROLES as readonly string[]).includes(v);
const isPermissions = (v: unknown): boolean =>
  Array.isArray(v) && v.every((p) => isStr(p) && (PERMISSIONS as readonly string[]).includes(p));
const isIdentity = (v: unknown): v is IdentityInfo =>
  isObj(v) &&
  isStr(v.id) &&
  (v.kind === 'member' || v.kind === 'service-token' || v.kind === 'project-token') &&
  isStr(v.name) &&
  (v.role === undefined || isRole(v.role)) &&
  isPermissions(v.permissions) &&
  (v.expiresAt === undefined || isStr(v.expiresAt));
const isMember = (v: unknown): v is MemberInfo =>
  isObj(v) && isStr(v.id) && isStr(v.name) && isRole(v.role) && isStr(v.createdAt);
const isServiceToken = (v: unknown): v is ServiceTokenInfo =>
  isObj(v) &&
  isStr(v.id) &&
  isStr(v.name) &&
  isPermissions(v.permissions) &&
  isStr(v.createdAt) &&
  isStr(v.expiresAt) &&
  isStr(v.hint) &&
  isStr(v.createdBy) &&
  (v.revokedAt === undefined || isStr(v.revokedAt)) &&
  (v.lastUsedAt === undefined || isStr(v.lastUsedAt));

/** Each answer's check: the answer typed, or undefined when it is not in the contract's form. */
export const parseAnswer = {
  health(j: unknown): HealthResponse | undefined {
    return isObj(j) && j.status === 'ok' && isStr(j.version) ? { status: 'ok', version: j.version } : undefined;
  },
  ready(j: unknown): ReadyResponse | undefined {
    return isObj(j) && j.status === 'ready' && (j.storage === 'embedded' || j.storage === 'postgres')
      ? { status: 'ready', storage: j.storage }
      : undefined;
  },
  keyList(j: unknown): KeyListResponse | undefined {
    return isObj(j) && Array.isArray(j.keys) && j.keys.every(isKeySummary) ? { keys: j.keys } : undefined;
  },
  keyDetails(j: unknown): KeyDetails | undefined {
    return isKeySummary(j) && isObj(j) && Array.isArray(j.versions) && j.versions.every(isVersionInfo)
      ? (j as unknown as KeyDetails)
      : undefined;
  },
  putKey(j: unknown): PutKeyResponse | undefined {
    return isObj(j) && isStr(j.name) && isInt(j.version) && isStr(j.digest)
      ? { name: j.name, version: j.version, digest: j.digest }
      : undefined;
  },
  audit(j: unknown): AuditResponse | undefined {
    const ok =
      isObj(j) &&
      Array.isArray(j.events) &&
      j.events.every((e) => isObj(e) && isStr(e.time) && isStr(e.action) && isStr(e.target) && isStr(e.token));
    return ok ? { events: (j as unknown as AuditResponse).events } : undefined;
  },
  deploy(j: unknown): DeployFunctionResponse | undefined {
    return isObj(j) &&
      isStr(j.name) &&
      isInt(j.release) &&
      isStr(j.url) &&
      Array.isArray(j.secrets) &&
      j.secrets.every(isResolved)
      ? (j as unknown as DeployFunctionResponse)
      : undefined;
  },
  functionList(j: unknown): FunctionListResponse | undefined {
    return isObj(j) && Array.isArray(j.functions) && j.functions.every(isFunctionSummary)
      ? (j as unknown as FunctionListResponse)
      : undefined;
  },
  functionDetails(j: unknown): FunctionDetails | undefined {
    return isFunctionSummary(j) &&
      Array.isArray((j as unknown as Record<string, unknown>).releases) &&
      ((j as unknown as Record<string, unknown>).releases as unknown[]).every(isRelease)
      ? (j as FunctionDetails)
      : undefined;
  },
  rollback(j: unknown): RollbackResponse | undefined {
    return isObj(j) && isStr(j.name) && isInt(j.release) ? { name: j.name, release: j.release } : undefined;
  },
  invoke(j: unknown): InvokeResponse | undefined {
    return isObj(j) &&
      (j.status === 'ok' || j.status === 'error') &&
      Array.isArray(j.logs) &&
      j.logs.every(isLog) &&
      typeof j.durationMs === 'number' &&
      isStr(j.requestId)
      ? (j as unknown as InvokeResponse)
      : undefined;
  },
  functionLogs(j: unknown): FunctionLogsResponse | undefined {
    return isObj(j) &&
      Array.isArray(j.logs) &&
      j.logs.every((l) => isLog(l) && isStr((l as unknown as Record<string, unknown>).requestId))
      ? (j as unknown as FunctionLogsResponse)
      : undefined;
  },
  me(j: unknown): MeResponse | undefined {
    return isObj(j) && isStr(j.project) && isIdentity(j.identity) ? (j as unknown as MeResponse) : undefined;
  },
  memberList(j: unknown): MemberListResponse | undefined {
    return isObj(j) && Array.isArray(j.members) && j.members.every(isMember)
      ? (j as unknown as MemberListResponse)
      : undefined;
  },
  setMember(j: unknown): SetMemberResponse | undefined {
    return isObj(j) && isMember(j.member) && (j.token === undefined || isStr(j.token))
      ? (j as unknown as SetMemberResponse)
      : undefined;
  },
  serviceTokenList(j: unknown): ServiceTokenListResponse | undefined {
    return isObj(j) && Array.isArray(j.tokens) && j.tokens.every(isServiceToken)
      ? (j as unknown as ServiceTokenListResponse)
      : undefined;
  },
  createServiceToken(j: unknown): CreateServiceTokenResponse | undefined {
    return isObj(j) && isStr(j.token) && isServiceToken(j.info)
      ? (j as unknown as CreateServiceTokenResponse)
      : undefined;
  },
};
