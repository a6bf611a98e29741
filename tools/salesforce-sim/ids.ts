/**
 * Salesforce record ids: 15 case-sensitive characters, optionally followed by a 3-character
 * suffix that encodes the case of the first 15 so the 18-character form is case-insensitive.
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ALNUM = /^[0-9A-Za-z]+$/;

function isUpper(c: string): boolean {
  return c >= 'A' && c <= 'Z';
}

/** The 3-character case-checksum suffix of a 15-character id. */
export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      if (isUpper(id15.charAt(chunk * 5 + i))) bits |= 1 << i;
    }
    out += SUFFIX_ALPHABET.charAt(bits);
  }
  return out;
}

export function to18(id15: string): string {
  return id15 + idSuffix(id15);
}

/**
 * Canonical 18-character form of a 15- or 18-character id, or null when malformed.
 * An 18-character id is accepted in any letter case: its suffix says which letters are upper case.
 */
export function normalizeId(raw: string): string | null {
  if (!ALNUM.test(raw)) return null;
  if (raw.length === 15) return to18(raw);
  if (raw.length !== 18) return null;
  const suffix = raw.slice(15).toUpperCase();
  let restored = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = SUFFIX_ALPHABET.indexOf(suffix.charAt(chunk));
    if (bits < 0) return null;
    for (let i = 0; i < 5; i++) {
      const c = raw.charAt(chunk * 5 + i);
      const upper = (bits & (1 << i)) !== 0;
      const isLetter = /[A-Za-z]/.test(c);
      if (upper && !isLetter) return null;
      restored += isLetter ? (upper ? c.toUpperCase() : c.toLowerCase()) : c;
    }
  }
  return restored + suffix;
}

function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    out = BASE62.charAt(v % 62) + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/**
 * Builds the n-th id for a 3-character key prefix, returned in 18-character form:
 * key prefix (3) + instance "5g" (2) + reserved "0" (1) + 3 mixed-case salt + 6-digit base-62 counter.
 * The salt varies letter case so the checksum suffix is exercised; the counter keeps ids unique.
 */
export function makeId(keyPrefix: string, n: number): string {
  const salt = base62((n * 48271 + 12345) % 238328, 3);
  return to18(`${keyPrefix}5g0${salt}${base62(n, 6)}`);
}
