import { SignJWT, jwtVerify } from 'jose';
import { ApiError } from '../lib/errors';
import { KEY_SCOPES } from '../lib/scopes';
import { signingKeys } from './jwt';

/**
 * Ephemeral API keys, as Appwrite 1.6+ gives each function execution in `x-appwrite-key`:
 * `ephemeral_<JWT>`, ES256-signed with JWT_SIGNING_KEY, naming the project and the scopes the
 * function was granted, and expiring shortly after the function's timeout. Nothing is stored: the
 * signature is the key. Appwrite's older `dynamic_` prefix is read too.
 */
export const EPHEMERAL_PREFIXES = ['ephemeral_', 'dynamic_'];
const USE = 'ephemeral-key';

export function isEphemeralKey(secret: string): boolean {
  return EPHEMERAL_PREFIXES.some((p) => secret.startsWith(p));
}

export async function mintEphemeralKey(
  env: Pick<Env, 'JWT_SIGNING_KEY'>,
  claims: { projectId: string; scopes: readonly string[]; name: string },
  ttlSeconds: number,
): Promise<string> {
  const keys = await signingKeys(env);
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ use: USE, projectId: claims.projectId, scopes: [...claims.scopes], name: claims.name })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.kid })
    .setIssuedAt(now)
    .setExpirationTime(now + Math.max(1, Math.ceil(ttlSeconds)))
    .sign(keys.privateKey);
  return `ephemeral_${jwt}`;
}

/** The key's name and scopes; a bad, foreign or expired key is refused as Appwrite refuses keys. */
export async function verifyEphemeralKey(
  env: Pick<Env, 'JWT_SIGNING_KEY'>,
  secret: string,
  projectId: string,
): Promise<{ name: string; scopes: ReadonlySet<string> }> {
  const token = secret.slice(secret.indexOf('_') + 1);
  const keys = await signingKeys(env);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.publicKey, { algorithms: ['ES256'] }));
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new ApiError('project_key_expired');
    throw new ApiError('user_unauthorized', 'The API key is invalid or has been deleted.');
  }
  if (payload.use !== USE || payload.projectId !== projectId || !Array.isArray(payload.scopes)) {
    throw new ApiError('user_unauthorized', 'The API key is invalid or has been deleted.');
  }
  const known = new Set<string>(KEY_SCOPES);
  return { name: String(payload.name ?? 'Ephemeral Key'), scopes: new Set((payload.scopes as unknown[]).filter((s): s is string => typeof s === 'string' && known.has(s))) };
}
