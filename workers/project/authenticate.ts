import type { Authenticator } from '../middleware/principal';
import { keyPrincipal } from '../lib/principal';
import { verifyKey } from './store';

/** `X-Appwrite-Key`: the root key or a scoped key. Keys bypass permissions and rate limits. */
export const keyAuthenticator: Authenticator = async (c) => {
  const secret = c.req.header('X-Appwrite-Key');
  if (!secret) return null;
  const key = await verifyKey(c.env.DB, c.env.ROOT_API_KEY, secret);
  if (key.touch) c.executionCtx.waitUntil(key.touch());
  return keyPrincipal(key.keyId, key.scopes);
};
