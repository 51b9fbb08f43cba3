/**
 * Read replicas through D1 sessions. Every request runs on `env.DB.withSession(…)`, and the
 * session's bookmark goes back in `X-Ledge-Bookmark` (exposed by CORS), which the SDKs send on
 * the next request so the client reads its own writes from whichever replica serves it.
 *
 * Revocation must bite on the very next request, so a request that carries a credential (a session
 * cookie or header, a JWT, an API key) starts its session `first-primary`: its first query — the
 * credential check, alone (middleware) or inside the route's own first batch (identity/batch.ts) —
 * reads the primary, which holds every revocation; later queries of that request may use a replica
 * at least as new as that read. The primary is also newer than any bookmark the client sends, so
 * its bookmark is honoured too. A request without credentials (a guest) has nothing to revoke: it
 * starts from the client's bookmark, or anywhere (`first-unconstrained`) without one. Writes always
 * go to the primary (D1 routes them).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

export const BOOKMARK_HEADER = 'X-Ledge-Bookmark';
/** D1 bookmarks are hex groups joined by dashes; anything else is ignored, never passed on. */
const BOOKMARK = /^[0-9A-Za-z-]{1,256}$/;

/** Does the request carry a credential that a revocation could invalidate? */
export function carriesCredential(headers: Headers): boolean {
  if (headers.has('X-Appwrite-Key') || headers.has('X-Appwrite-JWT') || headers.has('X-Appwrite-Session') || headers.has('X-Fallback-Cookies')) return true;
  return /(?:^|;\s*)a_session_/.test(headers.get('Cookie') ?? '');
}

/** The session constraint for a request (see the module comment). */
export function sessionConstraint(headers: Headers): string {
  if (carriesCredential(headers)) return 'first-primary';
  const bookmark = headers.get(BOOKMARK_HEADER)?.trim();
  return bookmark && BOOKMARK.test(bookmark) ? bookmark : 'first-unconstrained';
}

/**
 * `env` whose `DB` is the request's session, opened on first use. Not a spread: copying `env`
 * reads every binding and made each request, /v1/ping included, ≈ 0.15 ms slower; the prototype
 * keeps the others as they are (and lib/config.ts finds its per-env parse through it).
 */
function withLazySession(env: Env, open: () => D1DatabaseSession): { env: Env; opened: () => D1DatabaseSession | undefined } {
  let session: D1DatabaseSession | undefined;
  const derived = Object.create(env, {
    DB: { get: () => (session ??= open()) as unknown as D1Database, enumerable: true, configurable: true },
  }) as Env;
  return { env: derived, opened: () => session };
}

export function d1Session(): MiddlewareHandler<AppEnv> {
  return async function d1Session(c, next) {
    const db = c.env.DB as D1Database & { withSession?: D1Database['withSession'] };
    if (typeof db.withSession !== 'function') return next();
    const headers = c.req.raw.headers;
    const lazy = withLazySession(c.env, () => db.withSession(sessionConstraint(headers)));
    // Everything after this point (stores take `c.env.DB`) runs in the session.
    c.env = lazy.env;
    await next();
    const bookmark = lazy.opened()?.getBookmark();
    if (!bookmark) return;
    try {
      c.res.headers.set(BOOKMARK_HEADER, bookmark);
    } catch {
      // A passed-through response with immutable headers: it carries no bookmark.
    }
  };
}
