import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env';
import { ApiError, errorResponse, toApiError } from './lib/errors';
import { cors } from './middleware/cors';
import { project, requestContext } from './middleware/project';
import { principal, type Authenticator } from './middleware/principal';
import { mfa } from './middleware/mfa';
import { requestBounds } from './middleware/bounds';
import { ipCeiling } from './middleware/ip-ceiling';
import { responseHeaders } from './middleware/response-headers';
import { keyAuthenticator } from './project/authenticate';
import { projectRoutes } from './project/routes';
import { projectSettingsRoutes } from './project/settings-routes';
import { projectVariableRoutes } from './functions/project-variables-routes';
import { functionRuleRoutes } from './functions/rule-routes';
import { consoleRealm } from './console/app';
import { consoleAdminRoutes } from './console/admins-routes';
import { adminAuthenticator } from './identity/admins';
import { authMethods } from './middleware/auth-methods';
import { healthRoutes } from './health/routes';
import { versionRoutes } from './health/version';
import { avatarsRoutes } from './avatars/routes';
import { localeRoutes } from './locale/routes';
import { usersRoutes } from './users/routes';
import { jwtAuthenticator, sessionAuthenticator } from './identity/authenticate';
import { deferredRoutes } from './identity/batch';
import { accountRoutes, jwksRoutes } from './account/routes';
import { mfaRoutes } from './account/mfa/routes';
import { usersMfaRoutes } from './users/mfa-routes';
import { oauth2CallbackRoutes, oauth2Routes } from './account/oauth2/routes';
import { mailRoutes } from './mail/routes';
import { teamRoutes } from './teams/routes';
import { legacyDatabasesSchemaRoutes, tablesDbSchemaRoutes } from './databases/schema-routes';
import { documentsRoutes, tablesRowsRoutes } from './databases/rows-routes';
import { d1Session } from './middleware/d1-session';
import { legacyTransactionRoutes, tablesDbTransactionRoutes } from './databases/transactions/routes';
import { functionsAdminRoutes } from './functions/routes';
import { DEFERRED_STORAGE_READS, storageRoutes, tokenRoutes } from './storage/routes';
import { deploymentRoutes } from './functions/deployments-routes';
import { DEFERRED_EXECUTION_CREATE, executionRoutes } from './functions/executions-routes';
import { functionsPublicRoutes } from './functions/public-routes';
import { realtimeRoutes } from './realtime/routes';
import { presenceRoutes } from './realtime/presence-routes';
import { webhookRoutes } from './webhooks/routes';

/**
 * Who may call, in Appwrite's order: API key, an admin in admin mode (its console session), then
 * session, then JWT. Domains add theirs here.
 */
const authenticators: Authenticator[] = [keyAuthenticator, adminAuthenticator, sessionAuthenticator, jwtAuthenticator];

/**
 * Routes that resolve their caller inside their own first D1 batch (`callerOf`, one round
 * trip), a batch of reads: get and list rows/documents; download, view and preview of files;
 * creating a function execution; or a write conditioned in SQL on the caller: creating a
 * row/document. `GET /v1/account`
 * needs no deferral: the check's own batch already reads the user it answers with.
 */
const DEFERRED_ROUTES: { method: string; path: RegExp }[] = [
  { method: 'GET', path: /^\/v1\/tablesdb\/[^/]+\/tables\/[^/]+\/rows(\/[^/]+)?\/?$/ },
  { method: 'GET', path: /^\/v1\/databases\/[^/]+\/collections\/[^/]+\/documents(\/[^/]+)?\/?$/ },
  ...DEFERRED_STORAGE_READS,
  // Its first batch only reads (function, deployment, variables); it writes once the caller is known.
  ...DEFERRED_EXECUTION_CREATE,
  // Creating a row: the INSERT is conditioned in SQL on the caller's check (databases/rows-create.ts).
  { method: 'POST', path: /^\/v1\/tablesdb\/[^/]+\/tables\/[^/]+\/rows\/?$/ },
  { method: 'POST', path: /^\/v1\/databases\/[^/]+\/collections\/[^/]+\/documents\/?$/ },
];

export const app = new Hono<AppEnv>()
  .use(responseHeaders())
  .use(requestContext())
  .use(cors())
  // OAuth2 providers call back with no project header (Apple even POSTs cross-origin): the relay
  // answers before the project and origin checks, and the request it relays to passes them all.
  .use('/v1/account/sessions/oauth2/callback/*', requestBounds())
  .route('/v1/account/sessions/oauth2/callback', oauth2CallbackRoutes)
  // A function's public URL takes third parties' requests as they come: no project header, any body.
  .route('/v1/functions', functionsPublicRoutes)
  // A refused realtime socket still opens and carries its error, so realtime checks the project,
  // origin and caller itself (workers/realtime/routes.ts).
  .route('/v1/realtime', realtimeRoutes)
  // Public, whatever project (`console` included) or credentials the caller sends.
  .route('/v1/health/version', versionRoutes)
  // Project `console` is the admin realm: its own small API (workers/console/app.ts).
  .use(consoleRealm())
  .use(project())
  .use(requestBounds())
  // Reads on D1 sessions (read replicas); credential checks on the primary (middleware/d1-session.ts).
  .use(d1Session())
  // Routes listed here resolve the caller inside their own first D1 batch (identity/batch.ts).
  .use(principal(authenticators, deferredRoutes(DEFERRED_ROUTES)))
  .use(ipCeiling())
  // A session still owing its second factor may only call the MFA challenge routes and sign out.
  .use(mfa())
  // Auth methods turned off in the project settings close their routes to clients.
  .use(authMethods())
  .get('/v1/ping', (c) => c.text('Pong!'))
  .route('/v1/health', healthRoutes)
  .route('/v1/project', projectRoutes)
  .route('/v1/project', projectSettingsRoutes)
  .route('/v1/project', projectVariableRoutes)
  .route('/v1/console', consoleAdminRoutes)
  .route('/v1/proxy', functionRuleRoutes)
  .route('/v1/users', usersRoutes)
  .route('/v1/users', usersMfaRoutes)
  .route('/v1/account', accountRoutes)
  .route('/v1/account', oauth2Routes)
  .route('/v1/account', mfaRoutes)
  .route('/v1/.well-known', jwksRoutes)
  .route('/v1/mail', mailRoutes)
  .route('/v1/teams', teamRoutes)
  .route('/v1/avatars', avatarsRoutes)
  .route('/v1/locale', localeRoutes)
  // Schema admin; the row routes share these prefixes on disjoint paths (rows, documents, transactions).
  // Before the schema routes, whose `/:databaseId` would take `transactions` for a database id.
  .route('/v1/tablesdb/transactions', tablesDbTransactionRoutes)
  .route('/v1/databases/transactions', legacyTransactionRoutes)
  .route('/v1/tablesdb', tablesDbSchemaRoutes)
  .route('/v1/databases', legacyDatabasesSchemaRoutes)
  .route('/v1/tablesdb', tablesRowsRoutes)
  .route('/v1/databases', documentsRoutes)
  .route('/v1/functions', functionsAdminRoutes)
  .route('/v1/functions', deploymentRoutes)
  .route('/v1/functions', executionRoutes)
  .route('/v1/webhooks', webhookRoutes)
  .route('/v1/storage', storageRoutes)
  .route('/v1/tokens', tokenRoutes)
  .route('/v1/presences', presenceRoutes);

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
