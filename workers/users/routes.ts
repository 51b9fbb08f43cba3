import { Hono, type Context } from 'hono';
import { drizzle } from 'drizzle-orm/d1';
import { eq, and, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { identities } from '../db/schema';
import { randomSecret } from '../lib/crypto';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { assertPasswordPolicy, hashPassword } from '../lib/password';
import type { ImportedHash } from '../lib/password/imported';
import { SHA_VERSIONS } from '../lib/password/imported';
import { nowDate } from '../lib/time';
import { boolParam, customIdParam, emailParam, intParam, listParams, nameParam, phoneParam } from '../lib/validator';
import { body, query } from '../http/body';
import { requireScope } from '../middleware/principal';
import { encodeSessionValue } from '../identity/cookies';
import { requestMeta } from '../http/request';
import { JWT_DEFAULT_DURATION, signJwt } from '../identity/jwt';
import { listLogs, logModel } from '../identity/logs';
import { createSession, deleteSession, deleteSessions, findLiveSession, listSessions, sessionModel } from '../identity/sessions';
import { tokenModel, tokenStatement } from '../identity/tokens';
import { publishAfterCommit } from '../events/publish';
import { userEvent } from '../identity/events';
import { importedPassword, type ImportParams } from './imports';
import { deleteIdentity, identityModel, listIdentities } from '../identity/identities';
import { listUserMemberships, listUsers } from './related';
import { createUser, deleteUser, getUser, updateUser, userModel, type NewUser, type UserPatch, type UserRow } from '../identity/users';

/**
 * `/v1/users`: the Users admin API (API keys with `users.read` / `users.write`). Responses show
 * `password`, `hash` and `hashOptions`, as Appwrite shows them to keys; events carry the model
 * without them. Events are published only after the write has committed.
 */
type C = Context<AppEnv>;

/** Appwrite's Password validator for an already-hashed import: 8..256 characters. */
const hashParam = z.string().min(8).max(256);
/** Appwrite's label rule: alphanumeric, 1..36 characters, at most 1000 labels. */
const labelsParam = z.array(z.string().regex(/^[A-Za-z0-9]{1,36}$/, 'Labels must be 1-36 alphanumeric characters')).max(1000);

const full = (row: UserRow) => userModel(row, { secrets: true });
const visible = (row: UserRow) => userModel(row);

function emitUser(c: C, name: string, row: UserRow) {
  publishAfterCommit(c, [userEvent(`users.${row.id}.${name}`, row.id, visible(row))]);
}

/** Appwrite refuses an email that an OAuth identity of another user already claims. */
async function assertEmailFree(db: D1Database, email: string | null | undefined, exceptUserId?: string) {
  if (!email) return;
  const where = exceptUserId
    ? and(eq(identities.providerEmail, email.toLowerCase()), ne(identities.userId, exceptUserId))
    : eq(identities.providerEmail, email.toLowerCase());
  const taken = await drizzle(db).select({ id: identities.id }).from(identities).where(where).limit(1);
  if (taken.length) throw new ApiError('user_email_already_exists');
}

async function create(c: C, input: NewUser) {
  await assertEmailFree(c.env.DB, input.email);
  const row = await createUser(c.env.DB, input);
  emitUser(c, 'create', row);
  return c.json(full(row), 201);
}

async function update(c: C, patch: UserPatch, event: string) {
  const row = await updateUser(c.env.DB, c.req.param('userId')!, patch);
  emitUser(c, event, row);
  return row;
}

type ImportBody = { userId: string; email: string; password: string; name?: string } & ImportParams;

/** One `POST /users/<algorithm>` route per importable hash. */
function importRoute(algorithm: ImportedHash, extra: z.ZodRawShape = {}) {
  return [
    requireScope('users.write'),
    body(z.object({ userId: z.string(), email: emailParam, password: hashParam, name: nameParam.optional(), ...extra })),
    async (c: C) => {
      // Typed by hand: the validator above is built per algorithm, so Hono cannot infer it here.
      const input = (c.req as unknown as { valid(target: 'json'): ImportBody }).valid('json');
      const password = importedPassword(algorithm, input.password, input);
      return create(c, { id: resolveId(input.userId, 'userId'), email: input.email, name: input.name ?? '', password });
    },
  ] as const;
}

const scryptCost = intParam.pipe(z.number().int().min(1).max(2 ** 30));

export const usersRoutes = new Hono<AppEnv>()
  .get('/', requireScope('users.read'), query(listParams), async (c) => {
    const { total, rows } = await listUsers(c.env.DB, c.req.valid('query'));
    return c.json({ total, users: rows.map(full) });
  })
  .post(
    '/',
    requireScope('users.write'),
    body(
      z.object({
        userId: z.string(),
        email: emailParam.nullish(),
        phone: phoneParam.nullish(),
        password: z.string().nullish(),
        name: nameParam.nullish(),
      }),
    ),
    async (c) => {
      const input = c.req.valid('json');
      const id = resolveId(input.userId, 'userId');
      let password = null;
      if (input.password) {
        const config = c.get('config');
        assertPasswordPolicy(
          input.password,
          { dictionary: config.passwordDictionary, personalData: config.passwordPersonalData },
          { id, email: input.email, name: input.name, phone: input.phone },
        );
        password = await hashPassword(input.password);
      }
      return create(c, { id, email: input.email, phone: input.phone, name: input.name ?? '', password });
    },
  )
  .post('/argon2', ...importRoute('argon2'))
  .post('/bcrypt', ...importRoute('bcrypt'))
  .post('/md5', ...importRoute('md5'))
  .post('/phpass', ...importRoute('phpass'))
  .post('/sha', ...importRoute('sha', { passwordVersion: z.enum(SHA_VERSIONS as [string, ...string[]]).optional() }))
  .post(
    '/scrypt',
    ...importRoute('scrypt', {
      passwordSalt: z.string().min(1).max(128),
      passwordCpu: scryptCost.optional(),
      passwordMemory: scryptCost.optional(),
      passwordParallel: scryptCost.optional(),
      passwordLength: scryptCost.optional(),
    }),
  )
  .post(
    '/scrypt-modified',
    ...importRoute('scryptMod', {
      passwordSalt: z.string().min(1).max(128),
      passwordSaltSeparator: z.string().max(128),
      passwordSignerKey: z.string().min(1).max(128),
    }),
  )
  .get('/identities', requireScope('users.read'), query(listParams), async (c) => {
    return c.json(await listIdentities(c.env.DB, c.req.valid('query')));
  })
  .delete('/identities/:identityId', requireScope('users.write'), async (c) => {
    const row = await deleteIdentity(c.env.DB, c.req.param('identityId'));
    publishAfterCommit(c, [userEvent(`users.${row.userId}.identities.${row.id}.delete`, row.userId, identityModel(row))]);
    return c.body(null, 204);
  })
  .get('/:userId', requireScope('users.read'), async (c) => c.json(full(await getUser(c.env.DB, c.req.param('userId')))))
  .delete('/:userId', requireScope('users.write'), async (c) => {
    const row = await deleteUser(c.env.DB, c.req.param('userId'));
    emitUser(c, 'delete', row);
    return c.body(null, 204);
  })
  .patch('/:userId/name', requireScope('users.write'), body(z.object({ name: nameParam })), async (c) =>
    c.json(full(await update(c, { name: c.req.valid('json').name }, 'update.name'))),
  )
  .patch('/:userId/email', requireScope('users.write'), body(z.object({ email: z.union([z.literal(''), emailParam]) })), async (c) => {
    const email = c.req.valid('json').email.toLowerCase();
    await getUser(c.env.DB, c.req.param('userId'));
    await assertEmailFree(c.env.DB, email, c.req.param('userId'));
    return c.json(full(await update(c, { email: email || null, emailVerification: false }, 'update.email')));
  })
  .patch('/:userId/phone', requireScope('users.write'), body(z.object({ number: z.union([z.literal(''), phoneParam]) })), async (c) => {
    const phone = c.req.valid('json').number;
    return c.json(full(await update(c, { phone: phone || null, phoneVerification: false }, 'update.phone')));
  })
  .patch('/:userId/password', requireScope('users.write'), body(z.object({ password: z.string() })), async (c) => {
    const { password } = c.req.valid('json');
    const user = await getUser(c.env.DB, c.req.param('userId'));
    if (password === '') {
      // Appwrite's way to remove a password: the account can no longer sign in with one.
      return c.json(full(await update(c, { password: null, passwordUpdate: nowDate() }, 'update.password')));
    }
    const config = c.get('config');
    assertPasswordPolicy(
      password,
      { dictionary: config.passwordDictionary, personalData: config.passwordPersonalData },
      { id: user.id, email: user.email, name: user.name, phone: user.phone },
    );
    const stored = await hashPassword(password);
    return c.json(full(await update(c, { ...stored, passwordUpdate: nowDate() }, 'update.password')));
  })
  .patch('/:userId/status', requireScope('users.write'), body(z.object({ status: boolParam })), async (c) =>
    c.json(full(await update(c, { status: c.req.valid('json').status }, 'update.status'))),
  )
  .put('/:userId/labels', requireScope('users.write'), body(z.object({ labels: labelsParam })), async (c) =>
    c.json(full(await update(c, { labels: [...new Set(c.req.valid('json').labels)] }, 'update.labels'))),
  )
  .patch('/:userId/verification', requireScope('users.write'), body(z.object({ emailVerification: boolParam })), async (c) =>
    c.json(full(await update(c, { emailVerification: c.req.valid('json').emailVerification }, 'update.verification'))),
  )
  .patch('/:userId/verification/phone', requireScope('users.write'), body(z.object({ phoneVerification: boolParam })), async (c) =>
    c.json(full(await update(c, { phoneVerification: c.req.valid('json').phoneVerification }, 'update.verification'))),
  )
  .get('/:userId/prefs', requireScope('users.read'), async (c) => c.json((await getUser(c.env.DB, c.req.param('userId'))).prefs))
  .patch(
    '/:userId/prefs',
    requireScope('users.write'),
    body(
      z.object({
        prefs: z
          .record(z.string(), z.unknown())
          .refine((p) => JSON.stringify(p).length <= 65_535, 'Preferences must be at most 65535 characters as JSON'),
      }),
    ),
    async (c) => c.json((await update(c, { prefs: c.req.valid('json').prefs }, 'update.prefs')).prefs),
  )
  .get('/:userId/sessions', requireScope('users.read'), query(z.object({ total: boolParam.optional() })), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const rows = await listSessions(c.env.DB, user.id);
    const total = c.req.valid('query').total === false ? 0 : rows.length;
    return c.json({ total, sessions: rows.map((r) => sessionModel(r, { current: false })) });
  })
  .post('/:userId/sessions', requireScope('users.write'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const config = c.get('config');
    const { row, secret } = await createSession(
      c.env.DB,
      { userId: user.id, provider: 'server', factors: ['server'], duration: config.sessionDuration, ...requestMeta(c.req.raw.headers) },
      config.sessionLimit,
    );
    publishAfterCommit(c, [userEvent(`users.${user.id}.sessions.${row.id}.create`, user.id, sessionModel(row, { current: false }))]);
    // The caller is an API key: it gets the cookie value, for server-side rendering (`setSession`).
    return c.json(sessionModel(row, { current: false, secret: encodeSessionValue({ id: user.id, secret }) }), 201);
  })
  .delete('/:userId/sessions', requireScope('users.write'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const deleted = await deleteSessions(c.env.DB, user.id);
    publishAfterCommit(c, deleted.map((s) => userEvent(`users.${user.id}.sessions.${s.id}.delete`, user.id, sessionModel(s, { current: false }))),
    );
    return c.body(null, 204);
  })
  .delete('/:userId/sessions/:sessionId', requireScope('users.write'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const row = await deleteSession(c.env.DB, user.id, c.req.param('sessionId'));
    publishAfterCommit(c, [userEvent(`users.${user.id}.sessions.${row.id}.delete`, user.id, sessionModel(row, { current: false }))]);
    return c.body(null, 204);
  })
  .post(
    '/:userId/tokens',
    requireScope('users.write'),
    body(
      z
        .object({
          length: intParam.pipe(z.number().min(4).max(128)).optional(),
          expire: intParam.pipe(z.number().min(60).max(31_536_000)).optional(),
        })
        .optional()
        .default({}),
    ),
    async (c) => {
      const user = await getUser(c.env.DB, c.req.param('userId'));
      const input = c.req.valid('json');
      const length = input.length ?? 6;
      const { row, secret, statement } = await tokenStatement(c.env.DB, {
        userId: user.id,
        type: 'generic',
        secret: randomSecret(Math.ceil(length / 2)).slice(0, length),
        expire: input.expire ?? 900,
        ...requestMeta(c.req.raw.headers),
      });
      await statement;
      publishAfterCommit(c, [userEvent(`users.${user.id}.tokens.${row.id}.create`, user.id, tokenModel(row))]);
      return c.json(tokenModel(row, secret), 201);
    },
  )
  .post(
    '/:userId/jwts',
    requireScope('users.write'),
    body(
      z
        .object({ sessionId: customIdParam.optional(), duration: intParam.pipe(z.number().min(0).max(3600)).optional() })
        .optional()
        .default({}),
    ),
    async (c) => {
      const user = await getUser(c.env.DB, c.req.param('userId'));
      const input = c.req.valid('json');
      const wanted = input.sessionId ?? 'recent';
      const session =
        wanted === 'recent' ? (await listSessions(c.env.DB, user.id)).at(-1) : await findLiveSession(c.env.DB, user.id, wanted);
      // Ledge JWTs always name a live session (they die with it), so a user without one gets none.
      if (!session) throw new ApiError('user_session_not_found');
      const jwt = await signJwt(c.env, { userId: user.id, sessionId: session.id }, input.duration ?? JWT_DEFAULT_DURATION);
      return c.json({ jwt }, 201);
    },
  )
  .get('/:userId/logs', requireScope('users.read'), query(listParams), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const { total, rows } = await listLogs(c.env.DB, user.id, c.req.valid('query'));
    return c.json({ total, logs: rows.map((r) => logModel(r, user)) });
  })
  .get('/:userId/memberships', requireScope('users.read'), query(listParams), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    return c.json(await listUserMemberships(c.env.DB, user, c.req.valid('query')));
  });
