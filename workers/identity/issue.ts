import type { Context } from 'hono';
import { drizzle } from 'drizzle-orm/d1';
import type { AppEnv } from '../env';
import { publishUserEvent } from './events';
import { ApiError } from '../lib/errors';
import { projectRealm, sessionOwner, type Realm } from '../lib/realm';
import type { UserPrincipal } from '../lib/principal';
import { requestMeta } from '../http/request';
import { getUser, updateUserStatement, type Statement, type UserPatch, type UserRow } from './users';
import { authenticatedUser } from './authenticate';
import { encodeSessionValue, sameSite, sessionCookieName, sessionCookies } from './cookies';
import { logStatement } from './logs';
import { sessionModel, sessionStatements } from './sessions';

/**
 * Issuing a session over HTTP, shared by every route that signs someone in (Account sign-ins,
 * OAuth2, Teams' invitation acceptance): the session batch, both cookies, `X-Fallback-Cookies`,
 * the event; and who the signed-in caller is.
 */
type C = Context<AppEnv>;

/** The signed-in caller and their user row (routes behind `requireScope('account')`). */
export async function currentUser(c: C): Promise<{ principal: UserPrincipal; user: UserRow }> {
  const principal = c.get('principal');
  if (principal.kind !== 'user') throw new ApiError('user_unauthorized');
  const user = authenticatedUser(principal) ?? (await getUser(c.env.DB, principal.userId));
  return { principal, user };
}

export function isKeyCaller(c: C) {
  return c.get('principal').kind === 'key';
}

const isSecure = (c: C) => new URL(c.req.url).protocol === 'https:';

function setCookies(c: C, realm: Realm, value: string, expires: number) {
  for (const line of sessionCookies(realm.id, value, { secure: isSecure(c), expires })) {
    c.header('Set-Cookie', line, { append: true });
  }
}

/** Logout: expire both cookies; a cross-site page also gets an empty fallback store. */
export function clearSessionCookies(c: C, realm: Realm = projectRealm(c.get('config'))) {
  setCookies(c, realm, '', Date.now() - 3600_000);
  if (!sameSite(c.req.url, c.req.raw.headers)) c.header('X-Fallback-Cookies', '[]');
}

export interface IssueOptions {
  provider: string;
  providerUid?: string;
  factors: string[];
  /** Statements that must commit with the session (a new user, a rehash, a consumed token's effects). */
  before?: Statement[];
  userPatch?: UserPatch;
}

/**
 * Creates a session for `user` and answers as Appwrite does: 201, the Session model, both cookies
 * and, for a page on another site, `X-Fallback-Cookies`. The session, the user's oldest-session
 * trim, any user change and the log entry commit in one batch.
 */
export async function issueSession(c: C, user: UserRow, opts: IssueOptions) {
  const { row, encoded } = await startSession(c, user, opts);
  return c.json(sessionModel(row, { current: true, secret: isKeyCaller(c) ? encoded : '' }), 201);
}

/**
 * `issueSession` without the answer, for routes that sign the user in as a side effect and reply
 * with another model (Teams' updateMembershipStatus answers with the Membership).
 */
export async function startSession(c: C, user: UserRow, opts: IssueOptions) {
  const meta = requestMeta(c.req.raw.headers);
  const after: Statement[] = [];
  if (opts.userPatch) after.push(updateUserStatement(c.env.DB, user.id, opts.userPatch));
  after.push(logStatement(c.env.DB, { userId: user.id, event: 'session.create', ...meta }));
  const { row, encoded } = await openSession(c, projectRealm(c.get('config')), user.id, { ...opts, after });
  publishUserEvent(c, `users.${user.id}.sessions.${row.id}.create`, sessionModel(row, { current: false }), user.id);
  return { row, encoded };
}

/**
 * A session for `accountId` in `realm`: the session row (filed under the realm's owner id), the
 * oldest-session trim and `before`/`after` commit in one batch; then both cookies and, for a page
 * on another site, `X-Fallback-Cookies`.
 */
export async function openSession(
  c: C,
  realm: Realm,
  accountId: string,
  opts: Pick<IssueOptions, 'provider' | 'providerUid' | 'factors' | 'before'> & { after?: Statement[] },
) {
  const meta = requestMeta(c.req.raw.headers);
  const { row, secret, statements } = await sessionStatements(
    c.env.DB,
    { userId: sessionOwner(realm, accountId), provider: opts.provider, providerUid: opts.providerUid, factors: opts.factors, duration: realm.sessionDuration, ...meta },
    realm.sessionLimit,
  );
  const [first, ...rest] = [...(opts.before ?? []), ...statements, ...(opts.after ?? [])];
  await drizzle(c.env.DB).batch([first, ...rest]);

  const encoded = encodeSessionValue({ id: accountId, secret });
  setCookies(c, realm, encoded, Date.parse(row.expire));
  if (!sameSite(c.req.url, c.req.raw.headers)) {
    c.header('X-Fallback-Cookies', JSON.stringify({ [sessionCookieName(realm.id)]: encoded }));
  }
  return { row, encoded };
}
