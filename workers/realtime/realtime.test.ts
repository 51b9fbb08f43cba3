/**
 * `/v1/realtime` end to end inside workerd: the Worker's upgrade, the hub shards and the realtime
 * sink, driven by real REST writes. Protocol (connected, subscribe/unsubscribe acks, queries,
 * account channels, authentication frame, JWT, legacy URL mode) and live role changes.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { asRoot, okJson, signedInUser } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { connect, type Frame } from './testing/socket';

const q = (method: string, attribute: string, values: unknown[]) => JSON.stringify({ method, attribute, values });

async function table(permissions: string[], rowSecurity = false) {
  const db = `rt${uniqueId()}`;
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'RT' } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'posts', name: 'Posts', permissions, rowSecurity } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables/posts/columns/string`, { method: 'POST', json: { key: 'status', size: 20, required: false } }), 202);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables/posts/columns/integer`, { method: 'POST', json: { key: 'views', required: false } }), 202);
  const rows = `/v1/tablesdb/${db}/tables/posts/rows`;
  return { db, rows, channel: `tablesdb.${db}.tables.posts.rows` };
}

const cookieOf = (u: { cookieValue: string }) => ({ Cookie: `a_session_${env.PROJECT_ID}=${u.cookieValue}` });
const eventNamed = (suffix: string) => (f: Frame) => f.type === 'event' && (f.data!.events as string[])[0].endsWith(suffix);

describe('connecting', () => {
  it('sends `connected` first: a guest has no user, a cookie session names its account', async () => {
    const guest = await connect();
    expect(guest.frames[0]).toEqual({ type: 'connected', data: { channels: [], subscriptions: [], user: null } });
    const ann = await signedInUser();
    const socket = await connect('', cookieOf(ann));
    expect(socket.frames[0]).toMatchObject({ type: 'connected', data: { user: { $id: ann.user.id, email: ann.user.email } } });
    expect(socket.frames[0].data!.user).not.toHaveProperty('password');
    guest.close();
    socket.close();
  });

  it('refuses an unknown project and a foreign origin with an error frame and close 1008', async () => {
    for (const [project, headers] of [['elsewhere', {}], [null, {}], [undefined, { Origin: 'https://evil.example' }]] as const) {
      const socket = await connect('', headers, { project });
      expect(socket.frames[0].type).toBe('error');
      expect(socket.frames[0].data!.code).toBe(1008);
      expect((await socket.waitClosed()).code).toBe(1008);
    }
  });

  it('answers a plain GET with 426', async () => {
    const res = await asRoot('/v1/realtime?project=local');
    expect(res.status).toBe(426);
    expect(((await res.json()) as { type: string }).type).toBe('general_protocol_unsupported');
  });

  it('authenticates with ?jwt= and refuses a bad one', async () => {
    const ann = await signedInUser();
    const { jwt } = await okJson<{ jwt: string }>(await ann.req('/v1/account/jwts', { method: 'POST', json: {} }), 201);
    const socket = await connect(`&jwt=${encodeURIComponent(jwt)}`);
    expect(socket.frames[0]).toMatchObject({ type: 'connected', data: { user: { $id: ann.user.id } } });
    const bad = await connect('&jwt=not-a-jwt');
    expect(bad.frames[0]).toMatchObject({ type: 'error', data: { code: 401 } });
    expect((await bad.waitClosed()).code).toBe(1008);
    socket.close();
  });
});

describe('subscriptions and events', () => {
  it('delivers row create/update/delete to a subscription whose query matches, with Appwrite events and channels', async () => {
    const t = await table(['read("users")', 'create("users")', 'update("users")', 'delete("users")']);
    const ann = await signedInUser();
    const socket = await connect('', cookieOf(ann));
    const all = await socket.subscribe([t.channel]);
    const published = await socket.subscribe([t.channel], [q('equal', 'status', ['published'])]);

    await okJson(await ann.req(t.rows, { method: 'POST', json: { rowId: 'draft1', data: { status: 'draft', views: 1 } } }), 201);
    await okJson(await ann.req(t.rows, { method: 'POST', json: { rowId: 'pub1', data: { status: 'published', views: 2 } } }), 201);
    const created = await socket.next((f) => eventNamed('rows.pub1.create')(f));
    expect(created.data!.subscriptions).toEqual([all, published]);
    expect(created.data!.events).toEqual(expect.arrayContaining([
      `databases.${t.db}.tables.posts.rows.pub1.create`, 'databases.*.tables.*.rows.*.create', `databases.${t.db}.collections.posts.documents.pub1.create`,
    ]));
    expect(created.data!.channels).toEqual(expect.arrayContaining(['rows', t.channel, `${t.channel}.pub1`, 'documents', `databases.${t.db}.collections.posts.documents`, `${t.channel}.create`]));
    expect(created.data!.payload).toMatchObject({ $id: 'pub1', $tableId: 'posts', $databaseId: t.db, status: 'published', views: 2 });
    expect(created.data!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    const draft = await socket.next(eventNamed('rows.draft1.create'));
    expect(draft.data!.subscriptions).toEqual([all]);

    await okJson(await ann.req(`${t.rows}/pub1`, { method: 'PATCH', json: { data: { views: 3 } } }));
    expect((await socket.next(eventNamed('rows.pub1.update'))).data!.payload).toMatchObject({ views: 3 });
    const res = await ann.req(`${t.rows}/pub1`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect((await socket.next(eventNamed('rows.pub1.delete'))).data!.subscriptions).toEqual([all, published]);

    // Unsubscribing stops them.
    const ack = await socket.request({ type: 'unsubscribe', data: [{ subscriptionId: all }, { subscriptionId: published }, { subscriptionId: 'nope' }] });
    expect(ack.data).toEqual({ to: 'unsubscribe', success: true, subscriptions: [{ subscriptionId: all, removed: true }, { subscriptionId: published, removed: true }, { subscriptionId: 'nope', removed: false }] });
    const before = socket.frames.length;
    await okJson(await ann.req(t.rows, { method: 'POST', json: { rowId: 'pub2', data: { status: 'published' } } }), 201);
    await okJson(await ann.req(t.rows, { method: 'POST', json: { rowId: 'pub3', data: { status: 'published' } } }), 201);
    await new Promise((r) => setTimeout(r, 100));
    expect(socket.events(before)).toEqual([]);
    socket.close();
  });

  it('turns `account` into the user channel and delivers only the user own account events', async () => {
    const ann = await signedInUser();
    const bob = await signedInUser();
    const socket = await connect('', cookieOf(ann));
    const ack = await socket.request({ type: 'subscribe', data: [{ subscriptionId: 'acc1', channels: ['account'] }] });
    expect(ack.data).toEqual({ to: 'subscribe', success: true, subscriptions: [{ subscriptionId: 'acc1', channels: ['account', `account.${ann.user.id}`], queries: [] }] });
    await okJson(await bob.req('/v1/account/name', { method: 'PATCH', json: { name: 'Bob' } }));
    await okJson(await ann.req('/v1/account/name', { method: 'PATCH', json: { name: 'Annie' } }));
    const event = await socket.next(eventNamed('update.name'));
    expect(event.data).toMatchObject({ subscriptions: ['acc1'], payload: { $id: ann.user.id, name: 'Annie' } });
    expect(event.data!.channels).toEqual(['account', `account.${ann.user.id}`, 'account.update', `account.${ann.user.id}.update`]);
    expect(socket.events().every((f) => (f.data!.payload as { $id: string }).$id === ann.user.id)).toBe(true);
    socket.close();
  });

  it('upgrades a guest socket with an `authentication` frame and rebinds its account channels', async () => {
    const ann = await signedInUser();
    const socket = await connect();
    await socket.subscribe(['account.update'], [], 'upd');
    const bad = await socket.request({ type: 'authentication', data: { session: 'garbage' } });
    expect(bad).toEqual({ type: 'error', data: { code: 1003, message: 'Session is not valid.' } });
    const ok = await socket.request({ type: 'authentication', data: { session: ann.cookieValue } });
    expect(ok.data).toMatchObject({ to: 'authentication', success: true, user: { $id: ann.user.id } });
    await okJson(await ann.req('/v1/account/name', { method: 'PATCH', json: { name: 'Authed' } }));
    expect((await socket.next(eventNamed('update.name'))).data!.subscriptions).toEqual(['upd']);
    socket.close();
  });

  it('serves the legacy URL mode: channels[] with per-channel queries and the subscriptions map', async () => {
    const t = await table(['read("any")']);
    const channelKey = t.channel.replaceAll('.', '_');
    // Without parameters a channel joins subscription 0; `<channel>[1][]=<query>` puts it in subscription 1.
    const query = `&channels[]=${encodeURIComponent(t.channel)}&channels[]=files&${channelKey}[1][]=${encodeURIComponent(q('greaterThan', 'views', [10]))}`;
    const socket = await connect(query);
    const connected = socket.frames[0];
    expect(connected.data!.channels).toEqual([t.channel, 'files']);
    const ids = connected.data!.subscriptions as string[];
    expect(ids).toHaveLength(2);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'low', data: { views: 1 } } }), 201);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'high', data: { views: 11 } } }), 201);
    const high = await socket.next(eventNamed('rows.high.create'));
    expect(high.data!.subscriptions).toEqual([ids[1]]);
    const frames = await socket.settle();
    expect(frames.filter(eventNamed('rows.low.create'))).toEqual([]);
    socket.close();
  });
});

describe('roles follow identity changes at once', () => {
  it('a membership granted and revoked opens and closes the team table', async () => {
    const t = await table(['read("team:crew-x")']);
    const teamId = `crew${uniqueId()}`;
    await okJson(await asRoot('/v1/teams', { method: 'POST', json: { teamId, name: 'Crew' } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${t.db}/tables/posts`, { method: 'PUT', json: { name: 'Posts', permissions: [`read("team:${teamId}")`] } }));
    const bob = await signedInUser();
    const socket = await connect('', cookieOf(bob));
    await socket.subscribe([t.channel]);
    // Bob reads his own membership events: their arrival shows his new roles landed (same RPC, first).
    await socket.subscribe(['memberships']);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'before', data: { status: 'x' } } }), 201);
    const m = await okJson<{ $id: string }>(await asRoot(`/v1/teams/${teamId}/memberships`, { method: 'POST', json: { userId: bob.user.id, roles: ['member'] } }), 201);
    await socket.next((f) => f.type === 'event' && (f.data!.events as string[])[0].includes('memberships'));
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'during', data: { status: 'x' } } }), 201);
    await socket.next(eventNamed('rows.during.create'));
    expect((await asRoot(`/v1/teams/${teamId}/memberships/${m.$id}`, { method: 'DELETE' })).status).toBe(204);
    await socket.next(eventNamed('memberships.' + m.$id + '.delete'));
    const seen = socket.frames.length;
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'after', data: { status: 'x' } } }), 201);
    await new Promise((r) => setTimeout(r, 100));
    await socket.settle();
    const rows = socket.events().map((f) => (f.data!.payload as { $id: string }).$id).filter((id) => ['before', 'during', 'after'].includes(id));
    expect(rows).toEqual(['during']);
    expect(socket.frames.length).toBeGreaterThanOrEqual(seen);
    socket.close();
  });

  it('a deleted team takes its role from the sockets of its former members', async () => {
    const teamId = `gone${uniqueId()}`;
    await okJson(await asRoot('/v1/teams', { method: 'POST', json: { teamId, name: 'Gone' } }), 201);
    const t = await table([`read("team:${teamId}")`]);
    const bob = await signedInUser();
    await okJson(await asRoot(`/v1/teams/${teamId}/memberships`, { method: 'POST', json: { userId: bob.user.id, roles: ['owner'] } }), 201);
    const socket = await connect('', cookieOf(bob));
    await socket.subscribe([t.channel]);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'while', data: { status: 'x' } } }), 201);
    await socket.next(eventNamed('rows.while.create'));
    expect((await asRoot(`/v1/teams/${teamId}`, { method: 'DELETE' })).status).toBe(204);
    // The sink asks the shards who held the team's role, then sends them their roles from D1.
    await vi.waitFor(async () => {
      const shards = await Promise.all(Array.from({ length: 16 }, (_, i) => env.REALTIME.get(env.REALTIME.idFromName(`shard:${i}`)).usersHolding([`team:${teamId}`])));
      expect(shards.flat()).toEqual([]);
    });
    const from = socket.frames.length;
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'after', data: { status: 'x' } } }), 201);
    await new Promise((r) => setTimeout(r, 100));
    await socket.settle();
    expect(socket.events(from)).toEqual([]);
    socket.close();
  });

  it('a label added by the Users API lets the socket read a label table', async () => {
    const t = await table(['read("label:vip")']);
    const bob = await signedInUser();
    const socket = await connect('', cookieOf(bob));
    await socket.subscribe([t.channel]);
    await okJson(await asRoot(`/v1/users/${bob.user.id}/labels`, { method: 'PUT', json: { labels: ['vip'] } }));
    await new Promise((r) => setTimeout(r, 50));
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'vip1', data: { status: 'x' } } }), 201);
    await socket.next(eventNamed('rows.vip1.create'));
    socket.close();
  });

  it('a deleted session closes its sockets; a blocked user is disconnected', async () => {
    const ann = await signedInUser();
    const socket = await connect('', cookieOf(ann));
    const other = await connect('', cookieOf(await signedInUser()));
    expect((await ann.req(`/v1/account/sessions/${ann.sessionId}`, { method: 'DELETE' })).status).toBe(204);
    expect(await socket.next((f) => f.type === 'error')).toEqual({ type: 'error', data: { code: 1008, message: 'The session has ended.' } });
    expect((await socket.waitClosed()).code).toBe(1008);

    const bob = await signedInUser();
    const bobSocket = await connect('', cookieOf(bob));
    await okJson(await asRoot(`/v1/users/${bob.user.id}/status`, { method: 'PATCH', json: { status: false } }));
    expect((await bobSocket.next((f) => f.type === 'error')).data!.code).toBe(1008);
    expect((await bobSocket.waitClosed()).code).toBe(1008);
    expect(other.closed).toBeNull();
    other.close();
  });
});
