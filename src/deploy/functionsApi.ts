// Types of the Cloud Functions part of the Cloud API contract (cloud-api.md), shared by the
// client, the deploy core and the local cloud. None of them carries a key's value.

import type { SecretRef } from '../cloud/types';

export type { SecretRef };

export const FUNCTION_RUNTIME = 'node20';
/** Largest bundle the cloud accepts (bytes of UTF-8 code). */
export const MAX_CODE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_FUNCTION_TIMEOUT_MS = 10_000;
export const MAX_FUNCTION_TIMEOUT_MS = 60_000;

/** `PUT /v1/projects/{p}/functions/{name}` */
export interface DeployFunctionRequest {
  runtime: 'node20';
  /** One CommonJS bundle. */
  code: string;
  /** Lower-case hex SHA-256 of `code`'s UTF-8 bytes ("sha256:" in front is accepted too). */
  sha256: string;
  secrets: SecretRef[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ResolvedSecretRef extends SecretRef {
  /** The version "latest" stands for right now (or the pinned one); null if it is gone. */
  resolvedVersion: number | null;
}

export interface DeployFunctionResponse {
  name: string;
  release: number;
  url: string;
  secrets: ResolvedSecretRef[];
}

export interface FunctionSummary {
  name: string;
  release: number;
  url: string;
  secrets: ResolvedSecretRef[];
  updatedAt: string;
}

export interface FunctionListResponse {
  functions: FunctionSummary[];
}

export interface ReleaseInfo {
  release: number;
  createdAt: string;
  sha256: string;
  secrets: SecretRef[];
}

export interface FunctionDetails extends FunctionSummary {
  /** Oldest first. */
  releases: ReleaseInfo[];
}

export interface RollbackRequest {
  release: number;
}

export interface RollbackResponse {
  name: string;
  release: number;
}

export interface InvokeRequest {
  payload?: unknown;
}

export interface FunctionLogEntry {
  time: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface InvokeResponse {
  status: 'ok' | 'error';
  result: unknown;
  error?: { message: string };
  logs: FunctionLogEntry[];
  durationMs: number;
  requestId: string;
}

export interface FunctionLogsResponse {
  logs: Array<FunctionLogEntry & { requestId: string }>;
}

/** The public address of a function: `{base}/fn/{project}/{name}`. */
export function functionUrl(baseUrl: string, project: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/fn/${encodeURIComponent(project)}/${encodeURIComponent(name)}`;
}

// ---- Shape checks of the answers, for the client ----

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isRef = (v: unknown): v is SecretRef => isObj(v) && isStr(v.name) && (v.version === 'latest' || isInt(v.version));
const isResolved = (v: unknown): v is ResolvedSecretRef => isRef(v) && (v as unknown as Record<string, unknown>).resolvedVersion !== undefined;
const isSummary = (v: unknown): v is FunctionSummary =>
  isObj(v) && isStr(v.name) && isInt(v.release) && isStr(v.url) && Array.isArray(v.secrets) && v.secrets.every(isResolved) && isStr(v.updatedAt);
const isLog = (v: unknown): v is FunctionLogEntry => isObj(v) && isStr(v.time) && isStr(v.message) && (v.level === 'info' || v.level === 'warn' || v.level === 'error');

export const parseFunctionAnswer = {
  deploy(j: unknown): DeployFunctionResponse | undefined {
    return isObj(j) && isStr(j.name) && isInt(j.release) && isStr(j.url) && Array.isArray(j.secrets) && j.secrets.every(isResolved)
      ? (j as unknown as DeployFunctionResponse)
      : undefined;
  },
  list(j: unknown): FunctionListResponse | undefined {
    return isObj(j) && Array.isArray(j.functions) && j.functions.every(isSummary) ? (j as unknown as FunctionListResponse) : undefined;
  },
  details(j: unknown): FunctionDetails | undefined {
    const ok = isSummary(j) && Array.isArray((j as unknown as Record<string, unknown>).releases) &&
      ((j as unknown as Record<string, unknown>).releases as unknown[]).every((r) => isObj(r) && isInt(r.release) && isStr(r.createdAt) && isStr(r.sha256) && Array.isArray(r.secrets) && r.secrets.every(isRef));
    return ok ? (j as FunctionDetails) : undefined;
  },
  rollback(j: unknown): RollbackResponse | undefined {
    return isObj(j) && isStr(j.name) && isInt(j.release) ? { name: j.name, release: j.release } : undefined;
  },
  invoke(j: unknown): InvokeResponse | undefined {
    return isObj(j) && (j.status === 'ok' || j.status === 'error') && Array.isArray(j.logs) && j.logs.every(isLog) && typeof j.durationMs === 'number' && isStr(j.requestId)
      ? (j as unknown as InvokeResponse)
      : undefined;
  },
  logs(j: unknown): FunctionLogsResponse | undefined {
    return isObj(j) && Array.isArray(j.logs) && j.logs.every((l) => isLog(l) && isStr((l as unknown as Record<string, unknown>).requestId))
      ? (j as unknown as FunctionLogsResponse)
      : undefined;
  },
};
