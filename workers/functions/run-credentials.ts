import { mintEphemeralKey } from '../identity/ephemeral-keys';
import { signJwt } from '../identity/jwt';

/**
 * The credentials an execution hands its function: the caller's JWT (`x-appwrite-user-jwt`) and a
 * key limited to the function's scopes (`x-appwrite-key`), each valid for the timeout plus a
 * minute, as in Appwrite. Signing (ES256) is the costliest CPU step of a warm execution, so a
 * token is reused for executions that start within REUSE_MS of its signing: every run still gets
 * at least `timeout + 30 s` of validity. Reuse never widens access: the cache key holds everything
 * the token says (project, scopes, name, user, session, lifetime), and a JWT whose session ended
 * is refused when used, cached or not.
 */
export const TOKEN_GRACE_SECONDS = 60;
export const REUSE_MS = 30_000;
const MAX_CACHED = 256;

const cache = new Map<string, { token: Promise<string>; signedAt: number }>();
/** The signing key the cached tokens were signed with: a new key empties the cache. */
let signedWith: string | undefined;

function reuse(key: string, sign: () => Promise<string>, now = Date.now()): Promise<string> {
  const hit = cache.get(key);
  if (hit && now - hit.signedAt < REUSE_MS) return hit.token;
  const token = sign();
  cache.delete(key);
  cache.set(key, { token, signedAt: now });
  token.catch(() => cache.delete(key));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return token;
}

export interface CredentialInput {
  projectId: string;
  fn: { id: string; scopes: readonly string[]; timeout: number };
  user: { userId: string; sessionId: string } | null;
}

export function executionCredentials(env: Pick<Env, 'JWT_SIGNING_KEY'>, input: CredentialInput): Promise<[jwt: string, key: string]> {
  if (signedWith !== env.JWT_SIGNING_KEY) {
    cache.clear();
    signedWith = env.JWT_SIGNING_KEY;
  }
  const ttl = input.fn.timeout + TOKEN_GRACE_SECONDS;
  const { user, fn, projectId } = input;
  const name = `Function ${fn.id}`;
  const jwt = user ? reuse(JSON.stringify(['jwt', user.userId, user.sessionId, ttl]), () => signJwt(env, user, ttl)) : Promise.resolve('');
  const key = reuse(JSON.stringify(['key', projectId, name, [...fn.scopes].sort(), ttl]), () => mintEphemeralKey(env, { projectId, scopes: fn.scopes, name }, ttl));
  return Promise.all([jwt, key]);
}
