import { ApiError } from '../errors';
import { COMMON_PASSWORDS } from './common';
import { verifyImportedHash } from './imported';

/**
 * Ledge's native password scheme: PBKDF2-SHA256 through WebCrypto. Production Workers refuse
 * more than 100,000 iterations (local workerd does not), so this is also the ceiling we verify.
 */
export const PBKDF2_ITERATIONS = 100_000;
export const PBKDF2_MAX_ITERATIONS = 100_000;
export const NATIVE_HASH = 'pbkdf2';

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const encoder = new TextEncoder();

/** The three user columns a password lives in, named as Appwrite's User model names them. */
export interface StoredPassword {
  hash: string;
  password: string;
  hashOptions: Record<string, unknown>;
}

export interface PasswordHolder {
  hash: string | null;
  password: string | null;
  hashOptions: Record<string, unknown> | null;
}

function toB64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text: string): Uint8Array | null {
  try {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, KEY_BYTES * 8);
  return new Uint8Array(bits);
}

/** A new native hash: `$pbkdf2-sha256$i=<iterations>$<salt>$<key>` (PHC-style, base64url). */
export async function hashPassword(password: string): Promise<StoredPassword> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const key = await derive(password, salt, PBKDF2_ITERATIONS);
  return {
    hash: NATIVE_HASH,
    password: `$pbkdf2-sha256$i=${PBKDF2_ITERATIONS}$${toB64url(salt)}$${toB64url(key)}`,
    hashOptions: { type: NATIVE_HASH, digest: 'sha256', iterations: PBKDF2_ITERATIONS, length: KEY_BYTES },
  };
}

const NATIVE_FORMAT = /^\$pbkdf2-sha256\$i=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

async function verifyNative(password: string, stored: string): Promise<{ ok: boolean; iterations: number }> {
  const m = NATIVE_FORMAT.exec(stored);
  if (!m) return { ok: false, iterations: 0 };
  const iterations = Number(m[1]);
  const salt = fromB64url(m[2]);
  const expected = fromB64url(m[3]);
  if (!salt || !expected || iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) return { ok: false, iterations };
  const actual = await derive(password, salt, iterations);
  if (actual.byteLength !== expected.byteLength) return { ok: false, iterations };
  return { ok: crypto.subtle.timingSafeEqual(actual, expected), iterations };
}

/**
 * Checks `password` against a user's stored hash, whatever its algorithm. Imported hashes
 * (argon2, bcrypt, …) verify through ./imported and report `needsRehash` so the caller can move
 * the user onto the native scheme after a successful sign-in, as Appwrite does.
 */
export async function verifyPassword(password: string, user: PasswordHolder): Promise<{ ok: boolean; needsRehash: boolean }> {
  if (!user.password || !user.hash) return { ok: false, needsRehash: false };
  if (user.hash === NATIVE_HASH) {
    const { ok, iterations } = await verifyNative(password, user.password);
    return { ok, needsRehash: ok && iterations !== PBKDF2_ITERATIONS };
  }
  const ok = await verifyImportedHash(user.hash, password, user.password, user.hashOptions ?? {});
  return { ok, needsRehash: ok };
}

/**
 * A native hash of a random value nobody knows. Verifying against it when an email is unknown
 * makes "no such user" cost the same time as "wrong password" (no account enumeration by timing).
 */
export const DUMMY_HASH: PasswordHolder = {
  hash: NATIVE_HASH,
  password: `$pbkdf2-sha256$i=${PBKDF2_ITERATIONS}$jEFKdPBAmRKs-Iy4sXGWaA$XyMOoNWyrOoVAwY2GjrNdukxKIzo5ScRFe9-rtjBJH4`,
  hashOptions: { type: NATIVE_HASH, digest: 'sha256', iterations: PBKDF2_ITERATIONS, length: KEY_BYTES },
};

export async function burnDummyVerification(password: string): Promise<void> {
  await verifyPassword(password, DUMMY_HASH);
}

/** Appwrite measures password length in bytes (PHP strlen). */
function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

export const PASSWORD_LENGTH_MESSAGE = 'Password must be between 8 and 256 characters long.';
// Appwrite's PasswordDictionary description, typo ("265") included, since clients may match it.
const DICTIONARY_MESSAGE = 'Password must be between 8 and 265 characters long, and should not be one of the commonly used password.';

export function isValidPasswordLength(password: string): boolean {
  const n = byteLength(password);
  return n >= 8 && n <= 256;
}

export interface PasswordPolicy {
  dictionary: boolean;
  personalData: boolean;
}

export interface PersonalData {
  id?: string | null;
  email?: string | null;
  name?: string | null;
  phone?: string | null;
}

/**
 * Appwrite's rules for a new password, in its order: length (8–256 bytes) and the optional
 * common-password dictionary are parameter errors (`general_argument_invalid`, 400); the optional
 * personal-data check is `user_password_personal_data`.
 */
export function assertPasswordPolicy(password: string, policy: PasswordPolicy, personal: PersonalData = {}, param = 'password'): void {
  if (!isValidPasswordLength(password)) throw new ApiError('general_argument_invalid', `Invalid \`${param}\` param: ${PASSWORD_LENGTH_MESSAGE}`);
  if (policy.dictionary && COMMON_PASSWORDS.has(password)) {
    throw new ApiError('general_argument_invalid', `Invalid \`${param}\` param: ${DICTIONARY_MESSAGE}`);
  }
  if (policy.personalData && containsPersonalData(password, personal)) throw new ApiError('user_password_personal_data');
}

export function containsPersonalData(password: string, personal: PersonalData): boolean {
  const pw = password.toLowerCase();
  const id = (personal.id ?? '').toLowerCase();
  const email = (personal.email ?? '').toLowerCase();
  const name = (personal.name ?? '').toLowerCase();
  const phone = (personal.phone ?? '').toLowerCase();
  if (id && pw.includes(id)) return true;
  if (email && (pw.includes(email) || (email.split('@')[0] && pw.includes(email.split('@')[0])))) return true;
  if (name && pw.includes(name)) return true;
  if (phone && (pw.includes(phone) || pw.includes(phone.replace('+', '')))) return true;
  return false;
}
