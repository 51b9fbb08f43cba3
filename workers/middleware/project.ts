import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { CONSOLE_PROJECT } from '../lib/realm';
import { configFor } from '../settings/cache';

export { formatAtLeast } from '../lib/response-format';

/** Paths that answer without a project: liveness and the public JWT keys. */
const PROJECTLESS = new Set(['/v1/ping', '/v1/.well-known/jwks.json']);

/** The newest response model version Ledge speaks, used when the caller names none. */
export const LATEST_RESPONSE_FORMAT = '2.0.0';

/**
 * Sets what every later step reads: config (`[vars]` with the live project settings over them,
 * workers/settings), request id and the caller's response format.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async function ledgeRequestContext(c, next) {
    c.set('config', await configFor(c.env));
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
    const requested = requestedProject(c.req.header('X-Appwrite-Project'), c.req.query('project'));
    if (requested !== c.get('config').projectId) throw new ApiError('project_not_found');
    return next();
  };
}

/** The project a request names: `X-Appwrite-Project`, else `?project=`. */
export function requestedProject(header: string | undefined, query: string | undefined): string | undefined {
  return header ?? query;
}

/** Requests for the admin realm (project `console`), unless the deployment's own project is so named. */
export function isConsoleRequest(c: { req: { header(n: string): string | undefined; query(n: string): string | undefined }; get(k: 'config'): { projectId: string } }): boolean {
  const requested = requestedProject(c.req.header('X-Appwrite-Project'), c.req.query('project'));
  return requested === CONSOLE_PROJECT && c.get('config').projectId !== CONSOLE_PROJECT;
}
