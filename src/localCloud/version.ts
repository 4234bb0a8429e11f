// The version reported by GET /v1/health; test/unit/localCloud compares it with package.json.
export const CLOUD_VERSION = '0.1.0';
