import { and, eq, gt, inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { tokens } from '../db/schema';
import { ApiError } from '../lib/errors';
import { randomSecret, sha256Hex } from '../lib/crypto';
import { uniqueId } from '../lib/ids';
import { nowDate, toAppwriteDate } from '../lib/time';

/**
 * One-time secrets (email OTP, magic URL, recovery, verification, generic session tokens).
 * Only a SHA-256 of the secret is kept; a token is consumed by deleting it, so it works once.
 */
export type TokenRow = typeof tokens.$inferSelect;

export type TokenType = 'verification' | 'recovery' | 'magic-url' | 'phone' | 'generic' | 'email';

/** Appwrite's lifetimes (app/init/constants.php), in seconds. */
export const TOKEN_LIFETIME: Record<TokenType, number> = {
  email: 15 * 60, // TOKEN_EXPIRATION_OTP
  generic: 15 * 60, // TOKEN_EXPIRATION_GENERIC
  phone: 15 * 60,
  'magic-url': 3600, // TOKEN_EXPIRATION_CONFIRM
  verification: 3600, // TOKEN_EXPIRATION_CONFIRM
  recovery: 3600, // TOKEN_EXPIRATION_RECOVERY
};

/** Tokens that `POST /account/sessions/token` (and the magic-URL/phone aliases) turn into sessions. */
export const SESSION_TOKEN_TYPES: TokenType[] = ['magic-url', 'email', 'phone', 'generic'];

/** A six-digit code, drawn without modulo bias. */
export function otpCode(): string {
  const buf = new Uint32Array(1);
  let n: number;
  do {
    crypto.getRandomValues(buf);
    n = buf[0];
  } while (n >= 4_294_000_000);
  return String(n % 1_000_000).padStart(6, '0');
}

/** The secret Appwrite would generate for a token type: a code for OTPs, long random hex otherwise. */
export function tokenSecret(type: TokenType): string {
  if (type === 'email' || type === 'phone') return otpCode();
  if (type === 'magic-url') return randomSecret(32);
  return randomSecret(64);
}

export interface NewToken {
  userId: string;
  type: TokenType;
  /** Defaults to `tokenSecret(type)`. */
  secret?: string;
  /** Seconds; defaults to Appwrite's lifetime for the type. */
  expire?: number;
  phrase?: string;
  ip?: string;
  userAgent?: string;
}

export async function tokenStatement(db: D1Database, input: NewToken) {
  const secret = input.secret ?? tokenSecret(input.type);
  const now = Date.now();
  const row: TokenRow = {
    id: uniqueId(),
    userId: input.userId,
    type: input.type,
    secretHash: await sha256Hex(secret),
    phrase: input.phrase ?? '',
    ip: input.ip ?? '',
    userAgent: input.userAgent ?? '',
    expire: toAppwriteDate(now + (input.expire ?? TOKEN_LIFETIME[input.type]) * 1000),
    createdAt: toAppwriteDate(now),
  };
  return { row, secret, statement: drizzle(db).insert(tokens).values(row) };
}

export async function createToken(db: D1Database, input: NewToken) {
  const { row, secret, statement } = await tokenStatement(db, input);
  await statement;
  return { row, secret };
}

/**
 * Uses up the live token of `userId` with this secret and one of `types`. The DELETE is the
 * check, so two concurrent uses cannot both succeed; an expired token is left alone (nothing
 * changes on a refused request). Unknown, used, expired or wrong-type → `user_invalid_token`.
 */
export async function consumeToken(db: D1Database, userId: string, secret: string, types: TokenType[]): Promise<TokenRow> {
  if (!secret) throw new ApiError('user_invalid_token');
  const hash = await sha256Hex(secret);
  const rows = await drizzle(db)
    .delete(tokens)
    .where(and(eq(tokens.userId, userId), eq(tokens.secretHash, hash), inArray(tokens.type, types), gt(tokens.expire, nowDate())))
    .returning();
  if (!rows[0]) throw new ApiError('user_invalid_token');
  return rows[0];
}

/** Appwrite's Token model; `secret` only where the caller may see it (API keys), else ''. */
export function tokenModel(row: TokenRow, secret = '') {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    userId: row.userId,
    secret,
    expire: row.expire,
    phrase: row.phrase,
  };
}

const ADJECTIVES = [
  'Amber', 'Bold', 'Brave', 'Bright', 'Calm', 'Clever', 'Cosmic', 'Crimson', 'Daring', 'Eager', 'Gentle', 'Golden',
  'Happy', 'Humble', 'Jolly', 'Kind', 'Lively', 'Lucky', 'Mighty', 'Noble', 'Proud', 'Quiet', 'Rapid', 'Silver',
  'Swift', 'Tidy', 'Vivid', 'Witty', 'Zesty', 'Fuzzy', 'Sunny', 'Wise',
];
const NOUNS = [
  'Badger', 'Bear', 'Cat', 'Comet', 'Crane', 'Dolphin', 'Eagle', 'Falcon', 'Fox', 'Gecko', 'Hawk', 'Heron', 'Koala',
  'Lion', 'Lynx', 'Moose', 'Otter', 'Owl', 'Panda', 'Parrot', 'Puffin', 'Rabbit', 'Raven', 'Robin', 'Salmon',
  'Seal', 'Sparrow', 'Tiger', 'Turtle', 'Walrus', 'Whale', 'Wolf',
];

/** A security phrase like Appwrite's ("Golden Fox"), shown in the response and in the mail. */
export function securityPhrase(): string {
  const [a, n] = crypto.getRandomValues(new Uint8Array(2));
  return `${ADJECTIVES[a % ADJECTIVES.length]} ${NOUNS[n % NOUNS.length]}`;
}
