// cloudxlr.json, read in one place: which CloudXLR project a workspace folder belongs to,
// where its functions live, which files ship to the browser and each function's deploy
// settings. Every problem is reported with its position (jsonc-parser finds the node of a
// setting), and a bad function setting never hides the rest of the file.
//
//   {
//     "project": "demo",
//     "functionsDir": "functions",
//     "frontend": ["src/**/*.{js,ts,jsx,tsx,html}", ".env*"],
//     "functions": {
//       "create-checkout": {
//         "env": { "PROVIDER_URL": "http://127.0.0.1:4242" },
//         "timeoutMs": 10000,
//         "versions": { "STRIPE_SECRET_KEY": 3 }
//       }
//     }
//   }
//
// `env` holds plain configuration only (the deploy's leak guard refuses a key's value there);
// `versions` pins a referenced key to a version (default "latest", resolved at each call).
import { findNodeAtLocation, parseTree, type JSONPath, type ParseError } from 'jsonc-parser';
import { PROJECT_FILE } from '../constants';
import { MAX_FUNCTION_TIMEOUT_MS } from '../api';
import { functionNameProblem, keyNameProblem } from '../shared/names';

export const DEFAULT_FRONTEND_GLOBS: readonly string[] = [
  '**/*.{js,ts,jsx,tsx,mjs,cjs,html,vue,svelte,astro}',
  '**/.env*',
];
export const DEFAULT_FUNCTIONS_DIR = 'functions';
const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** What the settings of a project folder are, whether or not they come from a file. */
export interface ProjectConfig {
  project: string;
  functionsDir: string;
  /** Globs, relative to the folder, of files that ship to the browser. */
  frontend: readonly string[];
  /** Deploy settings per function name. */
  functions: Readonly<Record<string, FunctionSettings>>;
}

export interface FunctionSettings {
  env: Record<string, string>;
  timeoutMs?: number;
  versions: Record<string, number>;
}

export interface ProjectFileProblem {
  /** A sentence for a person, starting with "cloudxlr.json". */
  message: string;
  /** 1-based line and column of the setting (or of the syntax error). */
  line: number;
  column: number;
  /**
   * True when the folder's project cannot be taken from the file (invalid JSON, or an invalid
   * "project", "functionsDir" or "frontend"); false for a function setting that is skipped.
   */
  fatal: boolean;
}

export interface ProjectFile {
  /** The project name, when the file gives a valid one. */
  project: string | undefined;
  /** The functions folder (the default when absent or invalid), without "./" or trailing slashes. */
  functionsDir: string;
  /** The file's frontend globs; undefined when it gives none (or invalid ones): the defaults apply. */
  frontend: string[] | undefined;
  functions: Record<string, FunctionSettings>;
  problems: ProjectFileProblem[];
}

/** Reads cloudxlr.json. Never throws: what cannot be used is a problem, and its setting falls back to the default. */
export function parseProjectFile(text: string): ProjectFile {
  const out: ProjectFile = {
    project: undefined,
    functionsDir: DEFAULT_FUNCTIONS_DIR,
    frontend: undefined,
    functions: {},
    problems: [],
  };
  const tree = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  const at = (path: JSONPath, key = false): { line: number; column: number } => {
    const node = tree && findNodeAtLocation(tree, path);
    // A property's position is that of its name, where a person looks for it.
    const offset = node ? (key && node.parent?.type === 'property' ? node.parent.offset : node.offset) : 0;
    return position(text, offset);
  };
  const problem = (message: string, path: JSONPath, fatal: boolean): void =>
    void out.problems.push({ message: `${PROJECT_FILE}: ${message}`, ...at(path, true), fatal });

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
    out.problems.push({
      message: `${PROJECT_FILE} is not valid JSON.`,
      ...position(text, errors[0]?.offset ?? 0),
      fatal: true,
    });
    return out;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    out.problems.push({
      message: `${PROJECT_FILE} must hold an object such as {"project": "demo"}.`,
      ...position(text, tree?.offset ?? 0),
      fatal: true,
    });
    return out;
  }
  const o = raw as Record<string, unknown>;
  if (typeof o.project === 'string' && PROJECT_NAME.test(o.project)) out.project = o.project;
  else
    problem(
      '"project" must be a lower-case name of letters, digits and hyphens (for example "demo").',
      ['project'],
      true,
    );
  if (o.functionsDir !== undefined) {
    if (typeof o.functionsDir === 'string' && !o.functionsDir.includes('..'))
      out.functionsDir = normalizeDir(o.functionsDir);
    else
      problem(
        '"functionsDir" must be a folder inside the workspace folder (for example "functions").',
        ['functionsDir'],
        true,
      );
  }
  if (o.frontend !== undefined) {
    if (Array.isArray(o.frontend) && o.frontend.every((g) => typeof g === 'string'))
      out.frontend = o.frontend as string[];
    else problem('"frontend" must be a list of glob patterns (for example ["src/**/*.ts"]).', ['frontend'], true);
  }
  readFunctions(o.functions, out.functions, (message, path) => problem(message, path, false));
  return out;
}

/** The folder's settings from its file: undefined when the file gives no usable project. */
export function projectConfigOf(file: ProjectFile): ProjectConfig | undefined {
  if (file.project === undefined || file.problems.some((p) => p.fatal)) return undefined;
  return {
    project: file.project,
    functionsDir: file.functionsDir,
    frontend: file.frontend ?? DEFAULT_FRONTEND_GLOBS,
    functions: file.functions,
  };
}

/** The settings of a folder without a (usable) cloudxlr.json. */
export function defaultProjectConfig(project: string): ProjectConfig {
  return { project, functionsDir: DEFAULT_FUNCTIONS_DIR, frontend: DEFAULT_FRONTEND_GLOBS, functions: {} };
}

/** Why the file gives no project, in one line (every fatal problem, without positions). */
export function fatalSummary(file: ProjectFile): string | undefined {
  const fatal = file.problems.filter((p) => p.fatal).map((p) => p.message);
  if (fatal.length === 0) return undefined;
  if (fatal.length === 1) return fatal[0];
  return `${PROJECT_FILE}: ${fatal.map((m) => m.replace(`${PROJECT_FILE}: `, '')).join(' ')}`;
}

/** A problem as one line with its place: "cloudxlr.json:3:5: …". */
export function describeProblem(p: ProjectFileProblem): string {
  return `${PROJECT_FILE}:${p.line}:${p.column}: ${p.message.replace(new RegExp(`^${PROJECT_FILE.replace('.', '\\.')}:? ?`), '')}`;
}

/** Settings of one function (empty when none are given). */
export function settingsFor(
  functions: Readonly<Record<string, FunctionSettings>> | undefined,
  name: string,
): FunctionSettings {
  return functions?.[name] ?? { env: {}, versions: {} };
}

function readFunctions(
  section: unknown,
  out: Record<string, FunctionSettings>,
  problem: (message: string, path: JSONPath) => void,
): void {
  if (section === undefined) return;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    problem('"functions" must be an object of function names to settings.', ['functions']);
    return;
  }
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    const at: JSONPath = ['functions', name];
    if (functionNameProblem(name)) {
      problem(`"functions.${name.slice(0, 63)}" is not a function name.`, at);
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problem(`"functions.${name}" must be an object with "env", "timeoutMs" or "versions".`, at);
      continue;
    }
    const r = raw as Record<string, unknown>;
    const s: FunctionSettings = { env: {}, versions: {} };
    if (r.env !== undefined) {
      if (typeof r.env !== 'object' || r.env === null || Array.isArray(r.env))
        problem(`"functions.${name}.env" must be an object of strings.`, [...at, 'env']);
      else {
        for (const [k, v] of Object.entries(r.env as Record<string, unknown>)) {
          if (typeof v === 'string') s.env[k] = v;
          else problem(`"functions.${name}.env.${k}" must be a string.`, [...at, 'env', k]);
        }
      }
    }
    if (r.timeoutMs !== undefined) {
      if (
        typeof r.timeoutMs === 'number' &&
        Number.isSafeInteger(r.timeoutMs) &&
        r.timeoutMs >= 1 &&
        r.timeoutMs <= MAX_FUNCTION_TIMEOUT_MS
      )
        s.timeoutMs = r.timeoutMs;
      else
        problem(
          `"functions.${name}.timeoutMs" must be a whole number of milliseconds from 1 to ${MAX_FUNCTION_TIMEOUT_MS}.`,
          [...at, 'timeoutMs'],
        );
    }
    if (r.versions !== undefined) {
      if (typeof r.versions !== 'object' || r.versions === null || Array.isArray(r.versions))
        problem(`"functions.${name}.versions" must map key names to version numbers.`, [...at, 'versions']);
      else {
        for (const [k, v] of Object.entries(r.versions as Record<string, unknown>)) {
          if (keyNameProblem(k))
            problem(`"functions.${name}.versions.${k.slice(0, 128)}" is not a key name.`, [...at, 'versions', k]);
          else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) s.versions[k] = v;
          else problem(`"functions.${name}.versions.${k}" must be a version number from 1 up.`, [...at, 'versions', k]);
        }
      }
    }
    out[name] = s;
  }
}

function normalizeDir(dir: string): string {
  return dir
    .replace(/\\/g, '/')
    .replace(/^(?:\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** A suggested project name from a folder name. */
export function suggestProjectName(folderName: string): string {
  const name = folderName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return name || 'app';
}

export function projectFileText(config: { project: string; functionsDir?: string; frontend?: string[] }): string {
  return (
    JSON.stringify(
      {
        project: config.project,
        functionsDir: config.functionsDir ?? DEFAULT_FUNCTIONS_DIR,
        frontend: config.frontend ?? ['src/**/*.{js,ts,jsx,tsx,html,vue,svelte}', '.env*'],
      },
      null,
      2,
    ) + '\n'
  );
}
