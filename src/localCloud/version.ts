// The version reported by GET /v1/health; test/unit/localCloud compares it with package.json.
export const CLOUD_VERSION = '0.1.0';
/** The contract version this server implements. */
export const API_VERSION = 1;
