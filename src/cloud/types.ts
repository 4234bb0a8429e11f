// Types of the CloudXLR Cloud API, version 1 (see the contract, cloud-api.md). Shared by the
// extension's client and the local cloud, so the two cannot disagree on a field's name.
// Nothing here carries a key's value except the body of a PUT.

/** Every error code the cloud answers with, and the ones the client adds for the network. */
export type CloudErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'version_conflict'
  | 'key_in_use'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'invalid_name'
  | 'invalid_value'
  | 'missing_keys'
  | 'env_conflict'
  | 'secret_in_bundle'
  | 'function_error'
  | 'internal'
  // Client side only: the answer never came, or came in a form the client cannot read.
  | 'unreachable'
  | 'timeout'
  | 'bad_response';

/** One problem found while validating a request; an error lists all of them at once. */
export interface Problem {
  /** The request field the problem is about, e.g. "name", "value", "ifVersion", "body". */
  field: string;
  code: CloudErrorCode;
  message: string;
}

export interface ErrorBody {
  error: {
    code: CloudErrorCode | string;
    message: string;
    details?: Record<string, unknown>;
  };
}

export interface HealthResponse {
  status: 'ok';
  version: string;
  /** How deployed functions are isolated on this cloud (docs/isolation.md). */
  isolation?: {
    /** 'sandbox': an OS sandbox per worker; 'process': a child process only (development). */
    level: 'sandbox' | 'process';
    network: 'nat' | 'host' | 'none';
    summary: string;
  };
}

export interface KeyVersionInfo {
  version: number;
  digest: string;
  createdAt: string;
}

export interface KeySummary {
  name: string;
  version: number;
  digest: string;
  createdAt: string;
  updatedAt: string;
  /** Functions whose active release references this key. */
  usedBy: string[];
}

export interface KeyListResponse {
  keys: KeySummary[];
}

export interface KeyDetails extends KeySummary {
  /** Every stored version, oldest first. */
  versions: KeyVersionInfo[];
}

export interface PutKeyRequest {
  value: string;
  /** Compare-and-set: 0 means "must not exist yet", N means "the current version is N". */
  ifVersion?: number;
}

export interface PutKeyResponse {
  name: string;
  version: number;
  digest: string;
}

export interface AuditEvent {
  time: string;
  /** e.g. "key.create", "key.update", "key.delete", "function.deploy". */
  action: string;
  /** The key or function the action was about (a name, never a value). */
  target: string;
  /** The id of the token that acted, never the token itself. */
  token: string;
}

export interface AuditResponse {
  events: AuditEvent[];
}

/** A key reference of a function release: "latest" or a pinned version. */
export interface SecretRef {
  name: string;
  version: 'latest' | number;
}
