// Public checksums carried by some token formats. A value whose checksum does not verify is a
// typo, a truncation or a made-up example, not a live key, so its rule does not report it.
//
// Verified against each provider's published description and real tokens of each format:
// - GitHub (`ghp_` …) and npm (`npm_`): CRC-32 of the 30 random characters, base62, 6 digits.
// - Cloudflare (`cfk_`, `cfut_`, `cfat_`): CRC-32 of the 40-character body, 8 lower-case hex.
// - Grafana service account (`glsa_`): CRC-32 of `glsa_<secret>`, 8 hex, little-endian bytes.
// - GitLab routable tokens: `<prefix><base64url payload>.<length, 2 base36><CRC-32, 7 base36>`,
//   the CRC taken over everything before it.
// - age secret keys: Bech32 (BIP-173) with the human-readable part `age-secret-key-`.
// - PyPI tokens: a base64url macaroon (version 2, location `pypi.org`, a 32-byte signature).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) c = (CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62(n: number, width: number): string {
  let s = '';
  do {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  return s.padStart(width, '0');
}

/** `ghp_…`, `gho_…`, `ghu_…`, `ghs_…`, `ghr_…` and `npm_…`: 30 random characters + 6 of checksum. */
export function validBase62Checksum(token: string): boolean {
  const body = token.slice(token.indexOf('_') + 1);
  if (body.length !== 36) return true; // other lengths are other formats, without this checksum
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** `cfk_`, `cfut_`, `cfat_` + 40 characters + CRC-32 of them in hex. */
export function validCloudflareChecksum(token: string): boolean {
  const body = token.slice(token.indexOf('_') + 1);
  return body.length === 48 && hex8(crc32(body.slice(0, 40))) === body.slice(40);
}

/** `glsa_<32>_<8 hex>`: CRC-32 of `glsa_<32>`, bytes little-endian. */
export function validGrafanaChecksum(token: string): boolean {
  const cut = token.lastIndexOf('_');
  const be = hex8(crc32(token.slice(0, cut)));
  const le = be.slice(6, 8) + be.slice(4, 6) + be.slice(2, 4) + be.slice(0, 2);
  return le === token.slice(cut + 1).toLowerCase();
}

/** GitLab's routable token: payload length and CRC-32, both base36, after the last dot. */
export function validGitLabRoutable(token: string, prefixLength: number): boolean {
  const dot = token.lastIndexOf('.');
  if (dot < 0 || token.length - dot !== 10) return false;
  const payload = token.slice(prefixLength, dot);
  if (parseInt(token.slice(dot + 1, dot + 3), 36) !== payload.length) return false;
  return (
    crc32(token.slice(0, dot + 3))
      .toString(36)
      .padStart(7, '0') === token.slice(dot + 3)
  );
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function bech32Polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i] as number;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

/** True when `s` (`hrp` + "1" + data, any single case) carries a valid Bech32 checksum. */
export function validBech32(s: string): boolean {
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1 || lower.length - sep < 7) return false;
  const data: number[] = [];
  for (const ch of lower.slice(sep + 1)) {
    const v = BECH32.indexOf(ch);
    if (v < 0) return false;
    data.push(v);
  }
  return bech32Polymod([...hrpExpand(lower.slice(0, sep)), ...data]) === 1;
}

/** The 6 checksum characters that make `hrp` + "1" + `data` valid Bech32 (for samples). */
export function bech32Checksum(hrp: string, data: string): string {
  const values = [...hrpExpand(hrp), ...[...data].map((c) => BECH32.indexOf(c)), 0, 0, 0, 0, 0, 0];
  const mod = bech32Polymod(values) ^ 1;
  let out = '';
  for (let i = 0; i < 6; i++) out += BECH32[(mod >>> (5 * (5 - i))) & 31];
  return out;
}

/** A PyPI token's macaroon decodes: version 2, location `pypi.org`, and a 32-byte signature last. */
export function validPypiMacaroon(token: string): boolean {
  const bytes = Buffer.from(token.slice('pypi-'.length), 'base64url');
  if (bytes[0] !== 2) return false;
  let p = 1;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = bytes[p++];
      if (b === undefined) return -1;
      v |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return -1;
  };
  let sawLocation = false;
  for (let fields = 0; p < bytes.length && fields < 256; fields++) {
    const type = varint();
    if (type < 0) return false;
    if (type === 0) continue; // end of a section
    const len = varint();
    if (len < 0 || p + len > bytes.length) return false;
    if (type === 1 && bytes.subarray(p, p + len).toString('latin1') === 'pypi.org') sawLocation = true;
    p += len;
    if (type === 6) return sawLocation && len === 32 && p === bytes.length;
  }
  return false;
}
