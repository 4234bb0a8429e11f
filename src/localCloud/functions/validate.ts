// Deploy validation: every check runs before anything changes, and every failure is listed in
// one answer. Shape problems (400) outrank a code that is too large (413), which outranks the
// 422 ones; details.problems lists them all, details.missing / details.keys / details.names
// carry the key names (never a value).
import { createHash } from 'crypto';
import {
  FUNCTION_RUNTIME,
  MAX_CODE_BYTES,
  MAX_FUNCTION_TIMEOUT_MS,
  DEFAULT_FUNCTION_TIMEOUT_MS,
  type Problem,
  type SecretRef,
} from '../../api';
import { functionNameProblem, keyNameProblem } from '../../shared/names';
import { ApiError } from '../errors';
import type { NewRelease } from '../storage';
import { valueNamesIn } from '../../shared/valueMatch';

/** The vault, as seen by deploy validation. */
export interface VaultView {
  currentVersion(name: string): number | undefined;
  hasVersion(name: string, version: number): boolean;
  /** Current value of every key of the project, for the secret_in_bundle check. */
  latestValues(): Array<{ name: string; value: string }>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_ENV_BYTES = 64 * 1024;
const ALLOWED_FIELDS = new Set(['runtime', 'code', 'sha256', 'secrets', 'env', 'timeoutMs']);

export interface Validated {
  release: NewRelease;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Validates a deploy body; throws one ApiError listing every problem. */
export function validateDeploy(name: string, body: Record<string, unknown>, vault: VaultView): Validated {
  const problems: Problem[] = [];
  const shape = (field: string, message: string): void =>
    void problems.push({ field, code: 'invalid_request', message });

  const nameProblem = functionNameProblem(name);
  if (nameProblem) problems.push({ field: 'name', code: 'invalid_name', message: nameProblem });

  for (const field of Object.keys(body)) {
    if (!ALLOWED_FIELDS.has(field))
      shape(
        field,
        `The field "${field.slice(0, 40)}" is not part of a deploy; send runtime, code, sha256, secrets, env and timeoutMs.`,
      );
  }

  const { runtime, code, sha256, secrets, env, timeoutMs } = body;
  if (runtime !== FUNCTION_RUNTIME) {
    shape(
      'runtime',
      runtime === undefined
        ? `The field "runtime" is missing; send "${FUNCTION_RUNTIME}".`
        : `The runtime ${typeof runtime === 'string' ? `"${runtime.slice(0, 40)}"` : describe(runtime)} is unknown; the only runtime is "${FUNCTION_RUNTIME}".`,
    );
  }

  let codeOk = false;
  if (typeof code !== 'string') {
    shape(
      'code',
      code === undefined
        ? 'The field "code" is missing; send the CommonJS bundle as a string.'
        : `The field "code" must be a string, not ${describe(code)}.`,
    );
  } else if (code.length === 0) {
    shape('code', 'The field "code" is empty; send the CommonJS bundle.');
  } else if (Buffer.byteLength(code, 'utf8') > MAX_CODE_BYTES) {
    problems.push({
      field: 'code',
      code: 'payload_too_large',
      message: `The code is larger than ${MAX_CODE_BYTES / (1024 * 1024)} MiB. Bundle less (leave large assets out of the function).`,
    });
  } else {
    codeOk = true;
  }

  let digest = '';
  if (typeof sha256 !== 'string' || !/^(sha256:)?[0-9a-fA-F]{64}$/.test(sha256)) {
    shape(
      'sha256',
      sha256 === undefined
        ? 'The field "sha256" is missing; send the hex SHA-256 of the code.'
        : 'The field "sha256" must be the 64-digit hex SHA-256 of the code.',
    );
  } else {
    digest = sha256.replace(/^sha256:/, '').toLowerCase();
    if (typeof code === 'string' && sha256Hex(code) !== digest) {
      shape(
        'sha256',
        'The field "sha256" does not match the code: the bundle was changed or cut on the way. Bundle and send it again.',
      );
    }
  }

  const refs: SecretRef[] = [];
  if (secrets !== undefined && !Array.isArray(secrets)) {
    shape('secrets', `The field "secrets" must be a list of {"name", "version"}, not ${describe(secrets)}.`);
  } else {
    const seen = new Set<string>();
    (secrets ?? []).forEach((raw: unknown, i: number) => {
      const field = `secrets[${i}]`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        return shape(field, `${field} must be an object such as {"name": "STRIPE_SECRET_KEY", "version": "latest"}.`);
      const r = raw as Record<string, unknown>;
      for (const k of Object.keys(r))
        if (k !== 'name' && k !== 'version')
          shape(
            `${field}.${k.slice(0, 40)}`,
            `${field} has an unknown field "${k.slice(0, 40)}"; send only "name" and "version".`,
          );
      if (typeof r.name !== 'string') return shape(`${field}.name`, `${field}.name must be a key name.`);
      const np = keyNameProblem(r.name);
      if (np)
        problems.push({ field: `${field}.name`, code: 'invalid_name', message: `${r.name.slice(0, 130)}: ${np}` });
      let version: 'latest' | number = 'latest';
      if (r.version === undefined || r.version === 'latest') version = 'latest';
      else if (typeof r.version === 'number' && Number.isSafeInteger(r.version) && r.version >= 1) version = r.version;
      else return shape(`${field}.version`, `${field}.version must be "latest" or a version number from 1 up.`);
      if (seen.has(r.name)) return shape(field, `The key ${r.name} is listed twice in "secrets".`);
      seen.add(r.name);
      if (!np) refs.push({ name: r.name, version });
    });
  }

  const envOut: Record<string, string> = {};
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env))) {
    shape('env', `The field "env" must be an object of names to strings, not ${describe(env)}.`);
  } else if (env) {
    let bytes = 0;
    for (const [k, v] of Object.entries(env as Record<string, unknown>)) {
      if (!ENV_NAME.test(k))
        shape(
          `env.${k.slice(0, 40)}`,
          `The env name "${k.slice(0, 40)}" is not valid: use letters, digits and underscores, not starting with a digit.`,
        );
      else if (typeof v !== 'string') shape(`env.${k}`, `env.${k} must be a string, not ${describe(v)}.`);
      else {
        envOut[k] = v;
        bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
      }
    }
    if (bytes > MAX_ENV_BYTES)
      shape('env', 'The "env" object is larger than 64 KiB. Keep large data out of the environment.');
  }

  let timeout = DEFAULT_FUNCTION_TIMEOUT_MS;
  if (timeoutMs !== undefined) {
    if (
      typeof timeoutMs !== 'number' ||
      !Number.isSafeInteger(timeoutMs) ||
      timeoutMs < 1 ||
      timeoutMs > MAX_FUNCTION_TIMEOUT_MS
    ) {
      shape(
        'timeoutMs',
        `The field "timeoutMs" must be a whole number of milliseconds from 1 to ${MAX_FUNCTION_TIMEOUT_MS}.`,
      );
    } else {
      timeout = timeoutMs;
    }
  }

  // References: every key must exist (and a pinned version must too).
  const missing: string[] = [];
  for (const ref of refs) {
    const current = vault.currentVersion(ref.name);
    if (current === undefined) {
      missing.push(ref.name);
      problems.push({
        field: 'secrets',
        code: 'missing_keys',
        message: `The key ${ref.name} does not exist in this project. Add it to the cloud first.`,
      });
    } else if (ref.version !== 'latest' && !vault.hasVersion(ref.name, ref.version)) {
      missing.push(ref.name);
      problems.push({
        field: 'secrets',
        code: 'missing_keys',
        message: `Version ${ref.version} of the key ${ref.name} does not exist (the current version is ${current}).`,
      });
    }
  }

  const conflicts = refs.map((r) => r.name).filter((n) => Object.prototype.hasOwnProperty.call(envOut, n));
  for (const n of conflicts) {
    problems.push({
      field: `env.${n}`,
      code: 'env_conflict',
      message: `${n} is both a key reference and an env variable. Keep it only in "secrets" (values never go in env).`,
    });
  }

  // The server's own leak check: refuse a bundle holding the current value of any key, in any
  // form the shared matcher knows (the same check the editor and the CLI run before upload).
  let leaked: string[] = [];
  if (codeOk && typeof code === 'string') {
    leaked = valueNamesIn(code, vault.latestValues());
    for (const n of leaked) {
      problems.push({
        field: 'code',
        code: 'secret_in_bundle',
        message: `The code contains the value of the key ${n}. Read it with ctx.secrets.get("${n}") instead of bundling it.`,
      });
    }
  }

  // Nor may the plain environment hold a key's value.
  if (Object.keys(envOut).length > 0) {
    const values = vault.latestValues();
    for (const [envName, envValue] of Object.entries(envOut)) {
      for (const key of valueNamesIn(envValue, values)) {
        if (!leaked.includes(key)) leaked.push(key);
        problems.push({
          field: `env.${envName}`,
          code: 'secret_in_bundle',
          message: `env.${envName} contains the value of the key ${key}. Reference the key in "secrets" and read it with ctx.secrets.get("${key}").`,
        });
      }
    }
    leaked.sort();
  }

  if (problems.length > 0) throw deployError(problems, { missing, keys: leaked, names: conflicts });
  return {
    release: {
      runtime: FUNCTION_RUNTIME,
      code: code as string,
      sha256: digest,
      secrets: refs,
      env: envOut,
      timeoutMs: timeout,
    },
  };
}

/** One error for all problems, with the status of the most basic one. */
export function deployError(
  problems: Problem[],
  extra: { missing?: string[]; keys?: string[]; names?: string[] } = {},
): ApiError {
  const rank = (p: Problem): number => (p.code === 'invalid_request' ? 0 : p.code === 'payload_too_large' ? 1 : 2);
  const first = [...problems].sort((a, b) => rank(a) - rank(b))[0];
  const status = first.code === 'invalid_request' ? 400 : first.code === 'payload_too_large' ? 413 : 422;
  const message =
    problems.length === 1 ? first.message : `${problems.length} problems: ${problems.map((p) => p.message).join(' ')}`;
  const details: Record<string, unknown> = { problems };
  if (extra.missing?.length) details.missing = extra.missing;
  if (extra.keys?.length) details.keys = extra.keys;
  if (extra.names?.length) details.names = extra.names;
  return new ApiError(status, first.code, message, details);
}
