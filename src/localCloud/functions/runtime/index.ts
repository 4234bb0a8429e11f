// The function runtime of the local cloud: see runtime.ts.
export { FunctionRuntime, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS } from './runtime';
export type { InvocationResult, LogEntry, ReleaseSpec, RuntimeOptions, SecretReader, SecretRef } from './runtime';
export type { FunctionRequest, LogLevel } from './protocol';
export { Redactor, valueForms } from './redact';
export type { NamedValue } from './redact';
