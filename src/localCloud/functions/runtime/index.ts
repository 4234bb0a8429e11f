// The function runtime of the local cloud: see runtime.ts.
export {
  FunctionRuntime,
  DEFAULT_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  HOST_LOOPBACK_ENV,
  HOST_LOOPBACK_GATEWAY,
  hostLoopbackFor,
  sandboxFlags,
} from './runtime';
export type { ReleaseSpec, RuntimeOptions, SecretReader, SecretRef } from './runtime';
export type { InvocationResult, LogEntry } from './invocation';
export type { PoolStats } from './pool';
export type { IsolationInfo } from './sandbox';
export { functionIsolation, probeIsolation } from './sandbox';
export type { FunctionRequest, LogLevel } from './protocol';
export { Redactor, valueForms } from './redact';
export type { NamedValue } from './redact';
