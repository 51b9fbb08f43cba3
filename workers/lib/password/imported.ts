import { argon2d, argon2i, argon2id } from '@noble/hashes/argon2.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';
import { sha3_224, sha3_256, sha3_384, sha3_512 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import bcrypt from 'bcryptjs';
import { timingSafeEqual } from '../crypto';
import { phpassPortable, phpassRounds, PHPASS_MAX_LOG2, PHPASS_MIN_LOG2 } from './phpass';

/**
 * Password hashes imported through `Users.create{Argon2,Bcrypt,MD5,SHA,PHPass,Scrypt,
 * ScryptModified}User`, stored as Appwrite stores them: `hash` names the algorithm, `password`
 * holds the hash exactly as given, and `hashOptions` the parameters that are not inside it.
 * Everything is pure JS (Workers may not compile WebAssembly at run time); AES-CTR is WebCrypto.
 * Each hash carries a work factor; above Ledge's ceilings below, a hash is refused at import and
 * never verified, so one sign-in cannot burn more than a few seconds of CPU or 64 MiB of memory.
 */
export const IMPORTED_HASHES = ['argon2', 'bcrypt', 'md5', 'sha', 'phpass', 'scrypt', 'scryptMod'] as const;
export type ImportedHash = (typeof IMPORTED_HASHES)[number];

export const ARGON2_MAX_MEMORY_KIB = 65_536;
export const ARGON2_MAX_PASSES = 10;
export const BCRYPT_MAX_COST = 15;
/** scrypt memory is 128·N·r bytes; time grows with N·r·p. */
export const SCRYPT_MAX_MEMORY = 64 * 1024 * 1024;
export const SCRYPT_MAX_WORK = 2 ** 21;

const SHA: Record<string, (data: Uint8Array) => Uint8Array> = {
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
  'sha512/224': sha512_224,
  'sha512/256': sha512_256,
  'sha3-224': sha3_224,
  'sha3-256': sha3_256,
  'sha3-384': sha3_384,
  'sha3-512': sha3_512,
};
export const SHA_VERSIONS = Object.keys(SHA);
/** Appwrite's `Sha` hash defaults to SHA3-512 when no version is given. */
export const SHA_DEFAULT_VERSION = 'sha3-512';

const ARGON2 = {
  argon2i,
  argon2d,
  argon2id,
};
type Argon2Variant = keyof typeof ARGON2;

function decodeBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    const padded = text.replace(/=+$/, '') + '='.repeat((4 - (text.replace(/=+$/, '').length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

// ---- argon2 (PHP password_hash encoding: $argon2id$v=19$m=…,t=…,p=…$salt$hash) ----

interface Argon2Hash {
  variant: Argon2Variant;
  version: number;
  m: number;
  t: number;
  p: number;
  salt: Uint8Array;
  tag: Uint8Array;
}

const ARGON2_ENCODED = /^\$(argon2id|argon2i|argon2d)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parseArgon2(stored: string): Argon2Hash | string {
  const m = ARGON2_ENCODED.exec(stored);
  if (!m) return 'Argon2 hashes must be encoded as $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>.';
  const version = m[2] === undefined ? 0x10 : Number(m[2]);
  const [mem, t, p] = [Number(m[3]), Number(m[4]), Number(m[5])];
  const salt = decodeBase64(m[6]);
  const tag = decodeBase64(m[7]);
  if (version !== 0x10 && version !== 0x13) return 'Argon2 version must be 16 or 19.';
  if (!salt || salt.length < 8 || !tag || tag.length < 4) return 'Argon2 salt or hash is malformed.';
  if (p < 1 || p > 255 || t < 1 || mem < 8 * p) return 'Argon2 parameters are out of range.';
  if (mem > ARGON2_MAX_MEMORY_KIB || t > ARGON2_MAX_PASSES) {
    return `Argon2 work factor too high: Ledge verifies at most m=${ARGON2_MAX_MEMORY_KIB} and t=${ARGON2_MAX_PASSES}.`;
  }
  return { variant: m[1] as Argon2Variant, version, m: mem, t, p, salt, tag };
}

/** Raw Argon2 tag; `secret` and `data` exist for the RFC 9106 vectors (PHP hashes use neither). */
export function argon2Tag(
  variant: Argon2Variant,
  password: Uint8Array,
  salt: Uint8Array,
  params: { m: number; t: number; p: number; version?: number; dkLen: number; secret?: Uint8Array; data?: Uint8Array },
): Uint8Array {
  return ARGON2[variant](password, salt, {
    m: params.m,
    t: params.t,
    p: params.p,
    version: params.version ?? 0x13,
    dkLen: params.dkLen,
    key: params.secret,
    personalization: params.data,
    maxmem: (ARGON2_MAX_MEMORY_KIB + 1024) * 1024,
  });
}

function verifyArgon2(password: string, stored: string): boolean {
  const h = parseArgon2(stored);
  if (typeof h === 'string') return false;
  const tag = argon2Tag(h.variant, utf8ToBytes(password), h.salt, { ...h, dkLen: h.tag.length });
  return crypto.subtle.timingSafeEqual(tag, h.tag);
}

// ---- bcrypt ($2a$ / $2b$ / $2y$, as PHP's password_verify accepts) ----

const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

function bcryptProblem(stored: string): string | null {
  const m = BCRYPT.exec(stored);
  if (!m) return 'Bcrypt hashes must look like $2y$10$<53 characters>.';
  const cost = Number(m[1]);
  if (cost < 4 || cost > BCRYPT_MAX_COST) return `Bcrypt cost must be between 4 and ${BCRYPT_MAX_COST}.`;
  return null;
}

function verifyBcrypt(password: string, stored: string): boolean {
  if (bcryptProblem(stored)) return false;
  return timingSafeEqual(bcrypt.hashSync(password, stored.slice(0, 29)), stored);
}

// ---- md5 / sha (hex digests of the password, as PHP's md5() and hash() print them) ----

function hexProblem(stored: string, bytes: number, what: string): string | null {
  return new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(stored) ? null : `${what} hashes must be ${bytes * 2} hexadecimal characters.`;
}

function shaVersion(options: Record<string, unknown>): string | null {
  const version = options.version ?? SHA_DEFAULT_VERSION;
  return typeof version === 'string' && version in SHA ? version : null;
}

function shaDigest(version: string, password: string): string {
  return bytesToHex(SHA[version](utf8ToBytes(password)));
}

// ---- scrypt (php-scrypt: hex of scrypt(password, salt, N=costCpu, r=costMemory, p=costParallel, length)) ----

interface ScryptParams {
  salt: string;
  N: number;
  r: number;
  p: number;
  dkLen: number;
}

function scryptParams(options: Record<string, unknown>): ScryptParams | string {
  const { salt, costCpu: N, costMemory: r, costParallel: p, length: dkLen } = options;
  if (typeof salt !== 'string' || !isInt(N) || !isInt(r) || !isInt(p) || !isInt(dkLen)) {
    return 'Scrypt options need salt, costCpu, costMemory, costParallel and length.';
  }
  if (N <= 1 || (N & (N - 1)) !== 0) return 'Scrypt CPU cost must be a power of 2 greater than 1.';
  if (r < 1 || p < 1) return 'Scrypt memory and parallel costs must be at least 1.';
  if (dkLen < 16 || dkLen > 1024) return 'Scrypt hash length must be between 16 and 1024 bytes.';
  if (128 * N * r > SCRYPT_MAX_MEMORY || N * r * p > SCRYPT_MAX_WORK) {
    return `Scrypt work factor too high: Ledge verifies at most 128·N·r = 64 MiB and N·r·p = ${SCRYPT_MAX_WORK}.`;
  }
  return { salt, N, r, p, dkLen };
}

function verifyScrypt(password: string, stored: string, options: Record<string, unknown>): boolean {
  const params = scryptParams(options);
  if (typeof params === 'string') return false;
  const { salt, ...cost } = params;
  const derived = scrypt(utf8ToBytes(password), utf8ToBytes(salt), { ...cost, maxmem: SCRYPT_MAX_MEMORY + 1024 * 1024 });
  return timingSafeEqual(bytesToHex(derived), stored.toLowerCase());
}

// ---- scryptMod (Firebase Auth: AES-256-CTR of the signer key under scrypt(password, salt‖separator)) ----

interface FirebaseParams {
  salt: Uint8Array;
  separator: Uint8Array;
  signerKey: Uint8Array;
}

function firebaseParams(options: Record<string, unknown>): FirebaseParams | string {
  const salt = typeof options.salt === 'string' ? decodeBase64(options.salt) : null;
  const separator = typeof options.saltSeparator === 'string' ? decodeBase64(options.saltSeparator) : null;
  const signerKey = typeof options.signerKey === 'string' ? decodeBase64(options.signerKey) : null;
  if (!salt || !salt.length || !separator || !signerKey || !signerKey.length) {
    return 'Scrypt-modified options need base64 salt, saltSeparator and signerKey.';
  }
  return { salt, separator, signerKey };
}

/** Firebase's hash of `password`, base64. Appwrite fixes the scrypt costs at N=2^14, r=8, p=1. */
export async function firebaseScryptHash(password: string, params: FirebaseParams): Promise<string> {
  const salt = new Uint8Array(params.salt.length + params.separator.length);
  salt.set(params.salt);
  salt.set(params.separator, params.salt.length);
  const derived = scrypt(utf8ToBytes(password), salt, { N: 16384, r: 8, p: 1, dkLen: 64 });
  const key = await crypto.subtle.importKey('raw', derived.slice(0, 32), 'AES-CTR', false, ['encrypt']);
  const cipher = await crypto.subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 128 }, key, params.signerKey);
  return encodeBase64(new Uint8Array(cipher));
}

async function verifyFirebase(password: string, stored: string, options: Record<string, unknown>): Promise<boolean> {
  const params = firebaseParams(options);
  if (typeof params === 'string') return false;
  return timingSafeEqual(await firebaseScryptHash(password, params), stored);
}

// ---- phpass (portable $P$/$H$, and the bcrypt hashes phpass writes when bcrypt is available) ----

function phpassProblem(stored: string): string | null {
  if (stored.startsWith('$2')) return bcryptProblem(stored);
  const log2 = phpassRounds(stored);
  if (log2 === null) return 'PHPass hashes must be portable ($P$ or $H$, 34 characters) or bcrypt.';
  if (log2 < PHPASS_MIN_LOG2 || log2 > PHPASS_MAX_LOG2) return `PHPass rounds must be between 2^${PHPASS_MIN_LOG2} and 2^${PHPASS_MAX_LOG2}.`;
  return null;
}

function verifyPhpass(password: string, stored: string): boolean {
  if (stored.startsWith('$2')) return verifyBcrypt(password, stored);
  const computed = phpassPortable(password, stored);
  return computed !== null && timingSafeEqual(computed, stored);
}

// ---- dispatch ----

export function isImportedHash(algorithm: string): algorithm is ImportedHash {
  return (IMPORTED_HASHES as readonly string[]).includes(algorithm);
}

/**
 * Why a hash cannot be imported (malformed, or beyond Ledge's work ceilings), or null when it
 * can. Checked when a user is created so an unusable hash is refused up front, not at sign-in.
 */
export function importedHashProblem(algorithm: string, stored: string, options: Record<string, unknown>): string | null {
  switch (algorithm) {
    case 'argon2': {
      const h = parseArgon2(stored);
      return typeof h === 'string' ? h : null;
    }
    case 'bcrypt':
      return bcryptProblem(stored);
    case 'md5':
      return hexProblem(stored, 16, 'MD5');
    case 'sha': {
      const version = shaVersion(options);
      if (!version) return `SHA version must be one of: ${SHA_VERSIONS.join(', ')}.`;
      return hexProblem(stored, SHA[version](new Uint8Array()).length, 'SHA');
    }
    case 'phpass':
      return phpassProblem(stored);
    case 'scrypt': {
      const params = scryptParams(options);
      if (typeof params === 'string') return params;
      return hexProblem(stored, params.dkLen, 'Scrypt');
    }
    case 'scryptMod': {
      const params = firebaseParams(options);
      if (typeof params === 'string') return params;
      const hash = decodeBase64(stored);
      return hash && hash.length === params.signerKey.length ? null : 'Scrypt-modified hashes must be base64, as long as the signer key.';
    }
    default:
      return `Unknown hash algorithm: ${algorithm}.`;
  }
}

/**
 * Whether `password` matches an imported `storedHash`. Unknown algorithms, malformed hashes and
 * hashes above the work ceilings never match.
 */
export async function verifyImportedHash(
  algorithm: string,
  password: string,
  storedHash: string,
  options: Record<string, unknown>,
): Promise<boolean> {
  try {
    switch (algorithm) {
      case 'argon2':
        return verifyArgon2(password, storedHash);
      case 'bcrypt':
        return verifyBcrypt(password, storedHash);
      case 'md5':
        return !hexProblem(storedHash, 16, 'MD5') && timingSafeEqual(bytesToHex(md5(utf8ToBytes(password))), storedHash.toLowerCase());
      case 'sha': {
        const version = shaVersion(options);
        return version !== null && timingSafeEqual(shaDigest(version, password), storedHash.toLowerCase());
      }
      case 'phpass':
        return verifyPhpass(password, storedHash);
      case 'scrypt':
        return verifyScrypt(password, storedHash, options);
      case 'scryptMod':
        return await verifyFirebase(password, storedHash, options);
      default:
        return false;
    }
  } catch {
    // A stored hash that a primitive rejects (bad lengths, bad salt) is a non-match, not a 500.
    return false;
  }
}
