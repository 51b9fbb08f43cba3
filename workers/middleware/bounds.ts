import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';

/**
 * Request bounds, checked before any route parses anything: the content type, the body size per
 * route family, and the nesting depth of a JSON body. A request outside them is a 400
 * `general_argument_invalid` and reaches no route.
 */

/** Bodies Ledge reads: JSON, and multipart/urlencoded forms (uploads). Anything else is refused. */
const BODY_TYPES = ['application/json', 'multipart/form-data', 'application/x-www-form-urlencoded'];

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The largest body each route family takes, first match wins. Rows may be up to D1's 2 MB each and
 * bulk writes carry many; everything else (accounts, users, teams, keys, schema) is small. A
 * domain whose routes need more adds its prefix here.
 */
export const BODY_LIMITS: readonly (readonly [prefix: string, maxBytes: number])[] = [
  ['/v1/tablesdb/', 16 * MiB],
  ['/v1/databases/', 16 * MiB],
];
export const DEFAULT_BODY_LIMIT = 256 * KiB;

/**
 * Uploads (POST only) are streamed to R2 by their routes (in chunks bounded there), so no limit
 * applies here. A file's PUT and DELETE are ordinary JSON routes and get the checks every route gets.
 */
const STREAMED = [/^\/v1\/storage\/buckets\/[^/]+\/files$/, /^\/v1\/functions\/[^/]+\/deployments$/];

/** How deep a JSON body may nest. Deeper bodies are refused before they are parsed. */
export const MAX_JSON_DEPTH = 64;

export function bodyLimitFor(method: string, path: string): number | null {
  if (method === 'POST' && STREAMED.some((r) => r.test(path))) return null;
  return BODY_LIMITS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? DEFAULT_BODY_LIMIT;
}

/**
 * The deepest nesting of `text` as JSON, counting only brackets outside strings; stops as soon as
 * `max` is passed. Linear, one pass, no allocation: safe on any body the size limit let through.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) depth--;
  }
  return false;
}

/**
 * A JSON body must be well formed and shallow enough, whether or not its route reads it: a route
 * that takes no parameters refuses a malformed body like every other (Appwrite decodes every body
 * up front). Hono caches the text, so the route's own read costs nothing more.
 */
function assertJsonBody(text: string) {
  if (text.trim() === '') return;
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new ApiError('general_argument_invalid', `Invalid request body: JSON nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  try {
    JSON.parse(text);
  } catch {
    throw new ApiError('general_argument_invalid', 'Invalid request body: Malformed JSON in request body');
  }
}

const limiters = new Map<number, MiddlewareHandler>();

function limiter(maxSize: number): MiddlewareHandler {
  let found = limiters.get(maxSize);
  if (!found) {
    found = bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError('general_argument_invalid', `Request body too large: at most ${maxSize} bytes are accepted here.`);
      },
    });
    limiters.set(maxSize, found);
  }
  return found;
}

const isJson = (type: string | undefined) => type === undefined || /^application\/([a-z.-]+\+)?json/i.test(type);

export function requestBounds(): MiddlewareHandler<AppEnv> {
  return async function ledgeRequestBounds(c, next) {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const type = c.req.header('Content-Type');
    const length = c.req.header('Content-Length');
    const declared = type !== undefined || (length !== undefined && length !== '0');
    if (declared && !BODY_TYPES.some((t) => type?.toLowerCase().startsWith(t))) {
      throw new ApiError('general_argument_invalid', `Unsupported content type: ${type ?? 'none'}. Send application/json.`);
    }
    if (c.req.raw.body === null) return next();
    const max = bodyLimitFor(method, c.req.path);
    if (max === null) return next();
    return limiter(max)(c, async () => {
      if (isJson(type)) assertJsonBody(await c.req.text());
      await next();
    });
  };
}
