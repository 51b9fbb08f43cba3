import { Hono, type Context } from 'hono';
import { OAuth2RequestError, generateCodeVerifier, type OAuth2Tokens } from 'arctic';
import { and, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { z } from 'zod';
import { sessions } from '../../db/schema';
import type { AppEnv } from '../../env';
import { uniqueViolationText } from '../../lib/d1';
import { ApiError } from '../../lib/errors';
import { randomSecret } from '../../lib/crypto';
import { toAppwriteDate } from '../../lib/time';
import { query } from '../../http/body';
import { isAllowedRedirect } from '../../middleware/cors';
import { requireScope } from '../../middleware/principal';
import { rateLimit } from '../../middleware/rate-limit';
import { clientIp, requestMeta } from '../../http/request';
import type { Statement } from '../../identity/users';
import { encodeSessionValue, sessionCookies } from '../../identity/cookies';
import { logStatement } from '../../identity/logs';
import { emit } from '../respond';
import { sessionModel, sessionStatements } from '../../identity/sessions';
import { tokenStatement } from '../../identity/tokens';
import { ProviderResponseError } from './oidc';
import { resolveProvider, type OAuth2Provider, type ProviderProfile } from './providers';
import { SIGN_IN, SignInFailure, failureUrl, redirectTarget, withQuery } from '../../http/redirects';
import { planSignIn, type ProviderCredentials } from './signin';
import { bindingCookie, bindingFrom, browserBinding, consumeState, createState, isBound, type OAuth2StateRow } from './state';

/**
 * OAuth2 sign-in, on Appwrite's paths:
 * - `GET /account/sessions/oauth2/{provider}` and `/account/tokens/oauth2/{provider}` store the
 *   sign-in (state, PKCE verifier, nonce, success/failure URLs) and send the browser to the provider;
 * - the provider returns to `/account/sessions/oauth2/callback/{provider}/{project}` (GET, or POST
 *   for Apple's form_post), which relays to `/account/sessions/oauth2/{provider}/redirect`;
 * - that route spends the state, exchanges the code, reads the profile, finds or creates the user,
 *   and redirects to `success` with a session cookie (session mode) or `userId` + `secret` (token
 *   mode). A refusal after the state is verified goes to `failure` with Appwrite's `error` JSON; a
 *   bad state is answered in place, never redirected.
 */
type C = Context<AppEnv>;

/** Appwrite's `scopes` limits: 100 entries of up to 4096 characters. */
const startQuery = query(
  z.object({
    success: z.string().max(2048).optional(),
    failure: z.string().max(2048).optional(),
    scopes: z.array(z.string().max(4096)).max(100).optional(),
  }),
);

/** Lifetime of the token-mode secret: it travels in a URL, so it is spent quickly (Appwrite's is 60 s). */
const OAUTH2_TOKEN_LIFETIME = 60;

const NO_STORE = { 'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0', Pragma: 'no-cache' };

const isSecure = (c: C) => new URL(c.req.url).protocol === 'https:';

/** The redirect URI registered with the provider (Appwrite's path, so existing app registrations keep working). */
export function callbackUrl(c: C, provider: string): string {
  const origin = new URL(c.req.url).origin;
  return `${origin}/v1/account/sessions/oauth2/callback/${encodeURIComponent(provider)}/${encodeURIComponent(c.get('config').projectId)}`;
}

function redirect(location: string, extraHeaders: Headers = new Headers()) {
  const headers = new Headers({ ...NO_STORE, Location: location });
  for (const [k, v] of extraHeaders) headers.append(k, v);
  return new Response(null, { status: 301, headers });
}

interface StartInput {
  success?: string;
  failure?: string;
  scopes?: string[];
}

async function start(c: C, input: StartInput, mode: 'session' | 'token') {
  const config = c.get('config');
  const name = c.req.param('provider') ?? '';
  const provider = resolveProvider(c.env, name, callbackUrl(c, name));
  const success = redirectTarget('success', input.success, c.req.header('Referer'), config);
  // Without a failure URL, failures go to the success URL: its `error` parameter tells them apart.
  const failure = input.failure ? redirectTarget('failure', input.failure, undefined, config) : success;

  const codeVerifier = generateCodeVerifier();
  const nonce = randomSecret(16);
  // A server SDK asks for the URL to send its user's browser to: no cookie of ours can reach that browser.
  const serverStarted = c.get('principal').kind === 'key' || c.req.header('X-SDK-Platform') === 'server';
  const binding = serverStarted ? null : browserBinding(c.req.raw.headers, config.projectId);
  const state = await createState(c.env.DB, { provider: name, mode, success, failure, codeVerifier, nonce, binding });
  let location: URL;
  try {
    location = await provider.authorizationUrl({ state, codeVerifier, nonce, scopes: input.scopes ?? [] });
  } catch (err) {
    throw new ApiError('user_oauth2_provider_failure', undefined, provider.title, (err as Error).message);
  }
  const headers = new Headers();
  if (binding) headers.set('Set-Cookie', bindingCookie(config.projectId, binding, isSecure(c)));
  return redirect(location.toString(), headers);
}

/** Providers call back with these; everything else in the query is dropped. */
const CALLBACK_PARAMS = ['code', 'state', 'error', 'error_description', 'user'];

/** The provider's callback, relayed as Appwrite does so the sign-in finishes on a project-scoped route. */
async function relay(c: C) {
  const provider = c.req.param('provider') ?? '';
  const projectId = c.req.param('projectId') ?? '';
  const received = new URLSearchParams(new URL(c.req.url).search);
  if (c.req.method === 'POST') {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    for (const [k, v] of Object.entries(form)) if (typeof v === 'string') received.set(k, v);
  }
  const params = new URLSearchParams();
  for (const key of CALLBACK_PARAMS) {
    const value = received.get(key);
    if (value !== null) params.set(key, value.slice(0, 4096));
  }
  params.set('project', projectId);
  const origin = new URL(c.req.url).origin;
  return redirect(`${origin}/v1/account/sessions/oauth2/${encodeURIComponent(provider)}/redirect?${params}`);
}

function credentialsOf(tokens: OAuth2Tokens): ProviderCredentials {
  const data = tokens.data as Record<string, unknown>;
  const expiresIn = typeof data.expires_in === 'number' ? data.expires_in : Number(data.expires_in);
  return {
    accessToken: tokens.accessToken(),
    refreshToken: typeof data.refresh_token === 'string' ? data.refresh_token : '',
    accessTokenExpiry: Number.isFinite(expiresIn) && expiresIn > 0 ? toAppwriteDate(Date.now() + expiresIn * 1000) : '',
  };
}

/** Code → tokens → profile; anything the provider gets wrong is a failure redirect naming it. */
async function readProvider(provider: OAuth2Provider, code: string, state: OAuth2StateRow, user: string | undefined) {
  let tokens: OAuth2Tokens;
  let credentials: ProviderCredentials;
  try {
    tokens = await provider.exchange(code, state.codeVerifier);
    credentials = credentialsOf(tokens);
  } catch (err) {
    const reason = err instanceof OAuth2RequestError ? err.code : (err as Error).message;
    throw SignInFailure.of('user_oauth2_provider_failure', undefined, provider.title, reason);
  }
  let profile: ProviderProfile;
  try {
    profile = await provider.profile(tokens, { nonce: state.nonce, user });
  } catch (err) {
    if (!(err instanceof ProviderResponseError)) throw err;
    throw SignInFailure.of('user_oauth2_provider_failure', undefined, provider.title, err.message);
  }
  return { profile, credentials };
}

async function finish(c: C, state: OAuth2StateRow) {
  const name = state.provider;
  const q = c.req.query();
  let provider: OAuth2Provider;
  try {
    // Disabled since the sign-in started: the app hears it at its failure URL.
    provider = resolveProvider(c.env, name, callbackUrl(c, name));
  } catch (err) {
    throw err instanceof ApiError ? new SignInFailure(err) : err;
  }
  if (q.error) {
    const detail = q.error_description ? `${q.error}: ${q.error_description}` : q.error;
    throw SignInFailure.of('user_oauth2_provider_error', `The ${provider.title} OAuth2 provider returned an error: ${detail}`);
  }
  if (!q.code) throw SignInFailure.of('user_oauth2_provider_error', 'Missing OAuth2 code.');
  const { profile, credentials } = await readProvider(provider, q.code, state, q.user);

  const principal = c.get('principal');
  // Only a sign-in started in this browser may link to the account signed in here: an unbound
  // callback URL could have been sent to the victim by whoever started it.
  const signedIn = principal.kind === 'user' && isBound(state) ? principal : undefined;
  // Linking during a half-finished MFA sign-in would let a password alone attach a provider that skips MFA.
  if (signedIn?.mfaPending) throw SignInFailure.of('user_more_factors_required');
  let plan;
  try {
    plan = await planSignIn(c.env.DB, { provider: name, profile, credentials, currentUserId: signedIn?.userId });
  } catch (err) {
    throw err instanceof SignInFailure ? err : uniqueRace(err);
  }

  const db = c.env.DB;
  const meta = requestMeta(c.req.raw.headers);
  const config = c.get('config');
  const writes: Statement[] = [...plan.statements];
  if (plan.created) writes.push(logStatement(db, { userId: plan.user.id, event: 'user.create', ...meta }));

  if (state.mode === 'token') {
    const { row, secret, statement } = await tokenStatement(db, { userId: plan.user.id, type: 'generic', expire: OAUTH2_TOKEN_LIFETIME, ...meta });
    await commit(db, [...writes, statement]);
    emit(c, [`users.${plan.user.id}.tokens.${row.id}.create`], { $id: row.id, userId: row.userId, expire: row.expire }, plan.user.id);
    return redirect(withQuery(state.success, { userId: plan.user.id, secret }));
  }

  const { row, secret, statements } = await sessionStatements(
    db,
    {
      userId: plan.user.id,
      provider: name,
      providerUid: profile.id,
      providerAccessToken: credentials.accessToken,
      providerRefreshToken: credentials.refreshToken,
      providerAccessTokenExpiry: credentials.accessTokenExpiry,
      // Appwrite's special `oauth2` factor: the provider stands in for the second factor.
      factors: ['email', 'oauth2'],
      duration: config.sessionDuration,
      ...meta,
    },
    config.sessionLimit,
  );
  // The browser's previous session is replaced by this one, as in Appwrite.
  if (signedIn?.via === 'session') {
    writes.push(drizzle(db).delete(sessions).where(and(eq(sessions.id, signedIn.sessionId), eq(sessions.userId, signedIn.userId))));
  }
  await commit(db, [...writes, ...statements, logStatement(db, { userId: plan.user.id, event: 'session.create', ...meta })]);
  emit(c, [`users.${plan.user.id}.sessions.${row.id}.create`], sessionModel(row, { current: false }), plan.user.id);

  const encoded = encodeSessionValue({ id: plan.user.id, secret });
  const headers = new Headers();
  for (const line of sessionCookies(config.projectId, encoded, { secure: isSecure(c), expires: Date.parse(row.expire) })) headers.append('Set-Cookie', line);
  return redirect(state.success, headers);
}

async function commit(db: D1Database, statements: Statement[]) {
  const [first, ...rest] = statements;
  try {
    await drizzle(db).batch([first, ...rest]);
  } catch (err) {
    throw uniqueRace(err);
  }
}

/** Two sign-ins racing for the same email or provider account: the loser is told it exists. */
function uniqueRace(err: unknown): unknown {
  return uniqueViolationText(err) ? SignInFailure.of('user_already_exists') : err;
}

async function callback(c: C) {
  const config = c.get('config');
  const name = c.req.param('provider') ?? '';
  const state = await consumeState(c.env.DB, c.req.query('state') ?? '', name, bindingFrom(c.req.raw.headers, config.projectId));
  // Nothing about an unverified state is trusted, least of all a URL to send the browser to.
  if (!state) throw new ApiError('general_bad_request', 'Invalid or expired OAuth2 state. Start the sign-in again from the app.');
  // Platforms may have changed since the sign-in started.
  if (!isAllowedRedirect(state.success, config, SIGN_IN)) throw new ApiError('project_invalid_success_url');
  if (!isAllowedRedirect(state.failure, config, SIGN_IN)) throw new ApiError('project_invalid_failure_url');
  try {
    return await finish(c, state);
  } catch (err) {
    if (!(err instanceof SignInFailure)) throw err;
    return redirect(failureUrl(state.failure, err.error));
  }
}

const perIp = rateLimit({ limit: 50, key: (c) => `url:${c.req.routePath},ip:${clientIp(c.req.raw.headers)}` });

/** Mounted under `/v1/account`. */
export const oauth2Routes = new Hono<AppEnv>()
  .get('/sessions/oauth2/:provider/redirect', perIp, callback)
  .get('/sessions/oauth2/:provider', requireScope('sessions.write'), perIp, startQuery, (c) => start(c, c.req.valid('query'), 'session'))
  .get('/tokens/oauth2/:provider', requireScope('sessions.write'), perIp, startQuery, (c) => start(c, c.req.valid('query'), 'token'));

/**
 * Mounted under `/v1/account/sessions/oauth2/callback` AHEAD of the project and origin checks:
 * providers call back without a project header, and Apple posts from its own origin (Appwrite
 * marks this route `origin: *`). It only relays; the relayed request passes every check.
 */
export const oauth2CallbackRoutes = new Hono<AppEnv>()
  .get('/:provider/:projectId', relay)
  .post('/:provider/:projectId', relay);
