// Name rules of the CloudXLR cloud contract, shared by the view, the client and the local cloud.

export const KEY_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,127}$/;
export const RESERVED_KEY_PREFIX = 'CLOUDXLR_';
export const FUNCTION_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** Values are 1 byte to 64 KiB of UTF-8. */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Returns why `name` is not a valid key name, or undefined when it is. */
export function keyNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'A key name cannot be empty.';
  if (name.startsWith(RESERVED_KEY_PREFIX)) {
    return `Key names starting with ${RESERVED_KEY_PREFIX} are reserved for the platform. Choose another name.`;
  }
  if (name.length > 128) return 'A key name can be at most 128 characters long.';
  if (!KEY_NAME_PATTERN.test(name)) {
    return 'A key name must be upper snake case: a capital letter, then capital letters, digits or underscores (for example STRIPE_SECRET_KEY).';
  }
  return undefined;
}

/** Returns why `value` cannot be stored as a key value, or undefined when it can. */
export function keyValueProblem(value: string): string | undefined {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes === 0) return 'A key value cannot be empty.';
  if (bytes > MAX_VALUE_BYTES) return `A key value can be at most 64 KiB; this one is ${Math.ceil(bytes / 1024)} KiB.`;
  return undefined;
}

/** Returns why `name` is not a valid function name, or undefined when it is. */
export function functionNameProblem(name: string): string | undefined {
  if (!FUNCTION_NAME_PATTERN.test(name)) {
    return 'A function name must be lower kebab case: a small letter, then small letters, digits or hyphens, at most 63 characters (for example create-checkout).';
  }
  return undefined;
}

/** Suggests a valid key name from free text, e.g. "stripe secret" -> "STRIPE_SECRET". */
export function suggestKeyName(text: string): string {
  let name = text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[A-Z]/.test(name)) name = `KEY_${name}`;
  if (name.startsWith(RESERVED_KEY_PREFIX)) name = `APP_${name}`;
  return name.slice(0, 128).replace(/_+$/, '') || 'API_KEY';
}

/**
 * `name` when no key of that name exists yet, else the first free `<name>_2`, `<name>_3`…, so
 * a prompt never proposes a name whose key would be replaced.
 */
export function freeKeyName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name.slice(0, 128 - String(n).length - 1)}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
