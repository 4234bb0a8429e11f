// The deploy core of Cloud Functions: pure Node, no `vscode`. The editor's glue and the
// `cloudxlr deploy` command both call these.
export { discoverFunctions, functionForFile, type LocalFunction } from './discover';
export { bundleFunction, resolveSourceFile, BundleError, type BundleResult, type BundleMessage } from './bundle';
export { findKeyReferences, scanJavaScript, referencedKeyNames, isScannableSource } from './references';
export type { KeyReference, ReferenceProblem, ReferenceScan, SourceLocation } from './references';
export { guardBundle } from './leakGuard';
export { bundleHashesIn, mapBundlePositions } from './stackMap';
export type { LeakFinding, NamedValue, RuleScanner, RuleHit, LeakGuardOptions } from './leakGuard';
export { deployFunctions, deployFunction, analyzeFunction, keyNames, errorOutcome } from './plan';
export {
  describeOutcome,
  deployNotice,
  deployAllSummary,
  shortReason,
  type DeployAction,
  type DeployNotice,
} from './outcome';
export type {
  DeployDeps,
  DeployOutcome,
  DeployProgress,
  DeployStatus,
  DeployStep,
  DeployTarget,
  FunctionAnalysis,
  FunctionsCloud,
  LocalKeySource,
} from './plan';
export { loadEsbuild } from './esbuildWasm';
export { engineRuleScanner, engineLeakGuard } from './lintGuard';
export { newFunctionFiles, TYPES_FILE_NAME, type ScaffoldFile } from './scaffold';
