import type { Authenticator } from '../middleware/principal';
import { isEphemeralKey, verifyEphemeralKey } from '../identity/ephemeral-keys';
import { keyPrincipal } from '../lib/principal';
import { verifyKey } from './store';

/**
 * `X-Appwrite-Key`: the root key, a scoped key, or an ephemeral key a function execution was
 * given (signed, not stored). Keys bypass permissions and rate limits.
 */
export const keyAuthenticator: Authenticator = async (c) => {
  const secret = c.req.header('X-Appwrite-Key');
  if (!secret) return null;
  if (isEphemeralKey(secret)) {
    const key = await verifyEphemeralKey(c.env, secret, c.get('config').projectId);
    return keyPrincipal(`ephemeral:${key.name}`, key.scopes);
  }
  const key = await verifyKey(c.env.DB, c.env.ROOT_API_KEY, secret);
  if (key.touch) c.executionCtx.waitUntil(key.touch());
  return keyPrincipal(key.keyId, key.scopes);
};
