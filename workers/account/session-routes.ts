import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { burnDummyVerification, hashPassword, verifyPassword } from '../lib/password';
import { customIdParam, emailParam, intParam, passwordParam, secretParam } from '../lib/validator';
import { body } from '../http/body';
import { requireScope } from '../middleware/principal';
import { rateLimit } from '../middleware/rate-limit';
import { bodyField, clientIp, requestMeta } from '../http/request';
import { findUser, findUserByEmail, insertUserStatement, newUserRow } from '../identity/users';
import { JWT_DEFAULT_DURATION, signJwt } from '../identity/jwt';
import { logStatement } from '../identity/logs';
import { clearSessionCookies, currentUser, issueSession } from '../identity/issue';
import { assertNoSession, emit } from './respond';
import { deleteSession, deleteSessions, extendSession, getSession, listSessions, sessionModel } from '../identity/sessions';
import { SESSION_TOKEN_TYPES, consumeToken } from '../identity/tokens';

type C = Context<AppEnv>;

const emailSession = body(z.object({ email: emailParam, password: passwordParam }));
const tokenSession = body(z.object({ userId: customIdParam, secret: secretParam }));
const byUserAndIp = rateLimit({
  limit: 10,
  key: async (c) => `ip:${clientIp(c.req.raw.headers)},userId:${await bodyField(c.req, 'userId')}`,
  resetOn: [201],
});

/** Turns a one-time token (email OTP, magic URL, phone, generic) into a session, as Appwrite's `createSession`. */
async function sessionFromToken(c: C, input: { userId: string; secret: string }) {
  assertNoSession(c);
  const user = await findUser(c.env.DB, input.userId);
  if (!user) throw new ApiError('user_invalid_token');
  if (!user.status) throw new ApiError('user_blocked');
  const token = await consumeToken(c.env.DB, user.id, input.secret, SESSION_TOKEN_TYPES);
  const kind = token.type;
  const factor = kind === 'phone' ? 'phone' : kind === 'generic' ? 'token' : 'email';
  const provider = kind === 'magic-url' ? 'magic-url' : kind === 'phone' ? 'phone' : 'token';
  const userPatch = kind === 'phone' ? { phoneVerification: true } : kind === 'generic' ? undefined : { emailVerification: true };
  return issueSession(c, user, { provider, factors: [factor], userPatch });
}

async function emailPasswordSession(c: C, input: { email: string; password: string }) {
  assertNoSession(c);
  const user = await findUserByEmail(c.env.DB, input.email);
  if (!user || !user.passwordUpdate) {
    await burnDummyVerification(input.password);
    throw new ApiError('user_invalid_credentials');
  }
  const check = await verifyPassword(input.password, user);
  if (!check.ok) throw new ApiError('user_invalid_credentials');
  if (!user.status) throw new ApiError('user_blocked');
  const userPatch = check.needsRehash ? await hashPassword(input.password) : undefined;
  return issueSession(c, user, { provider: 'email', providerUid: user.email ?? '', factors: ['password'], userPatch });
}

const emailSessionLimit = rateLimit({ limit: 10, key: async (c) => `url:/account/sessions/email,email:${await bodyField(c.req, 'email')}`, resetOn: [201] });

/** Sign-in routes (scope `sessions.write`) and the signed-in user's own sessions (scope `account`). */
export const sessionRoutes = new Hono<AppEnv>()
  .post('/sessions/email', requireScope('sessions.write'), emailSession, emailSessionLimit, (c) => emailPasswordSession(c, c.req.valid('json')))
  .post('/sessions', requireScope('sessions.write'), emailSession, emailSessionLimit, (c) => emailPasswordSession(c, c.req.valid('json')))
  .post(
    '/sessions/anonymous',
    requireScope('sessions.write'),
    rateLimit({ limit: 50, key: (c) => `ip:${clientIp(c.req.raw.headers)}` }),
    async (c) => {
      assertNoSession(c);
      const row = newUserRow({ id: uniqueId() });
      return issueSession(c, row, {
        provider: 'anonymous',
        factors: ['anonymous'],
        before: [insertUserStatement(c.env.DB, row), logStatement(c.env.DB, { userId: row.id, event: 'user.create', ...requestMeta(c.req.raw.headers) })],
      });
    },
  )
  .post('/sessions/token', requireScope('sessions.write'), tokenSession, byUserAndIp, (c) => sessionFromToken(c, c.req.valid('json')))
  .put('/sessions/magic-url', requireScope('sessions.write'), tokenSession, byUserAndIp, (c) => sessionFromToken(c, c.req.valid('json')))
  .put('/sessions/phone', requireScope('sessions.write'), tokenSession, byUserAndIp, (c) => sessionFromToken(c, c.req.valid('json')))
  .get('/sessions', requireScope('account'), async (c) => {
    const { principal, user } = await currentUser(c);
    const rows = await listSessions(c.env.DB, user.id);
    return c.json({ total: rows.length, sessions: rows.map((r) => sessionModel(r, { current: r.id === principal.sessionId })) });
  })
  .delete('/sessions', requireScope('account'), rateLimit({ limit: 100 }), async (c) => {
    const { principal, user } = await currentUser(c);
    const deleted = await deleteSessions(c.env.DB, user.id, undefined, [
      logStatement(c.env.DB, { userId: user.id, event: 'session.delete', ...requestMeta(c.req.raw.headers) }),
    ]);
    const current = deleted.find((s) => s.id === principal.sessionId);
    if (current) {
      clearSessionCookies(c);
      emit(c, [`users.${user.id}.sessions.${current.id}.delete`], sessionModel(current, { current: true }), user.id);
    }
    return c.body(null, 204);
  })
  .get('/sessions/:sessionId', requireScope('account'), async (c) => {
    const { principal, user } = await currentUser(c);
    const id = c.req.param('sessionId') === 'current' ? principal.sessionId : c.req.param('sessionId');
    const row = await getSession(c.env.DB, user.id, id);
    return c.json(sessionModel(row, { current: row.id === principal.sessionId }));
  })
  .patch('/sessions/:sessionId', requireScope('account'), rateLimit({ limit: 10 }), async (c) => {
    const { principal, user } = await currentUser(c);
    const id = c.req.param('sessionId') === 'current' ? principal.sessionId : c.req.param('sessionId');
    const row = await extendSession(c.env.DB, user.id, id, c.get('config').sessionDuration);
    const model = sessionModel(row, { current: row.id === principal.sessionId });
    emit(c, [`users.${user.id}.sessions.${row.id}.update`], { ...model, current: false }, user.id);
    return c.json(model);
  })
  .delete('/sessions/:sessionId', requireScope('account'), rateLimit({ limit: 100 }), async (c) => {
    const { principal, user } = await currentUser(c);
    const id = c.req.param('sessionId') === 'current' ? principal.sessionId : c.req.param('sessionId');
    const row = await deleteSession(c.env.DB, user.id, id);
    // Logged only once the session is known to have existed, so a refused delete writes nothing.
    await logStatement(c.env.DB, { userId: user.id, event: 'session.delete', resource: `session/${row.id}`, ...requestMeta(c.req.raw.headers) });
    const current = row.id === principal.sessionId;
    if (current) clearSessionCookies(c);
    emit(c, [`users.${user.id}.sessions.${row.id}.delete`], sessionModel(row, { current }), user.id);
    return c.body(null, 204);
  });

const jwtBody = body(z.object({ duration: intParam.pipe(z.number().min(0).max(3600)).optional() }).optional().default({}));
const jwtLimit = rateLimit({ limit: 120, window: 60, key: (c) => `url:/account/jwts,userId:${(c.get('principal') as { userId?: string }).userId ?? ''}` });

async function createJwt(c: C, duration: number | undefined) {
  const { principal } = await currentUser(c);
  if (principal.via === 'jwt') throw new ApiError('user_jwt_creation_denied');
  const jwt = await signJwt(c.env, { userId: principal.userId, sessionId: principal.sessionId }, duration ?? JWT_DEFAULT_DURATION);
  return c.json({ jwt }, 201);
}

export const jwtRoutes = new Hono<AppEnv>()
  .post('/jwts', requireScope('account'), jwtBody, jwtLimit, (c) => createJwt(c, c.req.valid('json')?.duration))
  .post('/jwt', requireScope('account'), jwtBody, jwtLimit, (c) => createJwt(c, c.req.valid('json')?.duration));

