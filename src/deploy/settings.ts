// Per-function deploy settings, from the optional `functions` section of cloudxlr.json:
//
//   "functions": {
//     "create-checkout": {
//       "env": { "PROVIDER_URL": "http://127.0.0.1:4242" },
//       "timeoutMs": 10000,
//       "versions": { "STRIPE_SECRET_KEY": 3 }
//     }
//   }
//
// `env` holds plain configuration only (the leak guard refuses a key's value there);
// `versions` pins a referenced key to a version (default "latest", resolved at each call).
import { functionNameProblem, keyNameProblem } from '../shared/names';
import { MAX_FUNCTION_TIMEOUT_MS } from './functionsApi';

export interface FunctionSettings {
  env: Record<string, string>;
  timeoutMs?: number;
  versions: Record<string, number>;
}

export interface SettingsResult {
  byName: Record<string, FunctionSettings>;
  /** Problems with the section, as sentences; a function with a problem is deployed without it. */
  problems: string[];
}

/** Settings of one function (empty when none are given). */
export function settingsFor(result: SettingsResult | undefined, name: string): FunctionSettings {
  return result?.byName[name] ?? { env: {}, versions: {} };
}

/** Reads the `functions` section of a parsed cloudxlr.json (any other content is ignored). */
export function readFunctionSettings(projectJson: unknown): SettingsResult {
  const out: SettingsResult = { byName: {}, problems: [] };
  if (typeof projectJson !== 'object' || projectJson === null) return out;
  const section = (projectJson as Record<string, unknown>).functions;
  if (section === undefined) return out;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    out.problems.push('cloudxlr.json: "functions" must be an object of function names to settings.');
    return out;
  }
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    if (functionNameProblem(name)) {
      out.problems.push(`cloudxlr.json: "functions.${name.slice(0, 63)}" is not a function name.`);
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      out.problems.push(`cloudxlr.json: "functions.${name}" must be an object with "env", "timeoutMs" or "versions".`);
      continue;
    }
    const r = raw as Record<string, unknown>;
    const s: FunctionSettings = { env: {}, versions: {} };
    if (r.env !== undefined) {
      if (typeof r.env !== 'object' || r.env === null || Array.isArray(r.env)) out.problems.push(`cloudxlr.json: "functions.${name}.env" must be an object of strings.`);
      else {
        for (const [k, v] of Object.entries(r.env as Record<string, unknown>)) {
          if (typeof v === 'string') s.env[k] = v;
          else out.problems.push(`cloudxlr.json: "functions.${name}.env.${k}" must be a string.`);
        }
      }
    }
    if (r.timeoutMs !== undefined) {
      if (typeof r.timeoutMs === 'number' && Number.isSafeInteger(r.timeoutMs) && r.timeoutMs >= 1 && r.timeoutMs <= MAX_FUNCTION_TIMEOUT_MS) s.timeoutMs = r.timeoutMs;
      else out.problems.push(`cloudxlr.json: "functions.${name}.timeoutMs" must be a whole number of milliseconds from 1 to ${MAX_FUNCTION_TIMEOUT_MS}.`);
    }
    if (r.versions !== undefined) {
      if (typeof r.versions !== 'object' || r.versions === null || Array.isArray(r.versions)) out.problems.push(`cloudxlr.json: "functions.${name}.versions" must map key names to version numbers.`);
      else {
        for (const [k, v] of Object.entries(r.versions as Record<string, unknown>)) {
          if (keyNameProblem(k)) out.problems.push(`cloudxlr.json: "functions.${name}.versions.${k.slice(0, 128)}" is not a key name.`);
          else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) s.versions[k] = v;
          else out.problems.push(`cloudxlr.json: "functions.${name}.versions.${k}" must be a version number from 1 up.`);
        }
      }
    }
    out.byName[name] = s;
  }
  return out;
}
