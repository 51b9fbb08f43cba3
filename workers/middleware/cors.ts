import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import type { Config } from '../lib/config';
import { ApiError } from '../lib/errors';

/** Request headers the SDKs send (Appwrite's app/config/cors.php), matched case-insensitively. */
const ALLOW_HEADERS = [
  'Accept', 'Origin', 'Cookie', 'Set-Cookie', 'Content-Type', 'Content-Range', 'Range', 'Cache-Control',
  'Authorization', 'X-Requested-With', 'X-Fallback-Cookies', 'X-Forwarded-For', 'X-Forwarded-User-Agent',
  'X-Appwrite-Project', 'X-Appwrite-Key', 'X-Appwrite-Dev-Key', 'X-Appwrite-Locale', 'X-Appwrite-Mode',
  'X-Appwrite-JWT', 'X-Appwrite-Session', 'X-Appwrite-Response-Format', 'X-Appwrite-Timeout', 'X-Appwrite-ID',
  'X-Appwrite-Timestamp', 'X-Appwrite-User', 'X-Appwrite-Impersonate-User-Id',
  'X-Appwrite-Impersonate-User-Email', 'X-Appwrite-Impersonate-User-Phone', 'X-SDK-Name',
  'X-SDK-Platform', 'X-SDK-Language', 'X-SDK-Version', 'X-SDK-GraphQL', 'X-Appwrite-Warning',
  // Ledge: the D1 read-replica bookmark @ledge/client sends back (read-your-writes).
  'X-Ledge-Bookmark',
].join(', ');
const EXPOSE_HEADERS = ['X-Appwrite-Session', 'X-Fallback-Cookies', 'X-Appwrite-Warning', 'X-Ledge-Bookmark'].join(', ');
const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';

function isLocalHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]';
}

/**
 * Is `origin` a registered web platform? Entries are hostnames (`app.example.com`), wildcard
 * hostnames (`*.example.com`) or whole origins (`http://app.test:5173`), from ALLOWED_ORIGINS and
 * the web platforms; native apps' origins must name a registered platform; localhost passes when
 * ALLOW_LOCALHOST_ORIGINS is on.
 */
export function isAllowedOrigin(origin: string, config: Config): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // Appwrite's native SDKs send `appwrite-ios://<bundle id>`, `appwrite-android://<app id>`, …
    const native = `${url.protocol}//${url.host}`.toLowerCase();
    return config.nativeOrigins.some((o) => o.toLowerCase() === native);
  }
  if (config.allowLocalhostOrigins && isLocalHost(url.hostname)) return true;
  for (const entry of config.allowedOrigins) {
    if (entry.includes('://')) {
      if (entry.replace(/\/$/, '') === url.origin) return true;
    } else if (entry.startsWith('*.')) {
      if (url.hostname.endsWith(entry.slice(1))) return true;
    } else if (entry === url.hostname || entry === url.host) {
      return true;
    }
  }
  return false;
}

/** `{ nativeCallback: true }` lets native apps' `appwrite-callback-<project>://` through (OAuth2 only). */
export interface RedirectRule {
  nativeCallback?: boolean;
}

/**
 * Appwrite's Redirect validator, the one rule for every URL a browser or a mail link is sent to
 * (magic URL, recovery, verification, team invites, OAuth2 success/failure): http(s) on a
 * registered web platform, or the native apps' callback scheme where the rule allows it. Never
 * credentials (`https://user@app.test/`): a URL that reads as one host to a person but carries
 * more than an origin is refused. Anything else is an open redirect that can hand an attacker a
 * login secret.
 */
export function isAllowedRedirect(value: string, config: Config, rule: RedirectRule = {}): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'http:' || url.protocol === 'https:') return isAllowedOrigin(url.origin, config);
  // URL lowercases the scheme.
  return rule.nativeCallback === true && url.protocol === `appwrite-callback-${config.projectId.toLowerCase()}:`;
}

/** The redirect parameter `param`, or Appwrite's 400 naming the host to register as a platform. */
export function redirectParam(param: string, value: string, config: Config, rule: RedirectRule = {}): URL {
  if (isAllowedRedirect(value, config, rule)) return new URL(value);
  let reason = 'Invalid URI.';
  try {
    const host = new URL(value).host;
    reason = `Invalid URI. Register your new client ${host ? `(${host}) ` : ''}as a new Web platform on your project console dashboard`;
  } catch {
    // not a URL at all
  }
  throw new ApiError('general_argument_invalid', `Invalid \`${param}\` param: ${reason}`);
}

/**
 * CORS with credentials, as the web SDK needs: an allowed origin is echoed (never `*`) with
 * `Access-Control-Allow-Credentials`; anything else gets no grant, and a non-key request from a
 * browser origin that is not a platform is refused with `general_unknown_origin` (403) by
 * `requireKnownOrigin`.
 */
export function cors(): MiddlewareHandler<AppEnv> {
  return async function ledgeCors(c, next) {
    const origin = c.req.header('Origin');
    const allowed = origin !== undefined && isAllowedOrigin(origin, c.get('config'));
    if (c.req.method === 'OPTIONS') {
      const headers = new Headers({ Vary: 'Origin' });
      if (allowed) {
        headers.set('Access-Control-Allow-Origin', origin);
        headers.set('Access-Control-Allow-Credentials', 'true');
        headers.set('Access-Control-Allow-Methods', ALLOW_METHODS);
        headers.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
        headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
        headers.set('Access-Control-Max-Age', '86400');
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    c.res.headers.append('Vary', 'Origin');
    if (allowed) {
      c.res.headers.set('Access-Control-Allow-Origin', origin);
      c.res.headers.set('Access-Control-Allow-Credentials', 'true');
      c.res.headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }
  };
}
