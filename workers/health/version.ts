import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { APPWRITE_VERSION } from '../lib/errors';

/**
 * `GET /v1/health/version`: Appwrite's HealthVersion model, public as on Appwrite. Tools probe it
 * before anything else (`appwrite client --endpoint` calls it to validate the endpoint, with the
 * `console` project), so it answers before the project and credential checks.
 */
export const versionRoutes = new Hono<AppEnv>().get('/', (c) => c.json({ version: APPWRITE_VERSION }));
