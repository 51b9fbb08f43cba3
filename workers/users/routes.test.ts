import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, createUserByKey, errorOf, getUserByKey, keyWith, rootKey, type ApiUser as User } from '../../test/helpers';

let counter = 0;
const uid = (prefix = 'u') => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
const json = (value: unknown) => JSON.stringify(value);

const createUser = createUserByKey;
const getUser = getUserByKey;

async function userCount(): Promise<number> {
  return (await env.DB.prepare('SELECT count(*) AS n FROM users').first<{ n: number }>())!.n;
}

describe('POST /v1/users', () => {
  it('creates a user with a native password hash and shows the hash to the key', async () => {
    const id = uid();
    const res = await call('/v1/users', {
      method: 'POST',
      key: rootKey(),
      body: json({ userId: id, email: `${id.toUpperCase()}@Example.com`, phone: '+16175551212', password: 'correct horse', name: 'Ann' }),
    });
    expect(res.status).toBe(201);
    const user = (await res.json()) as User;
    expect(user).toMatchObject({ $id: id, email: `${id}@example.com`, phone: '+16175551212', name: 'Ann', status: true, labels: [], hash: 'pbkdf2', emailVerification: false, prefs: {} });
    expect(user.password).toMatch(/^\$pbkdf2-sha256\$/);
    expect(user.passwordUpdate).toBeTruthy();
  });

  it('creates a user without a password or email (unique() id)', async () => {
    const res = await call('/v1/users', { method: 'POST', key: rootKey(), body: json({ userId: 'unique()' }) });
    expect(res.status).toBe(201);
    const user = (await res.json()) as User;
    expect(user.$id).toMatch(/^[0-9a-f]{20}$/);
    expect(user).toMatchObject({ email: '', phone: '', password: '', passwordUpdate: '' });
  });

  it('refuses a duplicate id or email with user_already_exists and adds nothing', async () => {
    const first = await createUser();
    const before = await userCount();
    for (const body of [{ userId: first.$id }, { userId: uid(), email: first.email }]) {
      const err = await errorOf(await call('/v1/users', { method: 'POST', key: rootKey(), body: json(body) }));
      expect(err).toMatchObject({ status: 409, type: 'user_already_exists' });
    }
    expect(await userCount()).toBe(before);
  });

  it('refuses bad input with general_argument_invalid', async () => {
    const before = await userCount();
    for (const body of [
      { userId: '_bad' },
      { userId: uid(), email: 'not-an-email' },
      { userId: uid(), phone: '555' },
      { userId: uid(), password: 'short' },
      { userId: uid(), name: 'x'.repeat(129) },
    ]) {
      const err = await errorOf(await call('/v1/users', { method: 'POST', key: rootKey(), body: json(body) }));
      expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
    expect(await userCount()).toBe(before);
  });
});

describe('scopes', () => {
  it('refuses a key without users.write, and one without users.read, and a guest', async () => {
    const reader = await keyWith(['users.read']);
    const writer = await keyWith(['users.write']);
    const user = await createUser();
    const before = await userCount();

    expect((await call('/v1/users', { key: reader })).status).toBe(200);
    expect((await call(`/v1/users/${user.$id}`, { key: reader })).status).toBe(200);

    const refusals: [string, RequestInit & { key?: string }][] = [
      ['/v1/users', { method: 'POST', key: reader, body: json({ userId: uid() }) }],
      ['/v1/users/md5', { method: 'POST', key: reader, body: json({ userId: uid(), email: 'm@example.com', password: '900150983cd24fb0d6963f7d28e17f72' }) }],
      [`/v1/users/${user.$id}/name`, { method: 'PATCH', key: reader, body: json({ name: 'Mallory' }) }],
      [`/v1/users/${user.$id}/labels`, { method: 'PUT', key: reader, body: json({ labels: ['admin'] }) }],
      [`/v1/users/${user.$id}`, { method: 'DELETE', key: reader }],
      [`/v1/users/${user.$id}/sessions`, { method: 'POST', key: reader }],
      [`/v1/users/${user.$id}/jwts`, { method: 'POST', key: reader, body: json({}) }],
      ['/v1/users', { key: writer }],
      [`/v1/users/${user.$id}`, { key: writer }],
      [`/v1/users/${user.$id}/prefs`, { key: writer }],
      [`/v1/users/${user.$id}/sessions`, { key: writer }],
      [`/v1/users/${user.$id}/logs`, { key: writer }],
      [`/v1/users/${user.$id}/memberships`, { key: writer }],
      ['/v1/users', {}],
      [`/v1/users/${user.$id}`, {}],
      ['/v1/users', { method: 'POST', body: json({ userId: uid() }) }],
      [`/v1/users/${user.$id}/labels`, { method: 'PUT', body: json({ labels: ['admin'] }) }],
    ];
    for (const [path, init] of refusals) {
      const err = await errorOf(await call(path, init));
      expect(err, `${init.method ?? 'GET'} ${path}`).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
    }
    expect(await userCount()).toBe(before);
    const after = await getUser(user.$id);
    expect(after).toMatchObject({ name: 'Ann', labels: [] });
  });
});

describe('GET/DELETE /v1/users/:userId', () => {
  it('gets a user, deletes it, then answers user_not_found', async () => {
    const user = await createUser();
    expect((await getUser(user.$id)).email).toBe(user.email);
    expect((await call(`/v1/users/${user.$id}`, { method: 'DELETE', key: rootKey() })).status).toBe(204);
    for (const init of [{}, { method: 'DELETE' }]) {
      const err = await errorOf(await call(`/v1/users/${user.$id}`, { ...init, key: rootKey() }));
      expect(err).toMatchObject({ status: 404, type: 'user_not_found' });
    }
  });

  it('answers user_not_found on every per-user route for an unknown id', async () => {
    const routes: [string, RequestInit][] = [
      ['name', { method: 'PATCH', body: json({ name: 'x' }) }],
      ['email', { method: 'PATCH', body: json({ email: 'x@example.com' }) }],
      ['phone', { method: 'PATCH', body: json({ number: '+16175550000' }) }],
      ['password', { method: 'PATCH', body: json({ password: 'long enough pw' }) }],
      ['status', { method: 'PATCH', body: json({ status: false }) }],
      ['labels', { method: 'PUT', body: json({ labels: ['a'] }) }],
      ['verification', { method: 'PATCH', body: json({ emailVerification: true }) }],
      ['verification/phone', { method: 'PATCH', body: json({ phoneVerification: true }) }],
      ['prefs', {}],
      ['prefs', { method: 'PATCH', body: json({ prefs: { a: 1 } }) }],
      ['sessions', {}],
      ['sessions', { method: 'POST' }],
      ['sessions', { method: 'DELETE' }],
      ['sessions/abc', { method: 'DELETE' }],
      ['tokens', { method: 'POST', body: json({}) }],
      ['jwts', { method: 'POST', body: json({}) }],
      ['logs', {}],
      ['memberships', {}],
    ];
    for (const [path, init] of routes) {
      const err = await errorOf(await call(`/v1/users/nobody-here/${path}`, { ...init, key: rootKey() }));
      expect(err, `${init.method ?? 'GET'} ${path}`).toMatchObject({ status: 404, type: 'user_not_found' });
    }
  });
});

describe('updates', () => {
  it('updates name, status, verification flags and prefs', async () => {
    const user = await createUser();
    const patch = async (path: string, body: unknown) => {
      const res = await call(`/v1/users/${user.$id}/${path}`, { method: 'PATCH', key: rootKey(), body: json(body) });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    expect(await patch('name', { name: 'Bea' })).toMatchObject({ name: 'Bea' });
    expect(await patch('status', { status: false })).toMatchObject({ status: false });
    expect(await patch('verification', { emailVerification: true })).toMatchObject({ emailVerification: true });
    expect(await patch('verification/phone', { phoneVerification: true })).toMatchObject({ phoneVerification: true });
    expect(await patch('prefs', { prefs: { theme: 'dark', n: 2 } })).toEqual({ theme: 'dark', n: 2 });
    const prefs = await call(`/v1/users/${user.$id}/prefs`, { key: rootKey() });
    expect(await prefs.json()).toEqual({ theme: 'dark', n: 2 });
    expect(await getUser(user.$id)).toMatchObject({ name: 'Bea', status: false, emailVerification: true, phoneVerification: true });
    // The name is searchable after the change.
    const found = (await (await call(`/v1/users?search=Bea`, { key: rootKey() })).json()) as { users: User[] };
    expect(found.users.map((u) => u.$id)).toContain(user.$id);
  });

  it('refuses prefs that are not an object', async () => {
    const user = await createUser();
    for (const prefs of [[1, 2], 'x', null]) {
      const err = await errorOf(await call(`/v1/users/${user.$id}/prefs`, { method: 'PATCH', key: rootKey(), body: json({ prefs }) }));
      expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
  });

  it('changes the email (resetting verification), refuses a taken one, and clears it with ""', async () => {
    const a = await createUser();
    const b = await createUser();
    await call(`/v1/users/${a.$id}/verification`, { method: 'PATCH', key: rootKey(), body: json({ emailVerification: true }) });
    const res = await call(`/v1/users/${a.$id}/email`, { method: 'PATCH', key: rootKey(), body: json({ email: `New-${a.$id}@Example.com` }) });
    expect(await res.json()).toMatchObject({ email: `new-${a.$id}@example.com`, emailVerification: false });

    const err = await errorOf(await call(`/v1/users/${a.$id}/email`, { method: 'PATCH', key: rootKey(), body: json({ email: b.email }) }));
    expect(err).toMatchObject({ status: 409, type: 'user_email_already_exists' });
    expect((await getUser(a.$id)).email).toBe(`new-${a.$id}@example.com`);

    const cleared = await call(`/v1/users/${a.$id}/email`, { method: 'PATCH', key: rootKey(), body: json({ email: '' }) });
    expect(await cleared.json()).toMatchObject({ email: '' });
  });

  it('changes the phone and refuses one already in use', async () => {
    const a = await createUser({ phone: '+14155550101' });
    const b = await createUser();
    const res = await call(`/v1/users/${b.$id}/phone`, { method: 'PATCH', key: rootKey(), body: json({ number: '+14155550102' }) });
    expect(await res.json()).toMatchObject({ phone: '+14155550102', phoneVerification: false });
    const err = await errorOf(await call(`/v1/users/${b.$id}/phone`, { method: 'PATCH', key: rootKey(), body: json({ number: a.phone }) }));
    expect(err).toMatchObject({ status: 409, type: 'user_phone_already_exists' });
    expect((await getUser(b.$id)).phone).toBe('+14155550102');
    const bad = await errorOf(await call(`/v1/users/${b.$id}/phone`, { method: 'PATCH', key: rootKey(), body: json({ number: '0123' }) }));
    expect(bad).toMatchObject({ status: 400, type: 'general_argument_invalid' });
  });

  it('sets a new native password, refuses a short one, and removes it with ""', async () => {
    const user = await createUser({ password: 'first password' });
    const res = await call(`/v1/users/${user.$id}/password`, { method: 'PATCH', key: rootKey(), body: json({ password: 'second password' }) });
    const updated = (await res.json()) as User;
    expect(updated.hash).toBe('pbkdf2');
    expect(updated.password).not.toBe(user.password);

    const err = await errorOf(await call(`/v1/users/${user.$id}/password`, { method: 'PATCH', key: rootKey(), body: json({ password: 'short' }) }));
    expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    expect((await getUser(user.$id)).password).toBe(updated.password);

    const removed = await call(`/v1/users/${user.$id}/password`, { method: 'PATCH', key: rootKey(), body: json({ password: '' }) });
    expect(await removed.json()).toMatchObject({ password: '' });
  });

  it('replaces labels (deduplicated) and refuses labels outside Appwrite\'s rule, changing nothing', async () => {
    const user = await createUser();
    const res = await call(`/v1/users/${user.$id}/labels`, { method: 'PUT', key: rootKey(), body: json({ labels: ['vip', 'beta', 'vip'] }) });
    expect(await res.json()).toMatchObject({ labels: ['vip', 'beta'] });
    for (const labels of [['has space'], ['dash-ed'], ['x'.repeat(37)], [''], Array.from({ length: 1001 }, (_, i) => `l${i}`), 'vip']) {
      const err = await errorOf(await call(`/v1/users/${user.$id}/labels`, { method: 'PUT', key: rootKey(), body: json({ labels }) }));
      expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
    expect((await getUser(user.$id)).labels).toEqual(['vip', 'beta']);
    const max = await call(`/v1/users/${user.$id}/labels`, { method: 'PUT', key: rootKey(), body: json({ labels: ['A'.repeat(36)] }) });
    expect(max.status).toBe(200);
  });
});

describe('GET /v1/users (list)', () => {
  it('filters, orders, searches, pages by offset and by cursor', async () => {
    const tag = uid('t');
    const made: User[] = [];
    for (const name of ['Carla', 'Abel', 'Bruno']) made.push(await createUser({ name: `${name} ${tag}` }));
    await call(`/v1/users/${made[1].$id}/labels`, { method: 'PUT', key: rootKey(), body: json({ labels: ['staff'] }) });

    const list = async (queries: unknown[], extra = '') => {
      const qs = queries.map((q, i) => `queries[${i}]=${encodeURIComponent(JSON.stringify(q))}`).join('&');
      const res = await call(`/v1/users?search=${tag}&${qs}${extra}`, { key: rootKey() });
      expect(res.status).toBe(200);
      return (await res.json()) as { total: number; users: User[] };
    };
    const names = (r: { users: User[] }) => r.users.map((u) => String(u.name).split(' ')[0]);

    const all = await list([]);
    expect(all.total).toBe(3);
    expect(names(all)).toEqual(['Carla', 'Abel', 'Bruno']);
    expect(names(await list([{ method: 'orderAsc', attribute: 'name' }]))).toEqual(['Abel', 'Bruno', 'Carla']);
    expect(names(await list([{ method: 'orderDesc', attribute: 'name' }, { method: 'limit', values: [2] }]))).toEqual(['Carla', 'Bruno']);
    expect(names(await list([{ method: 'orderAsc', attribute: 'name' }, { method: 'offset', values: [1] }]))).toEqual(['Bruno', 'Carla']);
    expect(names(await list([{ method: 'equal', attribute: 'email', values: [made[2].email] }]))).toEqual(['Bruno']);
    expect(names(await list([{ method: 'contains', attribute: 'labels', values: ['staff'] }]))).toEqual(['Abel']);
    expect(names(await list([{ method: 'equal', attribute: 'status', values: [true] }, { method: 'notEqual', attribute: '$id', values: [made[0].$id] }]))).toEqual(['Abel', 'Bruno']);

    const ordered = [{ method: 'orderAsc', attribute: 'name' }];
    const after = await list([...ordered, { method: 'cursorAfter', values: [made[1].$id] }]);
    expect(names(after)).toEqual(['Bruno', 'Carla']);
    expect(after.total).toBe(3);
    expect(names(await list([...ordered, { method: 'cursorBefore', values: [made[0].$id] }]))).toEqual(['Abel', 'Bruno']);
    expect(names(await list([...ordered, { method: 'cursorBefore', values: [made[0].$id] }, { method: 'limit', values: [1] }]))).toEqual(['Bruno']);
    expect((await list([], '&total=false')).total).toBe(0);

    // Hashes are shown to keys.
    expect(all.users[0]).toHaveProperty('hash');
  });

  it('refuses unknown attributes, methods and cursors', async () => {
    const bad = [
      { method: 'equal', attribute: 'password', values: ['x'] },
      { method: 'equal', attribute: 'labels', values: ['x'] },
      { method: 'regex', attribute: 'name', values: ['.*'] },
      { method: 'limit', values: [-1] },
      { method: 'equal', attribute: 'status', values: ['yes'] },
    ];
    for (const q of bad) {
      const err = await errorOf(await call(`/v1/users?queries[0]=${encodeURIComponent(JSON.stringify(q))}`, { key: rootKey() }));
      expect(err, JSON.stringify(q)).toMatchObject({ status: 400, type: 'general_query_invalid' });
    }
    const cursor = await errorOf(
      await call(`/v1/users?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'cursorAfter', values: ['nope'] }))}`, { key: rootKey() }),
    );
    expect(cursor).toMatchObject({ status: 400, type: 'general_cursor_not_found' });
  });
});

describe('events', () => {
  /** The events consumer records each event it handled; wait for ours to arrive. */
  async function handled(name: string, timeoutMs = 8000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const row = await env.DB.prepare('SELECT 1 AS ok FROM event_receipts WHERE event = ?').bind(name).first();
      if (row) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  it('publishes create, update and delete events once the write has committed; none for a refused write', async () => {
    const user = await createUser();
    await call(`/v1/users/${user.$id}/name`, { method: 'PATCH', key: rootKey(), body: json({ name: 'Eve' }) });
    await call(`/v1/users/${user.$id}/labels`, { method: 'PUT', key: rootKey(), body: json({ labels: ['bad label'] }) });
    await call(`/v1/users/${user.$id}`, { method: 'DELETE', key: rootKey() });
    expect(await handled(`users.${user.$id}.create`)).toBe(true);
    expect(await handled(`users.${user.$id}.update.name`)).toBe(true);
    expect(await handled(`users.${user.$id}.delete`)).toBe(true);
    expect(await handled(`users.${user.$id}.update.labels`, 1500)).toBe(false);
  });
});
