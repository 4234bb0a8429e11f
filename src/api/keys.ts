// The vault part of the Cloud API (docs/cloud-api.md, "Keys"): health, keys and the audit log.
// Nothing here carries a key's value except the body of a PUT.

/** The answer of `GET /v1/ready` while the node can serve requests. */
export interface ReadyResponse {
  status: 'ready';
  /** 'embedded' (one SQLite file) or 'postgres' (a team cloud's shared database). */
  storage: 'embedded' | 'postgres';
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

/** `PUT /v1/projects/{p}/keys/{name}` */
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
  /** The id of the identity that acted (`mem_…`, `svc_…` or `tok_…`), never a token. */
  token: string;
  /** The identity's name when known (a member's or a service token's name). */
  actor?: string;
  /**
   * Where the request came from, HMAC'd with the install's audit key (`hmac-sha256:…`):
   * equal addresses give equal values, and `cloudxlr cloud audit-hash ADDRESS` finds them.
   */
  source?: string;
}

export interface AuditResponse {
  events: AuditEvent[];
}
