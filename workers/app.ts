import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env';
import { ApiError, errorResponse, toApiError } from './lib/errors';
import { cors } from './middleware/cors';
import { project, requestContext } from './middleware/project';
import { principal, type Authenticator } from './middleware/principal';
import { keyAuthenticator } from './project/authenticate';
import { projectRoutes } from './project/routes';
import { healthRoutes } from './health/routes';

/** Who may call, in Appwrite's order: API key, then session, then JWT. Domains add theirs here. */
const authenticators: Authenticator[] = [keyAuthenticator];

/** Bodies Ledge reads: JSON, and multipart/urlencoded forms (uploads). Anything else is refused. */
const BODY_TYPES = ['application/json', 'multipart/form-data', 'application/x-www-form-urlencoded'];

export const app = new Hono<AppEnv>()
  .use(requestContext())
  .use(cors())
  .use(project())
  .use(async function ledgeContentType(c, next) {
    const length = c.req.header('Content-Length');
    const type = c.req.header('Content-Type');
    const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && (type !== undefined || (length !== undefined && length !== '0'));
    if (hasBody && !BODY_TYPES.some((t) => type?.toLowerCase().startsWith(t))) {
      throw new ApiError('general_argument_invalid', `Unsupported content type: ${type ?? 'none'}. Send application/json.`);
    }
    return next();
  })
  .use(principal(authenticators))
  .get('/v1/ping', (c) => c.text('Pong!'))
  .route('/v1/health', healthRoutes)
  .route('/v1/project', projectRoutes);

app.notFound(() => errorResponse(new ApiError('general_route_not_found')));

app.onError((err, c) => {
  let apiError: ApiError;
  if (err instanceof HTTPException && err.status === 400) {
    // Hono's own body parsing (malformed JSON) surfaces here.
    apiError = new ApiError('general_argument_invalid', `Invalid request body: ${err.message}`);
  } else {
    apiError = toApiError(err);
    if (apiError.code >= 500) console.error(`[${c.get('requestId') ?? '-'}]`, err);
  }
  // The cors middleware wraps this response too, so browsers can read the error body.
  return errorResponse(apiError);
});
