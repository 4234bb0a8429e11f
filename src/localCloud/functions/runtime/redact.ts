// Redaction of key values in anything a function invocation produces (logs, error messages,
// results): every occurrence of a value the invocation could read, in any form the shared
// value matcher knows, becomes [REDACTED:NAME]. The matcher and the redactor live in
// src/shared/valueMatch, shared with the deploy leak guards, the linter and the editor.
export { Redactor, valueForms, type NamedValue } from '../../../shared/valueMatch';
