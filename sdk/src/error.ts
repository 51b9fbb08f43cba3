/**
 * The one error every call rejects with: Appwrite's `{ message, code, type }` from the server, or a
 * client-side failure (`code` 0: `network_error` when no answer came, `aborted` when the caller's
 * AbortSignal fired). `response` is the parsed body (or text) the server sent, if any.
 */
export class LedgeError extends Error {
  override name = 'LedgeError';
  constructor(
    message: string,
    readonly code: number,
    readonly type: string,
    readonly response?: unknown,
  ) {
    super(message);
  }
}
