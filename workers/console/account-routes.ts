import { Hono, type Context } from 'hono';
import { drizzle } from 'drizzle-orm/d1';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { consoleAdmins } from '../db/schema';
import { ApiError } from '../lib/errors';
import { burnDummyVerification, hashPassword, verifyPassword } from '../lib/password';
import { consoleRealm, sessionOwner } from '../lib/realm';
import { nowDate } from '../lib/time';
import { emailParam, passwordParam } from '../lib/validator';
import { body } from '../http/body';
import { bodyField } from '../http/request';
import { rateLimit } from '../middleware/rate-limit';
import { adminModel, findAdminByEmail } from '../identity/admins';
import { clearSessionCookies, openSession } from '../identity/issue';
import { deleteSession, deleteSessions, extendSession, getSession, listSessions, sessionModel, type SessionRow } from '../identity/sessions';
import { signedInAdmin } from './caller';

type C = Context<AppEnv>;

/** The Session model with the admin's id (rows are filed under `console:<id>`). */
function adminSession(row: SessionRow, adminId: string, current: boolean) {
  return { ...sessionModel(row, { current }), userId: adminId };
}

async function emailPasswordSession(c: C, input: { email: string; password: string }) {
  if (c.get('principal').kind !== 'guest') throw new ApiError('user_session_already_exists');
  const admin = await findAdminByEmail(c.env.DB, input.email);
  if (!admin || !admin.password) {
    await burnDummyVerification(input.password);
    throw new ApiError('user_invalid_credentials');
  }
  const check = await verifyPassword(input.password, admin);
  if (!check.ok) throw new ApiError('user_invalid_credentials');
  if (!admin.status) throw new ApiError('user_blocked');
  const d = drizzle(c.env.DB);
  const patch = { accessedAt: nowDate(), ...(check.needsRehash ? await hashPassword(input.password) : {}) };
  const { row } = await openSession(c, consoleRealm, admin.id, {
    provider: 'email',
    providerUid: admin.email,
    factors: ['password'],
    after: [d.update(consoleAdmins).set(patch).where(eq(consoleAdmins.id, admin.id))],
  });
  return c.json(adminSession(row, admin.id, true), 201);
}

/** The users' sign-in limit (10 an hour per email, cleared by a success), counted apart from theirs. */
const signInLimit = rateLimit({ limit: 10, key: async (c) => `console,url:/account/sessions/email,email:${await bodyField(c.req, 'email')}`, resetOn: [201] });
const emailSession = body(z.object({ email: emailParam, password: passwordParam }));

/**
 * The admin realm's Account routes (project `console`): what appwrite-cli's `login`, `whoami` and
 * `logout` call, plus the session list. Only admins (console_admins) sign in here.
 */
export const consoleAccountRoutes = new Hono<AppEnv>()
  .post('/sessions/email', emailSession, signInLimit, (c) => emailPasswordSession(c, c.req.valid('json')))
  .get('/', async (c) => c.json(adminModel(signedInAdmin(c).admin)))
  .get('/sessions', async (c) => {
    const { admin, sessionId } = signedInAdmin(c);
    const rows = await listSessions(c.env.DB, sessionOwner(consoleRealm, admin.id));
    return c.json({ total: rows.length, sessions: rows.map((r) => adminSession(r, admin.id, r.id === sessionId)) });
  })
  .delete('/sessions', rateLimit({ limit: 100 }), async (c) => {
    const { admin } = signedInAdmin(c);
    await deleteSessions(c.env.DB, sessionOwner(consoleRealm, admin.id));
    clearSessionCookies(c, consoleRealm);
    return c.body(null, 204);
  })
  .get('/sessions/:sessionId', async (c) => {
    const { admin, sessionId } = signedInAdmin(c);
    const id = c.req.param('sessionId') === 'current' ? sessionId : c.req.param('sessionId');
    return c.json(adminSession(await getSession(c.env.DB, sessionOwner(consoleRealm, admin.id), id), admin.id, id === sessionId));
  })
  .patch('/sessions/:sessionId', rateLimit({ limit: 10 }), async (c) => {
    const { admin, sessionId } = signedInAdmin(c);
    const id = c.req.param('sessionId') === 'current' ? sessionId : c.req.param('sessionId');
    const row = await extendSession(c.env.DB, sessionOwner(consoleRealm, admin.id), id, consoleRealm.sessionDuration);
    return c.json(adminSession(row, admin.id, id === sessionId));
  })
  .delete('/sessions/:sessionId', rateLimit({ limit: 100 }), async (c) => {
    const { admin, sessionId } = signedInAdmin(c);
    const id = c.req.param('sessionId') === 'current' ? sessionId : c.req.param('sessionId');
    await deleteSession(c.env.DB, sessionOwner(consoleRealm, admin.id), id);
    if (id === sessionId) clearSessionCookies(c, consoleRealm);
    return c.body(null, 204);
  });
