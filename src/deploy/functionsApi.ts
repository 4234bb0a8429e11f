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
