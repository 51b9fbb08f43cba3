import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { identities } from '../db/schema';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { assertPasswordPolicy, hashPassword } from '../lib/password';
import { nowDate } from '../lib/time';
import { boolParam, customIdParam, emailParam, secretParam } from '../lib/validator';
import { body } from '../http/body';
import { redirectParam } from '../middleware/cors';
import { requireScope } from '../middleware/principal';
import { rateLimit } from '../middleware/rate-limit';
import { bodyField, clientIp, requestMeta } from '../http/request';
import { magicUrlMail, otpMail, recoveryMail, verificationMail } from '../mail/templates';
import { createUser, findUser, findUserByEmail, updateUser, userModel, type UserRow } from '../identity/users';
import { logStatement } from '../identity/logs';
import { withQuery } from '../http/redirects';
import { currentUser, isKeyCaller } from '../identity/issue';
import { emit, sendMail } from './respond';
import { deleteSessionsStatement } from '../identity/sessions';
import { consumeToken, createToken, securityPhrase, tokenModel, type TokenRow } from '../identity/tokens';

type C = Context<AppEnv>;

/** Appwrite keys these limits by the route and the email, and separately by the route and the IP. */
const perEmailAndIp = (route: string, limit: number) => [
  rateLimit({ limit, key: async (c) => `url:${route},email:${await bodyField(c.req, 'email')}` }),
  rateLimit({ limit, key: (c) => `url:${route},ip:${clientIp(c.req.raw.headers)}` }),
] as const;

const perUserParam = (route: string) => rateLimit({ limit: 10, key: async (c) => `url:${route},userId:${await bodyField(c.req, 'userId')}` });

/** Token responses carry the secret only for API keys (Appwrite marks it sensitive). */
function tokenResponse(c: C, row: TokenRow, secret: string, status: 200 | 201) {
  return c.json(tokenModel(row, isKeyCaller(c) ? secret : ''), status);
}

/**
 * The account for a passwordless sign-in: the one with this email, or a new one (without a
 * password) under the requested id. An email already tied to an OAuth identity is refused without
 * saying so (Appwrite's generic bad request).
 */
async function passwordlessUser(c: C, userId: string, email: string): Promise<UserRow> {
  const existing = await findUserByEmail(c.env.DB, email);
  if (existing) return existing;
  const linked = await drizzle(c.env.DB).select({ id: identities.id }).from(identities).where(eq(identities.providerEmail, email)).limit(1);
  if (linked[0]) throw new ApiError('general_bad_request');
  const id = resolveId(userId, 'userId');
  const user = await createUser(c.env.DB, { id, email }, [logStatement(c.env.DB, { userId: id, event: 'user.create', ...requestMeta(c.req.raw.headers) })]);
  emit(c, [`users.${user.id}.create`], userModel(user), user.id);
  return user;
}

const magicUrlInput = body(z.object({ userId: customIdParam, email: emailParam, url: z.string().max(2048).optional(), phrase: boolParam.optional() }));
const magicUrlLimits = perEmailAndIp('/account/tokens/magic-url', 60);

async function magicUrlToken(c: C, input: { userId: string; email: string; url?: string; phrase?: boolean }) {
  const config = c.get('config');
  const target = input.url ? redirectParam('url', input.url, config) : new URL('/auth/magic-url', c.req.url);
  const user = await passwordlessUser(c, input.userId, input.email.toLowerCase());
  const phrase = input.phrase ? securityPhrase() : '';
  const { row, secret } = await createToken(c.env.DB, { userId: user.id, type: 'magic-url', phrase, ...requestMeta(c.req.raw.headers) });
  const url = withQuery(target.toString(), { userId: user.id, secret, expire: row.expire, project: config.projectId });
  await sendMail(c, magicUrlMail({ to: user.email ?? input.email, name: user.name, project: config.projectName, url, phrase }));
  return tokenResponse(c, row, secret, 201);
}

export const tokenRoutes = new Hono<AppEnv>()
  .post(
    '/tokens/email',
    requireScope('sessions.write'),
    body(z.object({ userId: customIdParam, email: emailParam, phrase: boolParam.optional() })),
    ...perEmailAndIp('/account/tokens/email', 10),
    async (c) => {
      const input = c.req.valid('json');
      const user = await passwordlessUser(c, input.userId, input.email.toLowerCase());
      const phrase = input.phrase ? securityPhrase() : '';
      const { row, secret } = await createToken(c.env.DB, { userId: user.id, type: 'email', phrase, ...requestMeta(c.req.raw.headers) });
      const project = c.get('config').projectName;
      await sendMail(c, otpMail({ to: user.email ?? input.email, name: user.name, project, code: secret, phrase }));
      return tokenResponse(c, row, secret, 201);
    },
  )
  .post('/tokens/magic-url', requireScope('sessions.write'), magicUrlInput, ...magicUrlLimits, (c) => magicUrlToken(c, c.req.valid('json')))
  // The pre-1.5 path of the same call.
  .post('/sessions/magic-url', requireScope('sessions.write'), magicUrlInput, ...magicUrlLimits, (c) => magicUrlToken(c, c.req.valid('json')))
  .post(
    '/recovery',
    requireScope('sessions.write'),
    body(z.object({ email: emailParam, url: z.string().max(2048) })),
    ...perEmailAndIp('/account/recovery', 10),
    async (c) => {
      const input = c.req.valid('json');
      const target = redirectParam('url', input.url, c.get('config'));
      const user = await findUserByEmail(c.env.DB, input.email);
      if (!user) throw new ApiError('user_not_found');
      if (!user.status) throw new ApiError('user_blocked');
      const { row, secret } = await createToken(c.env.DB, { userId: user.id, type: 'recovery', ...requestMeta(c.req.raw.headers) });
      const url = withQuery(target.toString(), { userId: user.id, secret, expire: row.expire });
      await sendMail(c, recoveryMail({ to: user.email ?? input.email, name: user.name, project: c.get('config').projectName, url }));
      emit(c, [`users.${user.id}.recovery.${row.id}.create`], tokenModel(row), user.id);
      return tokenResponse(c, row, secret, 201);
    },
  )
  .put(
    '/recovery',
    requireScope('sessions.write'),
    body(z.object({ userId: customIdParam, secret: secretParam, password: z.string() })),
    perUserParam('/account/recovery'),
    async (c) => {
      const input = c.req.valid('json');
      assertPasswordPolicy(input.password, { dictionary: c.get('config').passwordDictionary, personalData: false });
      const user = await findUser(c.env.DB, input.userId);
      if (!user) throw new ApiError('user_not_found');
      const token = await consumeToken(c.env.DB, user.id, input.secret, ['recovery']);
      // Whoever held a session may have been the reason for the reset: all sessions end.
      await updateUser(
        c.env.DB,
        user.id,
        { ...(await hashPassword(input.password)), passwordUpdate: nowDate(), emailVerification: true },
        [deleteSessionsStatement(c.env.DB, user.id), logStatement(c.env.DB, { userId: user.id, event: 'recovery.update', ...requestMeta(c.req.raw.headers) })],
      );
      emit(c, [`users.${user.id}.recovery.${token.id}.update`], tokenModel(token), user.id);
      return c.json(tokenModel(token));
    },
  );

/** Email verification (scope `account` to ask, `public` to confirm, as in Appwrite); `/verification` is the legacy alias. */
const verificationCreate = [
  requireScope('account'),
  body(z.object({ url: z.string().max(2048) })),
  rateLimit({ limit: 10, key: (c) => `url:/account/verifications/email,userId:${(c.get('principal') as { userId?: string }).userId ?? ''}` }),
] as const;

async function createVerification(c: C, url: string) {
  const { user } = await currentUser(c);
  const target = redirectParam('url', url, c.get('config'));
  if (!user.email) throw new ApiError('user_email_not_found');
  if (user.emailVerification) throw new ApiError('user_email_already_verified');
  const { row, secret } = await createToken(c.env.DB, { userId: user.id, type: 'verification', ...requestMeta(c.req.raw.headers) });
  const link = withQuery(target.toString(), { userId: user.id, secret, expire: row.expire });
  await sendMail(c, verificationMail({ to: user.email, name: user.name, project: c.get('config').projectName, url: link }));
  emit(c, [`users.${user.id}.verification.${row.id}.create`], tokenModel(row), user.id);
  return tokenResponse(c, row, secret, 201);
}

const verificationConfirm = [
  requireScope('public'),
  body(z.object({ userId: customIdParam, secret: secretParam })),
  perUserParam('/account/verifications/email'),
] as const;

async function confirmVerification(c: C, input: { userId: string; secret: string }) {
  const user = await findUser(c.env.DB, input.userId);
  if (!user) throw new ApiError('user_not_found');
  const token = await consumeToken(c.env.DB, user.id, input.secret, ['verification']);
  await updateUser(c.env.DB, user.id, { emailVerification: true }, [
    logStatement(c.env.DB, { userId: user.id, event: 'verification.update', ...requestMeta(c.req.raw.headers) }),
  ]);
  emit(c, [`users.${user.id}.verification.${token.id}.update`], tokenModel(token), user.id);
  return c.json(tokenModel(token));
}

export const verificationRoutes = new Hono<AppEnv>()
  .post('/verifications/email', ...verificationCreate, (c) => createVerification(c, c.req.valid('json').url))
  .post('/verification', ...verificationCreate, (c) => createVerification(c, c.req.valid('json').url))
  .put('/verifications/email', ...verificationConfirm, (c) => confirmVerification(c, c.req.valid('json')))
  .put('/verification', ...verificationConfirm, (c) => confirmVerification(c, c.req.valid('json')));
