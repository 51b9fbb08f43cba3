import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { ApiError, errorResponse, toApiError } from '../lib/errors';
import { requestBounds } from '../middleware/bounds';
import { isConsoleRequest, requestContext } from '../middleware/project';
import { consoleAccountRoutes } from './account-routes';
import { consoleCaller } from './caller';
import { consoleProjectRoutes } from './project-routes';

/**
 * The admin realm (project `console`): its own small API, apart from the project's. Requests the
 * main app sees with project `console` are handed here whole (`consoleRealm()`); the main app's
 * response headers and CORS wrap the answer.
 */
export const consoleApp = new Hono<AppEnv>()
  .use(requestContext())
  .use(requestBounds())
  .use(consoleCaller())
  .route('/v1/account', consoleAccountRoutes)
  .route('/v1', consoleProjectRoutes);

consoleApp.notFound(() => errorResponse(new ApiError('general_route_not_found')));
consoleApp.onError((err, c) => {
  const apiError = toApiError(err);
  if (apiError.code >= 500) console.error(`[${c.get('requestId') ?? '-'}] console`, err);
  return errorResponse(apiError);
});

/** Hands requests for project `console` to the admin realm's app. */
export function consoleRealm(): MiddlewareHandler<AppEnv> {
  return async function ledgeConsoleRealm(c, next) {
    if (c.req.method === 'OPTIONS' || !isConsoleRequest(c)) return next();
    return consoleApp.fetch(c.req.raw, c.env, c.executionCtx);
  };
}
