// The forms a value takes on its way into code, a log line or an HTTP answer. Each form is a
// literal string, so one multi-pattern index finds all of them in one pass (see matcher.ts).

import { MIN_VALUE_LENGTH, type FormKind } from './types';

export interface ValueForm {
  kind: FormKind;
  /** The literal text looked for. */
  text: string;
  /**
   * Base64 forms are the characters that depend on the value alone. The character just before
   * (`lead`) and just after (`trail`) may mix bits of the value with bits of its neighbours;
   * an occurrence is widened over them (and over `=` padding) so none of the value's bits stay.
   */
  lead?: boolean;
  trail?: boolean;
  alphabet?: 'base64' | 'base64url';
}

const FORM_NAMES: Record<FormKind, string> = {
  raw: '',
  json: 'JSON-escaped',
  'json-twice': 'JSON-escaped twice',
  url: 'URL-encoded',
  'form-url': 'form-encoded',
  hex: 'hex-encoded',
  'hex-upper': 'hex-encoded',
  buffer: 'as Buffer bytes',
  bytes: 'as a list of bytes',
  base64: 'base64-encoded',
  base64url: 'base64url-encoded',
  line: 'one line of it',
};

/** " (hex-encoded)" and the like, for a message about a match; "" for the value as it is. */
export function describeForm(kind: FormKind): string {
  return FORM_NAMES[kind] ? ` (${FORM_NAMES[kind]})` : '';
}

/** Lines of a multi-line value shorter than this are too common to match on their own. */
export const MIN_LINE_LENGTH = 16;
/** Node prints at most this many bytes of a Buffer (`buffer.INSPECT_MAX_BYTES`). */
const INSPECT_MAX_BYTES = 50;

/**
 * The base64 characters that encode `bytes` whatever comes before and after them: the value
 * placed after 0, 1 or 2 other bytes (so at every alignment of a longer plaintext such as
 * `"api:" + key` or `{"k":"…"}`), with the edge characters that also hold neighbouring bits
 * trimmed off.
 */
export function base64Cores(bytes: Buffer): Array<{ text: string; lead: boolean; trail: boolean }> {
  const out: Array<{ text: string; lead: boolean; trail: boolean }> = [];
  const shifted = Buffer.alloc(bytes.length + 2);
  for (let k = 0; k < 3; k++) {
    shifted.fill(0, 0, k); // the neighbour's bytes; only the trimmed edge characters depend on them
    bytes.copy(shifted, k);
    const encoded = shifted.toString('base64', 0, k + bytes.length);
    const first = Math.ceil((8 * k) / 6);
    const last = Math.floor((8 * (k + bytes.length)) / 6);
    out.push({ text: encoded.slice(first, last), lead: (8 * k) % 6 !== 0, trail: (8 * (k + bytes.length)) % 6 !== 0 });
  }
  return out;
}

function spacedHex(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  let out = hex.slice(0, 2);
  for (let i = 2; i < hex.length; i += 2) out += ' ' + hex.slice(i, i + 2);
  return out;
}

/**
 * Every form of `value` that is matched, without duplicates, longest first. Empty for a value
 * under MIN_VALUE_LENGTH characters: its encodings would match ordinary text.
 */
export function valueForms(value: string): ValueForm[] {
  if (value.length < MIN_VALUE_LENGTH) return [];
  const forms = new Map<string, ValueForm>();
  const add = (form: ValueForm): void => {
    if (form.text.length >= MIN_VALUE_LENGTH && !forms.has(form.text)) forms.set(form.text, form);
  };
  const bytes = Buffer.from(value, 'utf8');
  const json = JSON.stringify(value).slice(1, -1);
  add({ kind: 'raw', text: value });
  add({ kind: 'json', text: json });
  add({ kind: 'json-twice', text: JSON.stringify(json).slice(1, -1) });
  if (/[^A-Za-z0-9_.*-]/.test(value)) {
    add({ kind: 'url', text: encodeURIComponent(value) });
    add({ kind: 'form-url', text: new URLSearchParams([['', value]]).toString().slice(1) });
  }
  const hex = bytes.toString('hex');
  add({ kind: 'hex', text: hex });
  add({ kind: 'hex-upper', text: hex.toUpperCase() });
  // console.log(Buffer.from(value)): <Buffer 73 6b 5f … 12 more bytes>
  add({ kind: 'buffer', text: spacedHex(bytes.subarray(0, INSPECT_MAX_BYTES)) });
  if (bytes.length > INSPECT_MAX_BYTES) add({ kind: 'buffer', text: spacedHex(bytes) });
  // JSON.stringify(Buffer.from(value)) and of a Uint8Array's elements: {"data":[115,107,95,…]}
  add({ kind: 'bytes', text: [...bytes].join(',') });
  // base64 of the value and of its JSON-escaped form (a value inside JSON.stringify({ k })).
  for (const plain of json === value ? [bytes] : [bytes, Buffer.from(json, 'utf8')]) {
    for (const core of base64Cores(plain)) {
      add({ kind: 'base64', text: core.text, lead: core.lead, trail: core.trail, alphabet: 'base64' });
      add({
        kind: 'base64url',
        text: core.text.replace(/\+/g, '-').replace(/\//g, '_'),
        lead: core.lead,
        trail: core.trail,
        alphabet: 'base64url',
      });
    }
  }
  // A multi-line value (a PEM key) is often printed line by line: its longer body lines count;
  // lines with spaces ("-----BEGIN PRIVATE KEY-----", headers) are ordinary text.
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) {
      const t = line.trim();
      if (t.length >= MIN_LINE_LENGTH && !/\s/.test(t)) add({ kind: 'line', text: t });
    }
  }
  return [...forms.values()].sort((a, b) => b.text.length - a.text.length);
}
