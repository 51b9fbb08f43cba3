import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { readConfig } from '../lib/config';

export { formatAtLeast } from '../lib/response-format';

/** Paths that answer without a project: liveness and the public JWT keys. */
const PROJECTLESS = new Set(['/v1/ping', '/v1/.well-known/jwks.json']);

/** The newest response model version Ledge speaks, used when the caller names none. */
export const LATEST_RESPONSE_FORMAT = '2.0.0';

/** Sets what every later step reads: config, request id and the caller's response format. */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async function ledgeRequestContext(c, next) {
    c.set('config', readConfig(c.env));
    c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID());
    const format = c.req.header('X-Appwrite-Response-Format');
    c.set('responseFormat', format && /^\d+\.\d+(\.\d+)?$/.test(format) ? format : LATEST_RESPONSE_FORMAT);
    return next();
  };
}

/**
 * Resolves the project from `X-Appwrite-Project` or `?project=`. One deployment serves one
 * project: any other id is `project_not_found` (404).
 */
export function project(): MiddlewareHandler<AppEnv> {
  return async function ledgeProject(c, next) {
    if (c.req.method === 'OPTIONS' || PROJECTLESS.has(c.req.path)) return next();
    const requested = c.req.header('X-Appwrite-Project') ?? c.req.query('project');
    if (requested !== c.get('config').projectId) throw new ApiError('project_not_found');
    return next();
  };
}
