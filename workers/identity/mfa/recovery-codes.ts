import { timingSafeEqual, toHex } from '../../lib/crypto';

/**
 * MFA recovery codes. Appwrite issues 6 codes of 10 hex characters (`Type::generateBackupCodes`)
 * and each works once. Ledge keeps, per code, a keyed hash (HMAC-SHA-256) to check a code
 * against and an AES-GCM sealed copy so `GET …/recovery-codes` can show the unused ones as
 * Appwrite does. Both keys are derived (HKDF) from the deployment's JWT signing key, so a copy of
 * the database alone neither reveals the codes nor lets anyone brute-force the 40-bit hashes.
 */
export const RECOVERY_CODE_COUNT = 6;
export const RECOVERY_CODE_LENGTH = 10;

export interface RecoveryKeys {
  hash: CryptoKey;
  seal: CryptoKey;
}

const encoder = new TextEncoder();
const cache = new Map<string, Promise<RecoveryKeys>>();

async function derive(material: string): Promise<RecoveryKeys> {
  const base = await crypto.subtle.importKey('raw', encoder.encode(material), 'HKDF', false, ['deriveKey']);
  const params = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('ledge-mfa'), info: encoder.encode(info) });
  const [hash, seal] = await Promise.all([
    crypto.subtle.deriveKey(params('recovery-code-hash'), base, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']),
    crypto.subtle.deriveKey(params('recovery-code-seal'), base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
  ]);
  return { hash, seal };
}

/** The keys for this deployment (derived once per isolate). */
export function recoveryKeys(env: Pick<Env, 'JWT_SIGNING_KEY'>): Promise<RecoveryKeys> {
  const material = env.JWT_SIGNING_KEY;
  if (!material) throw new Error('JWT_SIGNING_KEY is not set');
  let keys = cache.get(material);
  if (!keys) {
    keys = derive(material);
    cache.set(material, keys);
  }
  return keys;
}

export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => toHex(crypto.getRandomValues(new Uint8Array(RECOVERY_CODE_LENGTH / 2))));
}

export async function hashRecoveryCode(keys: RecoveryKeys, code: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', keys.hash, encoder.encode(code)));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export async function sealRecoveryCode(keys: RecoveryKeys, code: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, keys.seal, encoder.encode(code)));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

/** The code inside `sealed`, or null when it was sealed under another key (a rotated secret). */
export async function unsealRecoveryCode(keys: RecoveryKeys, sealed: string): Promise<string | null> {
  try {
    const bytes = Uint8Array.from(atob(sealed), (ch) => ch.charCodeAt(0));
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12) }, keys.seal, bytes.slice(12));
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

/**
 * Which stored hash `code` matches, or null. Every stored hash is compared, in constant time, so
 * timing reveals neither whether nor where a code matched.
 */
export async function findRecoveryCode<T extends { codeHash: string }>(keys: RecoveryKeys, rows: T[], code: string): Promise<T | null> {
  const hash = await hashRecoveryCode(keys, code.trim().toLowerCase());
  let found: T | null = null;
  for (const row of rows) {
    if (timingSafeEqual(row.codeHash, hash) && !found) found = row;
  }
  return found;
}
