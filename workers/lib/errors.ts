import { ERROR_CATALOGUE, type ErrorType } from './error-catalogue';

/** The Appwrite API version whose wire contract Ledge matches; reported in every error body. */
export const APPWRITE_VERSION = '1.9.6';

export type { ErrorType };

/**
 * An error that leaves the API as Appwrite's `{message, code, type, version}`.
 * `message` defaults to the catalogue's text; `%s` placeholders there take `args` in order.
 */
export class ApiError extends Error {
  readonly type: ErrorType;
  readonly code: number;
  /** Extra response headers, e.g. `X-RateLimit-*` on a 429. */
  headers?: Record<string, string>;

  constructor(type: ErrorType, message?: string, ...args: string[]) {
    const [code, template] = ERROR_CATALOGUE[type];
    let text = message ?? template;
    if (message === undefined) for (const arg of args) text = text.replace('%s', arg);
    super(text.replaceAll('%s', '').replace(/\s+'\s*'/g, '').trim());
    this.type = type;
    this.code = code;
  }

  toJSON() {
    return { message: this.message, code: this.code, type: this.type, version: APPWRITE_VERSION };
  }
}

/** Throws the catalogue error `type`; a terse way to reject input inside expressions. */
export function fail(type: ErrorType, message?: string, ...args: string[]): never {
  throw new ApiError(type, message, ...args);
}

/** Turns anything thrown into the error body and status Ledge sends; internals never leak. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError('general_unknown', 'Server Error');
}

export function errorResponse(err: ApiError): Response {
  return Response.json(err.toJSON(), { status: err.code, headers: err.headers });
}
