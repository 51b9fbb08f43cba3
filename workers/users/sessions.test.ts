import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, createUserByKey, errorOf, getUserByKey, rootKey, type ApiUser as User } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';

const json = (value: unknown) => JSON.stringify(value);
let ipCounter = 1;
const freshIp = () => `10.9.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;

const createUser = createUserByKey;
const getUser = getUserByKey;

/** Signs in as a browser would (a guest, its own IP so rate limits don't interfere). */
function signIn(email: string, password: string) {
  return call('/v1/account/sessions/email', { method: 'POST', body: json({ email, password }), headers: { 'CF-Connecting-IP': freshIp() } });
}

const asSession = (value: string) => ({ headers: { 'X-Appwrite-Session': value } });

describe('importing users with foreign password hashes', () => {
  // Published vectors (see workers/lib/password/imported.test.ts for their sources).
  const imports: { path: string; password: string; body: Record<string, unknown>; hash: string }[] = [
    { path: 'argon2', password: 'password', hash: 'argon2', body: { password: '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4' } },
    { path: 'bcrypt', password: 'abcdefghijklmnopqrstuvwxyz', hash: 'bcrypt', body: { password: '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC' } },
    { path: 'md5', password: 'message digest', hash: 'md5', body: { password: 'f96b697d7cb7938d525a2f31aaf161d0' } },
    {
      path: 'sha',
      password: 'abcdefgh',
      hash: 'sha',
      // SHA-256("abcdefgh"), checked against Node's OpenSSL.
      body: { password: '9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab', passwordVersion: 'sha256' },
    },
    { path: 'phpass', password: 'test12345', hash: 'phpass', body: { password: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' } },
    {
      path: 'scrypt',
      password: 'password',
      hash: 'scrypt',
      body: {
        password: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
        passwordSalt: 'NaCl',
        passwordCpu: 1024,
        passwordMemory: 8,
        passwordParallel: 16,
        passwordLength: 64,
      },
    },
    {
      path: 'scrypt-modified',
      password: 'user1password',
      hash: 'scryptMod',
      body: {
        password: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
        passwordSalt: '42xEC+ixf3L2lw==',
        passwordSaltSeparator: 'Bw==',
        passwordSignerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
      },
    },
  ];

  it.each(imports)('$path: stored as given, refused with a wrong password, rehashed natively on sign-in', async ({ path, password, body, hash }) => {
    const id = uniqueId();
    const email = `${id}@example.com`;
    const res = await call(`/v1/users/${path}`, { method: 'POST', key: rootKey(), body: json({ userId: id, email, name: 'Imported', ...body }) });
    expect(res.status).toBe(201);
    const created = (await res.json()) as User;
    expect(created).toMatchObject({ $id: id, hash, password: body.password });
    expect((created.hashOptions as { type: string }).type).toBe(hash);

    const wrong = await errorOf(await signIn(email, `${password}!`));
    expect(wrong).toMatchObject({ status: 401, type: 'user_invalid_credentials' });
    expect((await getUser(id)).hash).toBe(hash);

    const ok = await signIn(email, password);
    expect(ok.status).toBe(201);
    const after = await getUser(id);
    expect(after.hash).toBe('pbkdf2');
    expect(after.password).toMatch(/^\$pbkdf2-sha256\$/);
    // The native hash works from now on.
    expect((await signIn(email, password)).status).toBe(201);
  });

  it('refuses hashes Ledge could never verify, creating nothing', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['argon2', { password: '$argon2id$v=19$m=1048576,t=2,p=1$c29tZXNhbHQ$0Vh6ygkiw7XWqD7asxvuPE667zQu1hJ6VdGbI1GtH0E' }],
      ['bcrypt', { password: 'plainly not bcrypt' }],
      ['md5', { password: 'f96b697d7cb7938d525a2f31aaf161d' }],
      ['sha', { password: '9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab', passwordVersion: 'sha999' }],
      ['phpass', { password: '$X$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' }],
      ['scrypt', { password: 'ab'.repeat(64), passwordSalt: 'NaCl', passwordCpu: 1000 }],
      ['scrypt', { password: 'ab'.repeat(64), passwordSalt: 'NaCl', passwordCpu: 2 ** 20, passwordMemory: 8 }],
      ['scrypt-modified', { password: 'c2hvcnQ=', passwordSalt: 'c2FsdA==', passwordSaltSeparator: 'Bw==', passwordSignerKey: 'a2V5a2V5a2V5' }],
      ['md5', { password: 'short' }],
    ];
    for (const [path, body] of cases) {
      const id = uniqueId();
      const err = await errorOf(await call(`/v1/users/${path}`, { method: 'POST', key: rootKey(), body: json({ userId: id, email: `${id}@example.com`, ...body }) }));
      expect(err, `${path} ${JSON.stringify(body)}`).toMatchObject({ status: 400, type: 'general_argument_invalid' });
      expect((await errorOf(await call(`/v1/users/${id}`, { key: rootKey() }))).type).toBe('user_not_found');
    }
  });

  it('refuses an import whose email is taken with user_already_exists', async () => {
    const existing = await createUser();
    const err = await errorOf(
      await call('/v1/users/md5', { method: 'POST', key: rootKey(), body: json({ userId: uniqueId(), email: existing.email, password: 'f96b697d7cb7938d525a2f31aaf161d0' }) }),
    );
    expect(err).toMatchObject({ status: 409, type: 'user_already_exists' });
  });
});

describe('sessions of a user', () => {
  it('creates an SSR session whose secret works as X-Appwrite-Session, lists and deletes it', async () => {
    const user = await createUser();
    const res = await call(`/v1/users/${user.$id}/sessions`, { method: 'POST', key: rootKey() });
    expect(res.status).toBe(201);
    const session = (await res.json()) as { $id: string; secret: string; provider: string; userId: string; factors: string[] };
    expect(session).toMatchObject({ userId: user.$id, provider: 'server', factors: ['server'] });
    expect(JSON.parse(atob(session.secret))).toMatchObject({ id: user.$id });

    const me = await call('/v1/account', asSession(session.secret));
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ $id: user.$id });

    const list = (await (await call(`/v1/users/${user.$id}/sessions`, { key: rootKey() })).json()) as { total: number; sessions: { $id: string; secret: string }[] };
    expect(list.total).toBe(1);
    expect(list.sessions[0]).toMatchObject({ $id: session.$id, secret: '' });

    expect((await call(`/v1/users/${user.$id}/sessions/${session.$id}`, { method: 'DELETE', key: rootKey() })).status).toBe(204);
    expect((await call('/v1/account', asSession(session.secret))).status).toBe(401);
    const again = await errorOf(await call(`/v1/users/${user.$id}/sessions/${session.$id}`, { method: 'DELETE', key: rootKey() }));
    expect(again).toMatchObject({ status: 404, type: 'user_session_not_found' });
  });

  it("won't delete another user's session through this user", async () => {
    const a = await createUser();
    const b = await createUser();
    const s = (await (await call(`/v1/users/${a.$id}/sessions`, { method: 'POST', key: rootKey() })).json()) as { $id: string; secret: string };
    const err = await errorOf(await call(`/v1/users/${b.$id}/sessions/${s.$id}`, { method: 'DELETE', key: rootKey() }));
    expect(err).toMatchObject({ status: 404, type: 'user_session_not_found' });
    expect((await call('/v1/account', asSession(s.secret))).status).toBe(200);
  });

  it('deletes all sessions of a user', async () => {
    const user = await createUser();
    const secrets: string[] = [];
    for (let i = 0; i < 2; i++) secrets.push(((await (await call(`/v1/users/${user.$id}/sessions`, { method: 'POST', key: rootKey() })).json()) as { secret: string }).secret);
    expect((await call(`/v1/users/${user.$id}/sessions`, { method: 'DELETE', key: rootKey() })).status).toBe(204);
    for (const s of secrets) expect((await call('/v1/account', asSession(s))).status).toBe(401);
    const list = (await (await call(`/v1/users/${user.$id}/sessions?total=false`, { key: rootKey() })).json()) as { total: number; sessions: unknown[] };
    expect(list).toEqual({ total: 0, sessions: [] });
  });
});

describe('tokens and JWTs for a user', () => {
  it('creates a generic token that signs in once through /account/sessions/token', async () => {
    const user = await createUser();
    const res = await call(`/v1/users/${user.$id}/tokens`, { method: 'POST', key: rootKey(), body: json({ length: 10, expire: 120 }) });
    expect(res.status).toBe(201);
    const token = (await res.json()) as { userId: string; secret: string; expire: string };
    expect(token.userId).toBe(user.$id);
    expect(token.secret).toMatch(/^[0-9a-f]{10}$/);
    expect(Date.parse(token.expire) - Date.now()).toBeGreaterThan(100_000);

    const exchange = () =>
      call('/v1/account/sessions/token', { method: 'POST', body: json({ userId: user.$id, secret: token.secret }), headers: { 'CF-Connecting-IP': freshIp() } });
    expect((await exchange()).status).toBe(201);
    expect((await errorOf(await exchange())).type).toBe('user_invalid_token');

    const short = (await (await call(`/v1/users/${user.$id}/tokens`, { method: 'POST', key: rootKey(), body: json({}) })).json()) as { secret: string };
    expect(short.secret).toMatch(/^[0-9a-f]{6}$/);
    for (const body of [{ length: 3 }, { length: 129 }, { expire: 59 }]) {
      const err = await errorOf(await call(`/v1/users/${user.$id}/tokens`, { method: 'POST', key: rootKey(), body: json(body) }));
      expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
  });

  it('issues a JWT for the most recent or a named session; none without a session', async () => {
    const user = await createUser();
    const none = await errorOf(await call(`/v1/users/${user.$id}/jwts`, { method: 'POST', key: rootKey(), body: json({}) }));
    expect(none).toMatchObject({ status: 404, type: 'user_session_not_found' });

    const first = (await (await call(`/v1/users/${user.$id}/sessions`, { method: 'POST', key: rootKey() })).json()) as { $id: string };
    const second = (await (await call(`/v1/users/${user.$id}/sessions`, { method: 'POST', key: rootKey() })).json()) as { $id: string };

    const recent = await call(`/v1/users/${user.$id}/jwts`, { method: 'POST', key: rootKey(), body: json({ duration: 60 }) });
    expect(recent.status).toBe(201);
    const { jwt } = (await recent.json()) as { jwt: string };
    const claims = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    expect(claims).toMatchObject({ userId: user.$id, sessionId: second.$id });
    expect(claims.exp - claims.iat).toBe(60);
    const me = await call('/v1/account', { headers: { 'X-Appwrite-JWT': jwt } });
    expect(await me.json()).toMatchObject({ $id: user.$id });

    const named = (await (await call(`/v1/users/${user.$id}/jwts`, { method: 'POST', key: rootKey(), body: json({ sessionId: first.$id }) })).json()) as { jwt: string };
    expect(JSON.parse(atob(named.jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sessionId).toBe(first.$id);

    const unknown = await errorOf(await call(`/v1/users/${user.$id}/jwts`, { method: 'POST', key: rootKey(), body: json({ sessionId: 'nope' }) }));
    expect(unknown).toMatchObject({ status: 404, type: 'user_session_not_found' });
    const tooLong = await errorOf(await call(`/v1/users/${user.$id}/jwts`, { method: 'POST', key: rootKey(), body: json({ duration: 3601 }) }));
    expect(tooLong).toMatchObject({ status: 400, type: 'general_argument_invalid' });
  });
});

describe('logs, memberships and identities', () => {
  it("lists the user's security log, newest first", async () => {
    const user = await createUser({ password: 'a fine password' });
    expect((await signIn(user.email, 'a fine password')).status).toBe(201);
    const res = await call(`/v1/users/${user.$id}/logs`, { key: rootKey() });
    const body = (await res.json()) as { total: number; logs: { event: string; userId: string; userEmail: string }[] };
    expect(body.total).toBeGreaterThanOrEqual(1);
    expect(body.logs[0]).toMatchObject({ event: 'session.create', userId: user.$id, userEmail: user.email });
    const logsWith = (query: unknown) => call(`/v1/users/${user.$id}/logs?queries[0]=${encodeURIComponent(json(query))}`, { key: rootKey() });
    const limited = (await (await logsWith({ method: 'limit', values: [1] })).json()) as { total: number; logs: unknown[] };
    expect(limited.logs).toHaveLength(1);
    expect(limited.total).toBe(body.total);
    // Appwrite's logs page by limit and offset only; a limit must be at least 1.
    for (const refused of [{ method: 'limit', values: [0] }, { method: 'equal', attribute: 'event', values: ['x'] }, { method: 'cursorAfter', values: ['x'] }]) {
      expect(await errorOf(await logsWith(refused))).toMatchObject({ status: 400, type: 'general_query_invalid' });
    }
  });

  it("lists the user's memberships from the memberships table", async () => {
    const user = await createUser();
    const empty = (await (await call(`/v1/users/${user.$id}/memberships`, { key: rootKey() })).json()) as { total: number; memberships: unknown[] };
    expect(empty).toEqual({ total: 0, memberships: [] });

    const now = nowDate();
    const teamId = uniqueId();
    await env.DB.batch([
      env.DB.prepare('INSERT INTO teams (id, name, total, created_at, updated_at) VALUES (?, ?, 1, ?, ?)').bind(teamId, 'Crew', now, now),
      env.DB.prepare(
        `INSERT INTO memberships (id, team_id, user_id, roles, invited, joined, confirm, created_at, updated_at) VALUES (?, ?, ?, '["owner"]', ?, ?, 1, ?, ?)`,
      ).bind(`m${teamId}`, teamId, user.$id, now, now, now, now),
    ]);
    const list = (await (await call(`/v1/users/${user.$id}/memberships`, { key: rootKey() })).json()) as { total: number; memberships: Record<string, unknown>[] };
    expect(list.total).toBe(1);
    expect(list.memberships[0]).toMatchObject({ $id: `m${teamId}`, teamId, teamName: 'Crew', userId: user.$id, userName: 'Ann', userEmail: user.email, roles: ['owner'], confirm: true });
    const filtered = await call(`/v1/users/${user.$id}/memberships?queries[0]=${encodeURIComponent(json({ method: 'equal', attribute: 'teamId', values: ['other'] }))}`, { key: rootKey() });
    expect(((await filtered.json()) as { total: number }).total).toBe(0);
    const searched = await call(`/v1/users/${user.$id}/memberships?search=Crew`, { key: rootKey() });
    expect(((await searched.json()) as { total: number }).total).toBe(1);
  });

  it('lists identities (filtered by user), guards their emails, and deletes one', async () => {
    const user = await createUser();
    const now = nowDate();
    const identityId = uniqueId();
    const claimed = `claimed-${identityId}@example.com`;
    await env.DB.prepare(
      'INSERT INTO identities (id, user_id, provider, provider_uid, provider_email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
      .bind(identityId, user.$id, 'github', `gh-${identityId}`, claimed, now, now)
      .run();
    const q = encodeURIComponent(json({ method: 'equal', attribute: 'userId', values: [user.$id] }));
    const list = (await (await call(`/v1/users/identities?queries[0]=${q}`, { key: rootKey() })).json()) as { total: number; identities: Record<string, unknown>[] };
    expect(list.total).toBe(1);
    expect(list.identities[0]).toMatchObject({ $id: identityId, userId: user.$id, provider: 'github', providerEmail: claimed });
    const searched = (await (await call(`/v1/users/identities?search=gh-${identityId}`, { key: rootKey() })).json()) as { total: number };
    expect(searched.total).toBe(1);

    // An email an identity claims belongs to that identity's user, as in Appwrite.
    const other = await createUser();
    const onCreate = await errorOf(await call('/v1/users', { method: 'POST', key: rootKey(), body: json({ userId: uniqueId(), email: claimed }) }));
    expect(onCreate).toMatchObject({ status: 409, type: 'user_email_already_exists' });
    const onUpdate = await errorOf(await call(`/v1/users/${other.$id}/email`, { method: 'PATCH', key: rootKey(), body: json({ email: claimed }) }));
    expect(onUpdate).toMatchObject({ status: 409, type: 'user_email_already_exists' });
    expect((await call(`/v1/users/${user.$id}/email`, { method: 'PATCH', key: rootKey(), body: json({ email: claimed }) })).status).toBe(200);

    expect((await call(`/v1/users/identities/${identityId}`, { method: 'DELETE', key: rootKey() })).status).toBe(204);
    const gone = await errorOf(await call(`/v1/users/identities/${identityId}`, { method: 'DELETE', key: rootKey() }));
    expect(gone).toMatchObject({ status: 404, type: 'user_identity_not_found' });
  });
});
