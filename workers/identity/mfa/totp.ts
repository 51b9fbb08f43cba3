import { timingSafeEqual } from '../../lib/crypto';

/**
 * Time-based one-time passwords for authenticator apps: HOTP (RFC 4226) over a 30-second time
 * step (RFC 6238), HMAC through WebCrypto, secrets as unpadded RFC 4648 base32 (what apps scan).
 */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of now that still count, for clock drift between phone and server. */
export const TOTP_WINDOW = 1;
/** 160-bit secrets, RFC 4226's recommended length and what every authenticator app accepts. */
const SECRET_BYTES = 20;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case-insensitive, padding and spaces ignored); null when it is not base32. */
export function base32Decode(text: string): Uint8Array | null {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

export function generateTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

export type HotpHash = 'SHA-1' | 'SHA-256' | 'SHA-512';

/** RFC 4226 HOTP: HMAC of the 8-byte big-endian counter, dynamic truncation, `digits` decimals. */
export async function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS, hash: HotpHash = 'SHA-1'): Promise<string> {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, message));
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 time step that `ms` falls in. */
export function totpStep(ms: number, period = TOTP_PERIOD): number {
  return Math.floor(ms / 1000 / period);
}

export async function totpAt(secret: string, ms: number): Promise<string> {
  const key = base32Decode(secret);
  if (!key) throw new Error('TOTP secret is not base32');
  return hotp(key, totpStep(ms));
}

/**
 * The time step `code` belongs to, within ±TOTP_WINDOW of `ms`, or null. Steps at or before
 * `lastStep` are refused so a code cannot be replayed inside its window. Every candidate is
 * compared, in constant time, so the answer's timing does not tell which step matched.
 */
export async function matchTotp(secret: string, code: string, ms: number, lastStep = 0): Promise<number | null> {
  const key = base32Decode(secret);
  if (!key || !/^\d{6}$/.test(code)) return null;
  const now = totpStep(ms);
  let matched: number | null = null;
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    const ok = timingSafeEqual(await hotp(key, step), code);
    if (ok && step > lastStep && matched === null) matched = step;
  }
  return matched;
}

/**
 * The `otpauth://` URI authenticator apps read from a QR code (Google's Key Uri Format), labelled
 * `issuer:account` with the issuer repeated as a parameter.
 */
export function otpauthUri(secret: string, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}`;
}
