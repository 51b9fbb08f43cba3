/**
 * Read replicas: the bookmark travels (the session's bookmark goes out in X-Ledge-Bookmark, a
 * client's comes back in as the session's constraint) and credential checks start on the primary,
 * so a deleted session fails on the very next request whatever bookmark it carries. Replication
 * itself is not observable locally: this checks the plumbing, through the app.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sessionCookieName } from '../../test/browser';
import { signedInUser } from '../../test/helpers';
import { app } from '../app';
import { BOOKMARK_HEADER, sessionConstraint } from './d1-session';

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

/** env.DB whose sessions are recorded, and whose bookmarks are numbered so they can be followed. */
function recordingDb() {
  const constraints: string[] = [];
  let n = 0;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'withSession') {
        return (constraint: string) => {
          constraints.push(constraint);
          const session = target.withSession(constraint);
          const bookmark = `0000000${++n}-00000000-00000000-${'a'.repeat(32)}`;
          return { prepare: session.prepare.bind(session), batch: session.batch.bind(session), getBookmark: () => bookmark };
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db, constraints };
}

function send(db: D1Database, path: string, headers: Record<string, string> = {}, init: RequestInit = {}) {
  return app.request(path, { ...init, headers: { 'X-Appwrite-Project': env.PROJECT_ID, ...headers } }, { ...env, DB: db }, ctx);
}

describe('read replicas: D1 sessions and X-Ledge-Bookmark', () => {
  it('a guest read starts from the bookmark it sends, and gets the next one back', async () => {
    const { db, constraints } = recordingDb();
    const first = await send(db, '/v1/tablesdb/none/tables/none/rows');
    expect(constraints).toEqual(['first-unconstrained']);
    const bookmark = first.headers.get(BOOKMARK_HEADER)!;
    expect(bookmark).toMatch(/^00000001-/);
    const second = await send(db, '/v1/tablesdb/none/tables/none/rows', { [BOOKMARK_HEADER]: bookmark });
    expect(constraints[1]).toBe(bookmark);
    expect(second.headers.get(BOOKMARK_HEADER)).toMatch(/^00000002-/);
  });

  it('a request that never reads D1 opens no session and sends no bookmark (the client keeps its last)', async () => {
    const { db, constraints } = recordingDb();
    const res = await send(db, '/v1/locale/codes', { [BOOKMARK_HEADER]: '00000001-00000000-00000000-aaaa' });
    expect(res.status).toBe(200);
    expect(constraints).toEqual([]);
    expect(res.headers.get(BOOKMARK_HEADER)).toBeNull();
  });

  it('a credentialed request starts on the primary, whatever bookmark it carries', async () => {
    const { db, constraints } = recordingDb();
    const user = await signedInUser();
    const cookie = `${sessionCookieName()}=${user.cookieValue}`;
    const res = await send(db, '/v1/account', { Cookie: cookie, [BOOKMARK_HEADER]: '00000001-00000000-00000000-aaaa' });
    expect(res.status).toBe(200);
    expect(constraints).toEqual(['first-primary']);
    expect(res.headers.get(BOOKMARK_HEADER)).toBeTruthy();
    // Revoked: the very next request, bookmark and all, is refused.
    expect((await send(db, '/v1/account/sessions/current', { Cookie: cookie }, { method: 'DELETE' })).status).toBe(204);
    const after = await send(db, '/v1/account', { Cookie: cookie, [BOOKMARK_HEADER]: res.headers.get(BOOKMARK_HEADER)! });
    expect(after.status).toBe(401);
    expect(constraints.at(-1)).toBe('first-primary');
  });

  it('keys, JWTs and session headers count as credentials; a malformed bookmark is ignored', () => {
    for (const h of [['X-Appwrite-Key', 'k'], ['X-Appwrite-JWT', 'j'], ['X-Appwrite-Session', 's'], ['Cookie', 'x=1; a_session_p=v']] as const) {
      expect(sessionConstraint(new Headers([[h[0], h[1]], [BOOKMARK_HEADER, 'abc']]))).toBe('first-primary');
    }
    expect(sessionConstraint(new Headers({ [BOOKMARK_HEADER]: 'bad bookmark; drop' }))).toBe('first-unconstrained');
    expect(sessionConstraint(new Headers({ Cookie: 'other=1' }))).toBe('first-unconstrained');
  });

  it('exposes the header to browsers', async () => {
    const res = await send(recordingDb().db, '/v1/locale/codes', { Origin: 'http://localhost' });
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain(BOOKMARK_HEADER);
  });
});
