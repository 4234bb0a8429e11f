// cloudxlr.json: which CloudXLR project a workspace folder belongs to, where its functions
// live and which files ship to the browser.

export interface ProjectConfig {
  project: string;
  functionsDir: string;
  /** Globs, relative to the folder, of files that ship to the browser. */
  frontend: string[];
}

export const DEFAULT_FRONTEND_GLOBS = ['**/*.{js,ts,jsx,tsx,mjs,cjs,html,vue,svelte,astro}', '**/.env*'];
export const DEFAULT_FUNCTIONS_DIR = 'functions';
const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class ProjectFileError extends Error {}

/** Parses and validates cloudxlr.json; errors name every problem at once. */
export function parseProjectFile(text: string): ProjectConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProjectFileError('cloudxlr.json is not valid JSON.');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ProjectFileError('cloudxlr.json must hold an object such as {"project": "demo"}.');
  }
  const o = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof o.project !== 'string' || !PROJECT_NAME.test(o.project)) {
    problems.push('"project" must be a lower-case name of letters, digits and hyphens (for example "demo").');
  }
  if (o.functionsDir !== undefined && (typeof o.functionsDir !== 'string' || o.functionsDir.includes('..'))) {
    problems.push('"functionsDir" must be a folder inside the workspace folder (for example "functions").');
  }
  if (o.frontend !== undefined && (!Array.isArray(o.frontend) || o.frontend.some((g) => typeof g !== 'string'))) {
    problems.push('"frontend" must be a list of glob patterns (for example ["src/**/*.ts"]).');
  }
  if (problems.length) throw new ProjectFileError(`cloudxlr.json: ${problems.join(' ')}`);
  return {
    project: o.project as string,
    functionsDir: ((o.functionsDir as string | undefined) ?? DEFAULT_FUNCTIONS_DIR).replace(/\/+$/, ''),
    frontend: (o.frontend as string[] | undefined) ?? DEFAULT_FRONTEND_GLOBS,
  };
}

/** A project name suggested from a folder name. */
export function suggestProjectName(folderName: string): string {
  const name = folderName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return name || 'app';
}

export function projectFileText(config: { project: string; functionsDir?: string; frontend?: string[] }): string {
  return JSON.stringify(
    { project: config.project, functionsDir: config.functionsDir ?? DEFAULT_FUNCTIONS_DIR, frontend: config.frontend ?? ['src/**/*.{js,ts,jsx,tsx,html,vue,svelte}', '.env*'] },
    null,
    2,
  ) + '\n';
}
