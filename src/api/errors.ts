// Error answers of the Cloud API: `{"error": {"code", "message", "details"}}` with a matching
// HTTP status (docs/cloud-api.md, "Errors").

/** Every error code the cloud answers with, and the ones the client adds for the network. */
export type CloudErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  // 403: the identity is known but its role or scope lacks the permission (details.permission).
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'version_conflict'
  // 409: the change would leave the project without an owner.
  | 'last_owner'
  | 'key_in_use'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'invalid_name'
  | 'invalid_value'
  | 'missing_keys'
  | 'env_conflict'
  | 'secret_in_bundle'
  | 'function_error'
  | 'too_many_requests'
  | 'server_busy'
  | 'unavailable'
  | 'host_not_allowed'
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
