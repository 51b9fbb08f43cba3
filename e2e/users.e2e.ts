import { describe, expect, it } from 'vitest';
import { ID, PasswordHash, Project, Query, Users, type Models } from 'node-appwrite';
import { ledge, refusal, serverClient } from './support/ledge';
import { uniqueEmail, webUser } from './support/web-client';

const users = new Users(serverClient());

/**
 * One user per importable algorithm, each with a published test vector (sources in
 * workers/lib/password/imported.test.ts) and the password it hashes.
 */
const imports: { name: string; password: string; hash: string; create: (id: string, email: string) => Promise<Models.User<Models.Preferences>> }[] = [
  {
    name: 'argon2id (phc-winner-argon2 test.c)',
    password: 'password',
    hash: 'argon2',
    create: (userId, email) =>
      users.createArgon2User({ userId, email, password: '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4' }),
  },
  {
    name: 'bcrypt (jBCrypt vectors)',
    password: 'abcdefghijklmnopqrstuvwxyz',
    hash: 'bcrypt',
    create: (userId, email) => users.createBcryptUser({ userId, email, password: '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC' }),
  },
  {
    name: 'md5 (RFC 1321)',
    password: 'message digest',
    hash: 'md5',
    create: (userId, email) => users.createMD5User({ userId, email, password: 'f96b697d7cb7938d525a2f31aaf161d0' }),
  },
  {
    name: 'sha256 (of "abcdefgh", checked against OpenSSL)',
    password: 'abcdefgh',
    hash: 'sha',
    create: (userId, email) =>
      users.createSHAUser({ userId, email, password: '9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab', passwordVersion: PasswordHash.Sha256 }),
  },
  {
    name: 'phpass (phpass test.php)',
    password: 'test12345',
    hash: 'phpass',
    create: (userId, email) => users.createPHPassUser({ userId, email, password: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' }),
  },
  {
    name: 'scrypt (RFC 7914 §12)',
    password: 'password',
    hash: 'scrypt',
    create: (userId, email) =>
      users.createScryptUser({
        userId,
        email,
        password: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
        passwordSalt: 'NaCl',
        passwordCpu: 1024,
        passwordMemory: 8,
        passwordParallel: 16,
        passwordLength: 64,
      }),
  },
  {
    name: 'scrypt-modified (Firebase README example)',
    password: 'user1password',
    hash: 'scryptMod',
    create: (userId, email) =>
      users.createScryptModifiedUser({
        userId,
        email,
        password: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
        passwordSalt: '42xEC+ixf3L2lw==',
        passwordSaltSeparator: 'Bw==',
        passwordSignerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
      }),
  },
];

describe('Users API through node-appwrite', () => {
  it.each(imports)('$name: imported, signed in with the web SDK, then stored natively', async ({ password, hash, create }) => {
    const email = uniqueEmail(hash.toLowerCase());
    const created = await create(ID.unique(), email);
    expect(created).toMatchObject({ email, hash });
    expect((created.hashOptions as { type?: string }).type).toBe(hash);

    const browser = webUser(ledge);
    const wrong = await refusal(browser.as(() => browser.account.createEmailPasswordSession({ email, password: `${password}?` })));
    expect(wrong.type).toBe('user_invalid_credentials');

    const session = await browser.as(() => browser.account.createEmailPasswordSession({ email, password }));
    expect(session).toMatchObject({ userId: created.$id, provider: 'email' });
    expect((await browser.as(() => browser.account.get())).$id).toBe(created.$id);

    const after = await users.get({ userId: created.$id });
    expect(after.hash).toBe('pbkdf2');
    expect(after.password).not.toBe(created.password);
  });

  it('a users.read key lists users but cannot create one', async () => {
    const project = new Project(serverClient());
    const key = await project.createKey({ keyId: ID.unique(), name: 'users reader', scopes: ['users.read' as never] });
    const reader = new Users(serverClient(key.secret));
    const listed = await reader.list({ queries: [Query.limit(5)] });
    expect(listed.users.length).toBeLessThanOrEqual(5);
    expect(listed.total).toBeGreaterThan(0);

    const err = await refusal(reader.create({ userId: ID.unique(), email: uniqueEmail('nope') }));
    expect(err.code).toBe(401);
    expect(err.type).toBe('general_unauthorized_scope');
    await project.deleteKey({ keyId: key.$id });
  });

  it('manages a user end to end: create, search, update, labels, prefs, sessions, tokens, JWT, delete', async () => {
    const email = uniqueEmail('admin');
    const user = await users.create({ userId: ID.unique(), email, password: 'an admin-made password', name: 'Dana Admin' });
    expect(user.hash).toBe('pbkdf2');

    const found = await users.list({ search: 'Dana', queries: [Query.equal('email', [email])] });
    expect(found.users.map((u) => u.$id)).toEqual([user.$id]);

    expect((await users.updateName({ userId: user.$id, name: 'Dana B' })).name).toBe('Dana B');
    expect((await users.updateLabels({ userId: user.$id, labels: ['vip', 'beta'] })).labels).toEqual(['vip', 'beta']);
    const badLabel = await refusal(users.updateLabels({ userId: user.$id, labels: ['not ok'] }));
    expect(badLabel.type).toBe('general_argument_invalid');
    expect(await users.updatePrefs({ userId: user.$id, prefs: { lang: 'fr' } })).toEqual({ lang: 'fr' });
    expect(await users.getPrefs({ userId: user.$id })).toEqual({ lang: 'fr' });
    expect((await users.updateEmailVerification({ userId: user.$id, emailVerification: true })).emailVerification).toBe(true);
    expect((await users.updatePhone({ userId: user.$id, number: '+14155550123' })).phone).toBe('+14155550123');

    // Server-side rendering: the session secret is the cookie value, usable with setSession.
    const session = await users.createSession({ userId: user.$id });
    expect(session.secret).not.toBe('');
    const ssr = serverClient({ session: session.secret });
    const { Account } = await import('node-appwrite');
    expect((await new Account(ssr).get()).$id).toBe(user.$id);

    const jwt = await users.createJWT({ userId: user.$id });
    const viaJwt = serverClient({ jwt: jwt.jwt });
    expect((await new Account(viaJwt).get()).$id).toBe(user.$id);

    const token = await users.createToken({ userId: user.$id, length: 8 });
    expect(token.secret).toHaveLength(8);

    const sessions = await users.listSessions({ userId: user.$id });
    expect(sessions.sessions.map((s) => s.$id)).toContain(session.$id);
    await users.deleteSession({ userId: user.$id, sessionId: session.$id });
    expect((await refusal(new Account(ssr).get())).code).toBe(401);

    expect((await users.listMemberships({ userId: user.$id })).total).toBe(0);
    const logs = await users.listLogs({ userId: user.$id });
    expect(Array.isArray(logs.logs)).toBe(true);

    await users.updateStatus({ userId: user.$id, status: false });
    expect((await users.get({ userId: user.$id })).status).toBe(false);

    await users.delete({ userId: user.$id });
    const gone = await refusal(users.get({ userId: user.$id }));
    expect(gone.type).toBe('user_not_found');
    const dup = await users.create({ userId: ID.unique(), email });
    expect(dup.email).toBe(email);
    expect((await refusal(users.create({ userId: ID.unique(), email }))).type).toBe('user_already_exists');
  });
});
