// Matching and redacting stored key values in text: one module for the linter's known-values
// rule, the deploy leak guards (editor, CLI and cloud), the functions runtime's redaction, the
// editor's log and the cloud client's errors. Pure: no `vscode`, no I/O.
export { MIN_VALUE_LENGTH, type FormKind, type NamedValue, type ValueMatch } from './types';
export { valueForms, base64Cores, describeForm, MIN_LINE_LENGTH, type ValueForm } from './forms';
export { ValueMatcher, valueNamesIn, type MatcherOptions } from './matcher';
export { Redactor } from './redact';
