// The deploy of Cloud Functions as plain steps, free of `vscode`, shared by the editor's
// commands and `cloudxlr deploy`:
//
//   discover → bundle → references → check the vault → leak guard → upload
//
// Every step reports progress; any step can stop the deploy with a result that says why and
// what to do. Only code and key references are uploaded, never a value: values are read
// locally for the leak guard alone.
import * as fs from 'fs';
import * as path from 'path';
import { BundleError, bundleFunction, type BundleMessage, type BundleResult } from './bundle';
import { discoverFunctions, type LocalFunction } from './discover';
import {
  FUNCTION_RUNTIME,
  type DeployFunctionRequest,
  type DeployFunctionResponse,
  type ResolvedSecretRef,
  type SecretRef,
} from '../api';
import { valueNamesIn, type NamedValue } from '../shared/valueMatch';
import { guardBundle, type LeakFinding, type RuleScanner } from './leakGuard';
import {
  findKeyReferences,
  isScannableSource,
  type KeyReference,
  type ReferenceProblem,
  type ReferenceScan,
  type SourceLocation,
} from './references';
import { settingsFor, type FunctionSettings } from '../project/projectFile';
import { errorMessage } from '../shared/errorMessage';

export type DeployStep = 'discover' | 'bundle' | 'references' | 'vault' | 'leak-guard' | 'upload';

export interface DeployProgress {
  /** The function, or "" for steps about all of them (discovery). */
  function: string;
  step: DeployStep;
  /** One line for a person, e.g. "Bundling functions/create-checkout.ts". */
  message: string;
}

/** The part of the cloud client a deploy uses. */
export interface FunctionsCloud {
  listKeys(): Promise<Array<{ name: string; version: number }>>;
  deployFunction(name: string, body: DeployFunctionRequest): Promise<DeployFunctionResponse>;
}

/** The workspace's own key store (the editor's SecretStorage), read for the leak guard only. */
export interface LocalKeySource {
  names(): Promise<string[]>;
  value(name: string): Promise<string | undefined>;
}

export interface DeployDeps {
  cloud: FunctionsCloud;
  /** Without it (e.g. in CI) there is no upload offer, and the leak guard checks rules only. */
  local?: LocalKeySource;
  rules?: RuleScanner;
  onProgress?: (p: DeployProgress) => void;
  /**
   * Referenced keys missing in the cloud but stored locally: upload them and answer true to go
   * on, or false to stop with an "offer-upload" result. Without it the deploy stops there.
   */
  offerUpload?: (fn: string, keys: string[]) => Promise<boolean>;
  /** deployFunctions() starts no further function once this is aborted. */
  signal?: AbortSignal;
}

export interface DeployTarget {
  /** The workspace folder holding cloudxlr.json. */
  root: string;
  functionsDir: string;
  /** Per-function settings, from cloudxlr.json (parseProjectFile). */
  functions?: Readonly<Record<string, FunctionSettings>>;
}

interface Base {
  name: string;
  /** Entry file, relative to the workspace folder. */
  entry?: string;
}

export type DeployOutcome =
  | (Base & {
      status: 'deployed';
      release: number;
      /** The active release already ran this code with these references and settings: none was made. */
      unchanged: boolean;
      url: string;
      secrets: ResolvedSecretRef[];
      sha256: string;
      references: KeyReference[];
      warnings: BundleMessage[];
    })
  | (Base & { status: 'not-found' | 'invalid'; message: string })
  | (Base & { status: 'bundle-failed'; errors: BundleMessage[] })
  | (Base & { status: 'invalid-references'; problems: ReferenceProblem[] })
  | (Base & { status: 'offer-upload'; keys: string[]; references: KeyReference[] })
  | (Base & {
      status: 'missing-keys';
      missing: string[];
      uploadable: string[];
      references: KeyReference[];
      checkedLocal: boolean;
    })
  | (Base & { status: 'leak'; findings: LeakFinding[] })
  | (Base & { status: 'cloud-refused'; code: string; message: string; details: Record<string, unknown> })
  /** The deploy could not go on (the cloud unreachable, the token refused…); `code` when the cloud client knows it. */
  | (Base & { status: 'error'; message: string; code?: string });

export type DeployStatus = DeployOutcome['status'];

/** What a function reads, without deploying it: for a Functions view and CodeLens. */
export interface FunctionAnalysis {
  fn: LocalFunction;
  bundle?: BundleResult;
  bundleErrors?: BundleMessage[];
  references: KeyReference[];
  problems: ReferenceProblem[];
  /** Where the entry exports its handler. */
  handler?: SourceLocation;
}

/** Bundles a function and finds its key references in every file of its own in the bundle. */
export async function analyzeFunction(root: string, fn: LocalFunction): Promise<FunctionAnalysis> {
  let bundle: BundleResult;
  try {
    bundle = await bundleFunction(root, fn.entry);
  } catch (e) {
    if (e instanceof BundleError) return { fn, bundleErrors: e.errors, references: [], problems: [] };
    throw e;
  }
  const scans: Array<{ file: string; scan: ReferenceScan }> = [];
  for (const file of bundle.sourceFiles.filter(isScannableSource)) {
    const text = await fs.promises.readFile(file, 'utf8');
    scans.push({ file, scan: await findKeyReferences(text, file) });
  }
  const entryScan = scans.find((s) => path.resolve(s.file) === path.resolve(fn.entry))?.scan;
  const out: FunctionAnalysis = {
    fn,
    bundle,
    references: scans.flatMap((s) => s.scan.references),
    problems: scans.flatMap((s) => s.scan.problems),
  };
  if (entryScan?.handler) out.handler = entryScan.handler;
  return out;
}

/** Key names of an analysis, unique and sorted. */
export function keyNames(references: readonly KeyReference[]): string[] {
  return [...new Set(references.map((r) => r.name))].sort();
}

/**
 * Deploys the named functions (all when `names` is empty), one after another. Unknown names
 * give a "not-found" outcome; one function's failure, even a thrown one, does not stop the others.
 */
export async function deployFunctions(
  target: DeployTarget,
  names: readonly string[],
  deps: DeployDeps,
): Promise<DeployOutcome[]> {
  const progress = deps.onProgress ?? (() => undefined);
  progress({ function: '', step: 'discover', message: `Looking for functions in ${target.functionsDir}/` });
  const found = await discoverFunctions(target.root, target.functionsDir);
  const outcomes: DeployOutcome[] = [];
  let selected = found;
  if (names.length > 0) {
    selected = [];
    for (const name of names) {
      const fn = found.find((f) => f.name === name);
      if (fn) selected.push(fn);
      else
        outcomes.push({
          name,
          status: 'not-found',
          message: `There is no function ${name} in ${target.functionsDir}/ (expected ${target.functionsDir}/${name}.ts or ${target.functionsDir}/${name}/index.ts).`,
        });
    }
  }
  if (names.length === 0 && selected.length === 0) {
    progress({ function: '', step: 'discover', message: `No functions found in ${target.functionsDir}/` });
  }
  for (const fn of selected) {
    if (deps.signal?.aborted) break;
    try {
      outcomes.push(await deployFunction(target, fn, deps));
    } catch (e) {
      outcomes.push(errorOutcome(fn.name, e));
    }
  }
  return outcomes;
}

/** Deploys one discovered function through every step. */
export async function deployFunction(
  target: DeployTarget,
  fn: LocalFunction,
  deps: DeployDeps,
): Promise<DeployOutcome> {
  const progress = (step: DeployStep, message: string): void => deps.onProgress?.({ function: fn.name, step, message });
  const base: Base = { name: fn.name, entry: fn.relativePath };
  if (fn.problem) return { ...base, status: 'invalid', message: fn.problem };
  const settings = settingsFor(target.functions, fn.name);

  // 1. Bundle, and 2. find the references in the function's own files.
  progress('bundle', `Bundling ${fn.relativePath} (esbuild, CommonJS, node20)`);
  const analysis = await analyzeFunction(target.root, fn);
  if (analysis.bundleErrors || !analysis.bundle)
    return { ...base, status: 'bundle-failed', errors: analysis.bundleErrors ?? [] };
  const bundle = analysis.bundle;
  for (const w of bundle.warnings) progress('bundle', `Warning: ${w.message}`);
  progress(
    'bundle',
    `Bundled ${(Buffer.byteLength(bundle.code) / 1024).toFixed(1)} KiB from ${bundle.inputs.length} file(s), sha256 ${bundle.sha256.slice(0, 12)}…`,
  );
  progress('references', `Finding key references in ${bundle.sourceFiles.length} source file(s)`);
  if (analysis.problems.length > 0) return { ...base, status: 'invalid-references', problems: analysis.problems };
  const names = keyNames(analysis.references);
  progress('references', names.length ? `References: ${names.join(', ')}` : 'References: none');

  // 3. Check the vault: every referenced key must exist in the cloud.
  progress('vault', 'Checking the cloud for the referenced keys');
  const localNames = new Set(deps.local ? await deps.local.names() : []);
  let inCloud = new Set((await deps.cloud.listKeys()).map((k) => k.name));
  let absent = names.filter((n) => !inCloud.has(n));
  const missingEverywhere = absent.filter((n) => !localNames.has(n));
  const uploadable = absent.filter((n) => localNames.has(n));
  if (missingEverywhere.length > 0) {
    return {
      ...base,
      status: 'missing-keys',
      missing: missingEverywhere,
      uploadable,
      references: analysis.references,
      checkedLocal: !!deps.local,
    };
  }
  if (uploadable.length > 0) {
    progress('vault', `Not in the cloud yet but stored locally: ${uploadable.join(', ')}`);
    const go = deps.offerUpload ? await deps.offerUpload(fn.name, uploadable) : false;
    if (!go) return { ...base, status: 'offer-upload', keys: uploadable, references: analysis.references };
    inCloud = new Set((await deps.cloud.listKeys()).map((k) => k.name));
    absent = names.filter((n) => !inCloud.has(n));
    if (absent.length > 0)
      return {
        ...base,
        status: 'missing-keys',
        missing: absent,
        uploadable: absent.filter((n) => localNames.has(n)),
        references: analysis.references,
        checkedLocal: true,
      };
  }

  // 4. Leak guard: no stored value in the bundle (or in the plain env), no rule finding.
  progress(
    'leak-guard',
    `Scanning the bundle for ${localNames.size} stored value(s)${deps.rules ? ' and hardcoded secrets' : ''}`,
  );
  const values: NamedValue[] = [];
  if (deps.local) {
    for (const name of localNames) {
      const value = await deps.local.value(name);
      if (value) values.push({ name, value });
    }
  }
  const leakOptions: Parameters<typeof guardBundle>[1] = { values, root: path.resolve(target.root) };
  if (deps.rules) leakOptions.rules = deps.rules;
  const findings = await guardBundle(bundle, leakOptions);
  for (const [envName, envValue] of Object.entries(settings.env)) {
    for (const key of valueNamesIn(envValue, values)) {
      findings.push({
        key,
        message: `The env setting ${envName} of ${fn.name} holds the value of the key ${key}. Read it with ctx.secrets.get("${key}") instead.`,
        location: { file: path.join(path.resolve(target.root), 'cloudxlr.json'), line: 1, column: 1 },
        inBundle: false,
      });
    }
  }
  if (findings.length > 0) return { ...base, status: 'leak', findings };

  // 5. Upload code and references, never values.
  const secrets: SecretRef[] = names.map((name) => ({ name, version: settings.versions[name] ?? 'latest' }));
  const body: DeployFunctionRequest = {
    runtime: FUNCTION_RUNTIME,
    code: bundle.code,
    sha256: bundle.sha256,
    secrets,
    env: settings.env,
  };
  if (settings.timeoutMs !== undefined) body.timeoutMs = settings.timeoutMs;
  progress('upload', `Uploading ${fn.name} with ${secrets.length} key reference(s)`);
  try {
    const r = await deps.cloud.deployFunction(fn.name, body);
    const unchanged = r.unchanged === true;
    progress(
      'upload',
      unchanged ? `No changes: release ${r.release} already runs this code` : `Uploaded as release ${r.release}`,
    );
    return {
      ...base,
      status: 'deployed',
      release: r.release,
      unchanged,
      url: r.url,
      secrets: r.secrets,
      sha256: bundle.sha256,
      references: analysis.references,
      warnings: bundle.warnings,
    };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof err.code === 'string' && typeof err.message === 'string') {
      return {
        ...base,
        status: 'cloud-refused',
        code: err.code,
        message: err.message,
        details: (err.details as Record<string, unknown>) ?? {},
      };
    }
    throw e;
  }
}

/** A deploy that threw: its message (the cloud client's are written for people), and the client's error code. */
export function errorOutcome(name: string, e: unknown): DeployOutcome {
  const code = (e as { code?: unknown } | undefined)?.code;
  return { name, status: 'error', message: errorMessage(e), ...(typeof code === 'string' ? { code } : {}) };
}
