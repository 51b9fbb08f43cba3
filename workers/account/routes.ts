import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { profileRoutes } from './profile-routes';
import { jwtRoutes, sessionRoutes } from './session-routes';
import { tokenRoutes, verificationRoutes } from './token-routes';
import { publicJwks } from '../identity/jwt';

/**
 * `/v1/account`: the web SDK's Account service (sign-up, sessions, JWTs, OTP and magic-URL
 * tokens, recovery, verification, profile, identities, logs). OAuth2, MFA and push targets live
 * elsewhere.
 */
export const accountRoutes = new Hono<AppEnv>()
  .route('/', profileRoutes)
  .route('/', sessionRoutes)
  .route('/', jwtRoutes)
  .route('/', tokenRoutes)
  .route('/', verificationRoutes);

/** `GET /v1/.well-known/jwks.json`: the public key that verifies account JWTs (no project needed). */
export const jwksRoutes = new Hono<AppEnv>().get('/jwks.json', async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(await publicJwks(c.env));
});
