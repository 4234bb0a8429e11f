// The vocabulary of value matching, shared by the linter, both deploy leak guards and every
// redactor.

/** A stored key value and the name it is stored under. */
export interface NamedValue {
  name: string;
  value: string;
}

/**
 * Values shorter than this are not looked for in code or encodings: they would match ordinary
 * text. Real API keys are far longer. The linter, the editor's and the CLI's deploy guard and
 * the cloud's `secret_in_bundle` check all use this one limit.
 */
export const MIN_VALUE_LENGTH = 8;

/** How a value was written where it was found. */
export type FormKind =
  | 'raw'
  | 'json'
  | 'json-twice'
  | 'url'
  | 'form-url'
  | 'hex'
  | 'hex-upper'
  | 'buffer'
  | 'bytes'
  | 'base64'
  | 'base64url'
  | 'line';

/** One occurrence of a value in a text. */
export interface ValueMatch {
  /** Offsets in the text: [start, end). */
  start: number;
  end: number;
  /** The name of the value found. */
  name: string;
  kind: FormKind;
}
