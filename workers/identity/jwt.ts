import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';
import { ApiError } from '../lib/errors';
import { findLiveSession } from './sessions';

/**
 * Account JWTs: ES256, signed with JWT_SIGNING_KEY (a private JWK with a `kid`), carrying
 * `{userId, sessionId}`. Verification pins ES256, so `alg: none`, HS256 (even one "signed" with the
 * public key) and anything else is refused; a JWT dies with its session.
 */
export const JWT_DEFAULT_DURATION = 900;
export const JWT_MAX_DURATION = 3600;

interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

// Importing a JWK costs CPU; do it once per isolate (per key value, so a rotated secret is picked up).
let cached: { source: string; keys: Promise<SigningKeys> } | null = null;

async function importKeys(source: string): Promise<SigningKeys> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(source) as JWK;
  } catch {
    throw new Error('JWT_SIGNING_KEY is not a JSON Web Key');
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid) throw new Error('JWT_SIGNING_KEY must be a P-256 private JWK with a kid');
  const { d: _d, key_ops: _ops, ext: _ext, ...pub } = jwk;
  const publicJwk: JWK = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y, kid: jwk.kid, alg: 'ES256', use: 'sig' };
  const [privateKey, publicKey] = await Promise.all([importJWK(jwk, 'ES256'), importJWK(publicJwk, 'ES256')]);
  return { kid: jwk.kid, privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey, publicJwk };
}

export function signingKeys(env: Pick<Env, 'JWT_SIGNING_KEY'>): Promise<SigningKeys> {
  const source = env.JWT_SIGNING_KEY ?? '';
  if (!cached || cached.source !== source) {
    const keys = importKeys(source);
    cached = { source, keys };
    keys.catch(() => {
      if (cached?.keys === keys) cached = null;
    });
  }
  return cached.keys;
}

export async function signJwt(env: Pick<Env, 'JWT_SIGNING_KEY'>, claims: { userId: string; sessionId: string }, duration = JWT_DEFAULT_DURATION): Promise<string> {
  const keys = await signingKeys(env);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ userId: claims.userId, sessionId: claims.sessionId })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.kid })
    .setIssuedAt(now)
    .setExpirationTime(now + Math.min(Math.max(duration, 0), JWT_MAX_DURATION))
    .sign(keys.privateKey);
}

/** Checks signature (ES256 only), expiry and claims; anything wrong is `user_jwt_invalid` (401). */
export async function verifyJwtSignature(env: Pick<Env, 'JWT_SIGNING_KEY'>, token: string): Promise<{ userId: string; sessionId: string }> {
  const keys = await signingKeys(env);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.publicKey, { algorithms: ['ES256'] }));
  } catch (err) {
    throw new ApiError('user_jwt_invalid', `Failed to verify JWT. ${(err as Error).message ?? ''}`.trim());
  }
  if (typeof payload.exp !== 'number') throw new ApiError('user_jwt_invalid', 'Failed to verify JWT. Missing expiry.');
  const userId = typeof payload.userId === 'string' ? payload.userId : '';
  const sessionId = typeof payload.sessionId === 'string' ? payload.sessionId : '';
  if (!userId || !sessionId) throw new ApiError('user_jwt_invalid', 'Failed to verify JWT. Missing claims.');
  return { userId, sessionId };
}

/** `verifyJwtSignature`, and the named session must still live. */
export async function verifyJwt(env: Pick<Env, 'JWT_SIGNING_KEY' | 'DB'>, token: string): Promise<{ userId: string; sessionId: string }> {
  const { userId, sessionId } = await verifyJwtSignature(env, token);
  if (!(await findLiveSession(env.DB, userId, sessionId))) {
    throw new ApiError('user_jwt_invalid', 'Failed to verify JWT. The session has ended.');
  }
  return { userId, sessionId };
}

/** The public half, as a JWK Set (`GET /v1/.well-known/jwks.json`). */
export async function publicJwks(env: Pick<Env, 'JWT_SIGNING_KEY'>) {
  const keys = await signingKeys(env);
  return { keys: [keys.publicJwk] };
}
