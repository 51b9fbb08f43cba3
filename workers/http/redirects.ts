import { ApiError, type ErrorType } from '../lib/errors';
import type { Config } from '../lib/config';
import { isAllowedRedirect, redirectParam, type RedirectRule } from '../middleware/cors';

/** A sign-in may also return to a native app through `appwrite-callback-<project>://`. */
export const SIGN_IN: RedirectRule = { nativeCallback: true };

/**
 * The `success`/`failure` parameter of the start routes. Absent, it falls back to the page that
 * sent the browser here (the Referer's origin) when that page is itself allowed; a URL on an
 * origin that is not a platform is refused before anything is stored.
 */
export function redirectTarget(param: 'success' | 'failure', value: string | undefined, referer: string | undefined, config: Config): string {
  if (value) {
    redirectParam(param, value, config, SIGN_IN);
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
