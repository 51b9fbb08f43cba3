import { toHex } from './crypto';
import { fail } from './errors';

const CUSTOM_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$/;
export const ID_RULES =
  "Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char. Max length is 36 chars.";

/**
 * A new id in the shape of the SDKs' `ID.unique()`: hex seconds, hex milliseconds padded to five,
 * then random hex — 20 characters that sort roughly by creation time.
 */
export function uniqueId(padding = 7): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000).toString(16);
  const msec = (now % 1000).toString(16).padStart(5, '0');
  const rand = toHex(crypto.getRandomValues(new Uint8Array(Math.ceil(padding / 2)))).slice(0, padding);
  return sec + msec + rand;
}

export function isValidId(id: string): boolean {
  return CUSTOM_ID.test(id);
}

/**
 * Resolves a client-supplied id: the literal `unique()` asks the server for one; anything else
 * must follow Appwrite's custom-id rules or the request fails with `general_argument_invalid`.
 */
export function resolveId(id: string | undefined | null, param = 'id'): string {
  if (id === undefined || id === null || id === 'unique()') return uniqueId();
  if (!isValidId(id)) fail('general_argument_invalid', `Invalid \`${param}\` param: Parameter must contain at most 36 chars. ${ID_RULES}`);
  return id;
}
