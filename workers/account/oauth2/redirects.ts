import { ApiError, type ErrorType } from '../../lib/errors';
import type { Config } from '../../lib/config';
import { isAllowedOrigin } from '../../middleware/cors';

/**
 * Where a sign-in may send the browser back to: a registered web platform (ALLOWED_ORIGINS, and
 * localhost when allowed) or the native apps' `appwrite-callback-<project>://` scheme, as
 * Appwrite's Redirect validator. Anything else would be an open redirect that, in token mode,
 * hands the attacker a login secret.
 */
export function isAllowedRedirect(value: string, config: Config): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'http:' || url.protocol === 'https:') return isAllowedOrigin(url.origin, config);
  return url.protocol === `appwrite-callback-${config.projectId}:`;
}

function describe(value: string): string {
  try {
    const url = new URL(value);
    const host = url.host ? `(${url.host}) ` : '';
    return `Invalid URI. Register your new client ${host}as a new Web platform on your project console dashboard`;
  } catch {
    return 'Invalid URI.';
  }
}

/**
 * The `success`/`failure` parameter of the start routes. Absent, it falls back to the page that
 * sent the browser here (the Referer's origin) when that page is itself allowed; a URL on an
 * origin that is not a platform is refused before anything is stored.
 */
export function redirectTarget(param: 'success' | 'failure', value: string | undefined, referer: string | undefined, config: Config): string {
  if (value) {
    if (!isAllowedRedirect(value, config)) throw new ApiError('general_argument_invalid', `Invalid \`${param}\` param: ${describe(value)}`);
    return value;
  }
  let origin = '';
  try {
    origin = referer ? new URL(referer).origin : '';
  } catch {
    origin = '';
  }
  if (origin && origin !== 'null' && isAllowedRedirect(origin, config)) return `${origin}/`;
  throw new ApiError('general_argument_invalid', `Invalid \`${param}\` param: a URL on one of the project's platforms is required.`);
}

/** `url` with `params` added to its query (existing parameters of the same name are replaced). */
export function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  return target.toString();
}

/** Appwrite's failure redirect: the error as JSON in the `error` query parameter. */
export function failureUrl(failure: string, error: ApiError): string {
  return withQuery(failure, { error: JSON.stringify({ message: error.message, type: error.type, code: error.code }) });
}

/** An error raised during the callback that goes to the failure URL rather than the JSON body. */
export class SignInFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }

  static of(type: ErrorType, message?: string, ...args: string[]): SignInFailure {
    return new SignInFailure(new ApiError(type, message, ...args));
  }
}
