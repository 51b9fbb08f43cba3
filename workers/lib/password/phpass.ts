import { md5 } from '@noble/hashes/legacy.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The portable hashes of the phpass framework (WordPress `$P$`, phpBB3 `$H$`): salted MD5
 * iterated 2^n times, written in phpass's own base64 alphabet. Implemented from the public
 * algorithm description; bcrypt hashes that phpass also produces are handled by the caller.
 */
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** phpass allows 2^7..2^30 rounds; Ledge stops at 2^18 so one sign-in stays within CPU limits. */
export const PHPASS_MIN_LOG2 = 7;
export const PHPASS_MAX_LOG2 = 18;

const PORTABLE = /^\$[PH]\$[./0-9A-Za-z]{31}$/;

/** phpass's little-endian 6-bit encoding (not RFC 4648 base64). */
function encode64(input: Uint8Array, count: number): string {
  let out = '';
  let i = 0;
  while (i < count) {
    let value = input[i++];
    out += ITOA64[value & 0x3f];
    if (i < count) value |= input[i] << 8;
    out += ITOA64[(value >> 6) & 0x3f];
    if (i++ >= count) break;
    if (i < count) value |= input[i] << 16;
    out += ITOA64[(value >> 12) & 0x3f];
    if (i++ >= count) break;
    out += ITOA64[(value >> 18) & 0x3f];
  }
  return out;
}

/** The round exponent a portable hash declares, or null when it is not a portable hash. */
export function phpassRounds(hash: string): number | null {
  if (!PORTABLE.test(hash)) return null;
  return ITOA64.indexOf(hash[3]);
}

/**
 * Recomputes a portable hash for `password` with the setting (prefix, rounds, salt) taken from
 * `stored`; null when the setting is unusable or above Ledge's round limit.
 */
export function phpassPortable(password: string, stored: string): string | null {
  const log2 = phpassRounds(stored);
  if (log2 === null || log2 < PHPASS_MIN_LOG2 || log2 > PHPASS_MAX_LOG2) return null;
  const salt = stored.slice(4, 12);
  const pw = utf8ToBytes(password);
  let digest = md5(concatBytes(utf8ToBytes(salt), pw));
  for (let n = 1 << log2; n > 0; n--) digest = md5(concatBytes(digest, pw));
  return stored.slice(0, 12) + encode64(digest, 16);
}
