import { and, eq, ne } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { identities } from '../db/schema';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { assertPasswordPolicy, hashPassword, verifyPassword } from '../lib/password';
import { nowDate } from '../lib/time';
import { customIdParam, emailParam, listParams, nameParam, passwordParam, phoneParam } from '../lib/validator';
import { body, query } from '../http/body';
import { requireScope } from '../middleware/principal';
import { rateLimit } from '../middleware/rate-limit';
import { listIdentities } from '../identity/identities';
import { createUser, updateUser, type UserPatch, type UserRow } from '../identity/users';
import { listLogs, logModel, logStatement } from '../identity/logs';
import { clearSessionCookies, currentUser } from '../identity/issue';
import { accountModel, emit } from './respond';
import { requestMeta } from '../http/request';
import { deleteSessionsStatement } from '../identity/sessions';

type C = Context<AppEnv>;

/** Appwrite's Assoc validator: a JSON object of at most 65,535 characters. */
const prefsParam = z
  .record(z.string(), z.unknown())
  .refine((v) => JSON.stringify(v).length <= 65_535, 'Value must be a valid object and no longer than 65535 chars');

/**
 * Routes that change the account must know the password when one is set; accounts without one
 * (anonymous, OTP, magic URL) set it here instead, which is how an anonymous account is upgraded.
 */
async function confirmPassword(user: UserRow, password: string): Promise<UserPatch> {
  if (user.passwordUpdate) {
    if (!(await verifyPassword(password, user)).ok) throw new ApiError('user_invalid_credentials');
    return {};
  }
  return { ...(await hashPassword(password)), passwordUpdate: nowDate() };
}

async function changeUser(c: C, user: UserRow, patch: UserPatch, event: string, extra: Parameters<typeof updateUser>[3] = []) {
  const updated = await updateUser(c.env.DB, user.id, patch, [
    logStatement(c.env.DB, { userId: user.id, event: 'user.update', ...requestMeta(c.req.raw.headers) }),
    ...extra,
  ]);
  emit(c, [`users.${user.id}.${event}`], accountModel(updated), user.id);
  return updated;
}

export const profileRoutes = new Hono<AppEnv>()
  .post(
    '/',
    requireScope('sessions.write'),
    body(z.object({ userId: customIdParam, email: emailParam, password: z.string(), name: nameParam.optional() })),
    rateLimit({ limit: 10 }),
    async (c) => {
      const input = c.req.valid('json');
      const config = c.get('config');
      const id = resolveId(input.userId, 'userId');
      const email = input.email.toLowerCase();
      assertPasswordPolicy(
        input.password,
        { dictionary: config.passwordDictionary, personalData: config.passwordPersonalData },
        { id, email, name: input.name },
      );
      const taken = await drizzle(c.env.DB).select({ id: identities.id }).from(identities).where(eq(identities.providerEmail, email)).limit(1);
      // Appwrite answers a generic bad request here so the route does not reveal OAuth accounts.
      if (taken[0]) throw new ApiError('general_bad_request');
      const user = await createUser(
        c.env.DB,
        { id, email, name: input.name ?? '', password: await hashPassword(input.password) },
        [logStatement(c.env.DB, { userId: id, event: 'user.create', ...requestMeta(c.req.raw.headers) })],
      );
      emit(c, [`users.${user.id}.create`], accountModel(user), user.id);
      return c.json(accountModel(user), 201);
    },
  )
  .get('/', requireScope('account'), async (c) => c.json(accountModel((await currentUser(c)).user)))
  .get('/prefs', requireScope('account'), async (c) => c.json((await currentUser(c)).user.prefs))
  .patch('/prefs', requireScope('account'), body(z.object({ prefs: prefsParam })), async (c) => {
    const { user } = await currentUser(c);
    return c.json(accountModel(await changeUser(c, user, { prefs: c.req.valid('json').prefs }, 'update.prefs')));
  })
  .patch('/name', requireScope('account'), body(z.object({ name: nameParam })), async (c) => {
    const { user } = await currentUser(c);
    return c.json(accountModel(await changeUser(c, user, { name: c.req.valid('json').name }, 'update.name')));
  })
  .patch('/email', requireScope('account'), body(z.object({ email: emailParam, password: passwordParam })), async (c) => {
    const { user } = await currentUser(c);
    const input = c.req.valid('json');
    const patch: UserPatch = { ...(await confirmPassword(user, input.password)), email: input.email.toLowerCase(), emailVerification: false };
    const taken = await drizzle(c.env.DB)
      .select({ id: identities.id })
      .from(identities)
      .where(and(eq(identities.providerEmail, input.email.toLowerCase()), ne(identities.userId, user.id)))
      .limit(1);
    if (taken[0]) throw new ApiError('general_bad_request');
    return c.json(accountModel(await changeUser(c, user, patch, 'update.email')));
  })
  .patch('/phone', requireScope('account'), body(z.object({ phone: phoneParam, password: passwordParam })), async (c) => {
    const { user } = await currentUser(c);
    const input = c.req.valid('json');
    const patch: UserPatch = { ...(await confirmPassword(user, input.password)), phone: input.phone, phoneVerification: false };
    return c.json(accountModel(await changeUser(c, user, patch, 'update.phone')));
  })
  .patch(
    '/password',
    requireScope('account'),
    body(z.object({ password: z.string(), oldPassword: z.string().max(256).optional() })),
    rateLimit({ limit: 10 }),
    async (c) => {
      const { principal, user } = await currentUser(c);
      const input = c.req.valid('json');
      const config = c.get('config');
      assertPasswordPolicy(input.password, { dictionary: config.passwordDictionary, personalData: false });
      if (user.passwordUpdate && !(await verifyPassword(input.oldPassword ?? '', user)).ok) throw new ApiError('user_invalid_credentials');
      if (config.passwordPersonalData) assertPasswordPolicy(input.password, { dictionary: false, personalData: true }, user);
      const patch: UserPatch = { ...(await hashPassword(input.password)), passwordUpdate: nowDate() };
      // A new password ends every other session: whoever knew the old one is signed out.
      const updated = await changeUser(c, user, patch, 'update.password', [deleteSessionsStatement(c.env.DB, user.id, principal.sessionId)]);
      return c.json(accountModel(updated));
    },
  )
  .patch('/status', requireScope('account'), async (c) => {
    const { user } = await currentUser(c);
    const updated = await changeUser(c, user, { status: false }, 'update.status', [deleteSessionsStatement(c.env.DB, user.id)]);
    clearSessionCookies(c);
    return c.json(accountModel(updated));
  })
  .get('/identities', requireScope('account'), query(listParams), async (c) => {
    const { user } = await currentUser(c);
    return c.json(await listIdentities(c.env.DB, c.req.valid('query'), user.id));
  })
  .delete('/identities/:identityId', requireScope('account'), async (c) => {
    const { user } = await currentUser(c);
    const rows = await drizzle(c.env.DB)
      .delete(identities)
      .where(and(eq(identities.id, c.req.param('identityId')), eq(identities.userId, user.id)))
      .returning();
    if (!rows[0]) throw new ApiError('user_identity_not_found');
    emit(c, [`users.${user.id}.identities.${rows[0].id}.delete`], { $id: rows[0].id, userId: user.id, provider: rows[0].provider }, user.id);
    return c.body(null, 204);
  })
  .get('/logs', requireScope('account'), query(listParams), async (c) => {
    const { user } = await currentUser(c);
    const { total, rows } = await listLogs(c.env.DB, user.id, c.req.valid('query'));
    return c.json({ total, logs: rows.map((r) => logModel(r, user)) });
  });
