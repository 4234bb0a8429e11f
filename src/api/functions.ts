// The Cloud Functions part of the Cloud API (docs/cloud-api.md, "Functions"): deploys,
// releases, rollback, invocations and logs. Shared by the client, the deploy core, the local
// cloud and its runtime. None of these carries a key's value: a release holds key references.

/** A key reference of a function release: "latest" or a pinned version. */
export interface SecretRef {
  name: string;
  version: 'latest' | number;
}

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
  /** The new release, or the active one when `unchanged`. */
  release: number;
  url: string;
  secrets: ResolvedSecretRef[];
  /**
   * True when the active release already runs this code with these references, env and
   * timeout: no release was made (200). Absent from older clouds, which count as false.
   */
  unchanged?: boolean;
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

/** `POST /v1/projects/{p}/functions/{name}/invoke` */
export interface InvokeRequest {
  /** The request body the handler gets; absent means none. */
  payload?: unknown;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** One line a function logged (redacted by the cloud before it is stored or answered). */
export interface FunctionLogEntry {
  time: string;
  level: LogLevel;
  message: string;
}

/** The answer of an invocation, and what the runtime returns for one. */
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
