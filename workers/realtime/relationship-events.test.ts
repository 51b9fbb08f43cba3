/**
 * Events for rows written through a relationship (databases/relationships/changes.ts): a nested create or update publishes the related
 * rows' own events, a cascade one delete event per deleted child, a setNull one update event per
 * unlinked child — after the commit, through the one publisher, so realtime filters each by its
 * own table's permissions: a subscriber who may not read the children hears none of them.
 */
import { env } from 'cloudflare:workers';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { asRoot, okJson, signedInUser } from '../../test/helpers';
import type { LedgeEvent } from '../events/event';
import { registerSink } from '../events/publish';
import { uniqueId } from '../lib/ids';
import { connect, type TestSocket } from './testing/socket';

type Row = Record<string, unknown>;
const seen: LedgeEvent[] = [];
const remove = registerSink({ name: 'relationship-events-test', deliver: async (_env, events) => void seen.push(...events.filter((e) => e.events[0].includes('.rows.'))) });
afterEach(() => void (seen.length = 0));
afterAll(() => remove());

const post = (path: string, json: unknown) => asRoot(path, { method: 'POST', json });
const ok = (res: Response, status = 200) => okJson(res, status);
const cookieOf = (u: { cookieValue: string }) => ({ Cookie: `a_session_${env.PROJECT_ID}=${u.cookieValue}` });

/**
 * Authors (readable by every user) ↔ posts (rowSecurity, no table-wide read: only the writer reads
 * its posts), oneToMany two-way from authors, with `onDelete`.
 */
async function blog(onDelete: 'cascade' | 'setNull') {
  const db = `rel${uniqueId()}`;
  await ok(await post('/v1/tablesdb', { databaseId: db, name: 'Blog' }), 201);
  const T = (t: string) => `/v1/tablesdb/${db}/tables/${t}`;
  const write = ['create("users")', 'update("users")', 'delete("users")'];
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'authors', name: 'authors', permissions: ['read("users")', ...write] }), 201);
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'posts', name: 'posts', rowSecurity: true, permissions: write }), 201);
  for (const t of ['authors', 'posts']) await ok(await post(`${T(t)}/columns/string`, { key: 'name', size: 64, required: false }), 202);
  await ok(await post(`${T('authors')}/columns/relationship`, { relatedTableId: 'posts', type: 'oneToMany', twoWay: true, key: 'posts', twoWayKey: 'author', onDelete }), 202);
  return { db, rows: (t: string) => `${T(t)}/rows` };
}

/** The event names (first name of each event) the sink has seen, sorted, once `n` have arrived. */
async function names(n: number): Promise<string[]> {
  await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(n), { timeout: 5000, interval: 5 });
  return seen.map((e) => e.events[0]).sort();
}

/** Row events a socket received for table `t` of `db`, as `<id>.<action>`. */
async function heard(socket: TestSocket, db: string, t: string): Promise<string[]> {
  const prefix = `databases.${db}.tables.${t}.rows.`;
  return (await socket.settle())
    .filter((f) => f.type === 'event')
    .map((f) => (f.data!.events as string[]).find((e) => e.startsWith(prefix)))
    .filter((e): e is string => !!e)
    .map((e) => e.slice(prefix.length));
}

describe('events of rows written through a relationship', () => {
  it('a nested create publishes one create per related row; a nested update one update; a stranger’s socket hears none', async () => {
    const { db, rows } = await blog('cascade');
    const ann = await signedInUser();
    const eve = await signedInUser();
    const annSocket = await connect('', cookieOf(ann));
    const eveSocket = await connect('', cookieOf(eve));
    await annSocket.subscribe(['rows']);
    await eveSocket.subscribe(['rows']);

    await ok(await ann.req(rows('authors'), { method: 'POST', json: { rowId: 'a1', data: { name: 'Ann', posts: [{ $id: 'p1', name: 'One' }, { $id: 'p2', name: 'Two' }] } } }), 201);
    expect(await names(3)).toEqual([`databases.${db}.tables.authors.rows.a1.create`, `databases.${db}.tables.posts.rows.p1.create`, `databases.${db}.tables.posts.rows.p2.create`]);
    const p1 = seen.find((e) => e.events[0].endsWith('posts.rows.p1.create'))!;
    expect(p1.events).toContain(`databases.${db}.collections.posts.documents.p1.create`);
    expect(p1.payload).toMatchObject({ $id: 'p1', name: 'One', $tableId: 'posts' });
    expect(p1.roles).toEqual([`user:${ann.user.id}`]);
    expect(p1.userId).toBe(ann.user.id);
    seen.length = 0;

    // Nested update of p1 (and a link-only mention of p2: no change, no event).
    await ok(await ann.req(`${rows('authors')}/a1`, { method: 'PATCH', json: { data: { posts: [{ $id: 'p1', name: 'One!' }, 'p2'] } } }));
    expect(await names(2)).toEqual([`databases.${db}.tables.authors.rows.a1.update`, `databases.${db}.tables.posts.rows.p1.update`]);
    expect(seen.find((e) => e.events[0].endsWith('p1.update'))!.payload).toMatchObject({ name: 'One!' });

    await vi.waitFor(async () => expect(await heard(annSocket, db, 'posts')).toEqual(['p1.create', 'p2.create', 'p1.update']), { timeout: 5000 });
    expect(await heard(eveSocket, db, 'authors')).toEqual(['a1.create', 'a1.update']);
    expect(await heard(eveSocket, db, 'posts')).toEqual([]);
    expect(JSON.stringify(eveSocket.frames)).not.toContain('One');
    annSocket.close();
    eveSocket.close();
  });

  it('a cascade publishes one delete per deleted child; the stranger hears only the author', async () => {
    const { db, rows } = await blog('cascade');
    const ann = await signedInUser();
    const eve = await signedInUser();
    await ok(await ann.req(rows('authors'), { method: 'POST', json: { rowId: 'a1', data: { name: 'Ann', posts: [{ $id: 'p1' }, { $id: 'p2' }, { $id: 'p3' }] } } }), 201);
    await names(4);
    seen.length = 0;
    const annSocket = await connect('', cookieOf(ann));
    const eveSocket = await connect('', cookieOf(eve));
    await annSocket.subscribe([`tablesdb.${db}.tables.posts.rows`]);
    await eveSocket.subscribe(['rows']);

    await ok(await ann.req(`${rows('authors')}/a1`, { method: 'DELETE' }), 204);
    expect(await names(4)).toEqual(['a1', 'p1', 'p2', 'p3'].map((id) => `databases.${db}.tables.${id === 'a1' ? 'authors' : 'posts'}.rows.${id}.delete`));
    expect(seen.find((e) => e.events[0].endsWith('p2.delete'))!.payload).toMatchObject({ $id: 'p2', $tableId: 'posts' });
    await vi.waitFor(async () => expect(await heard(annSocket, db, 'posts')).toEqual(['p1.delete', 'p2.delete', 'p3.delete']), { timeout: 5000 });
    expect(await heard(eveSocket, db, 'authors')).toEqual(['a1.delete']);
    expect(await heard(eveSocket, db, 'posts')).toEqual([]);
    annSocket.close();
    eveSocket.close();
  });

  it('setNull publishes one update per unlinked child; the stranger hears none of them', async () => {
    const { db, rows } = await blog('setNull');
    const ann = await signedInUser();
    const eve = await signedInUser();
    await ok(await ann.req(rows('authors'), { method: 'POST', json: { rowId: 'a1', data: { name: 'Ann', posts: [{ $id: 'p1' }, { $id: 'p2' }] } } }), 201);
    await ok(await ann.req(rows('posts'), { method: 'POST', json: { rowId: 'other', data: { name: 'not linked' } } }), 201);
    await names(4);
    seen.length = 0;
    const annSocket = await connect('', cookieOf(ann));
    const eveSocket = await connect('', cookieOf(eve));
    await annSocket.subscribe([`tablesdb.${db}.tables.posts.rows`]);
    await eveSocket.subscribe(['rows']);

    await ok(await ann.req(`${rows('authors')}/a1`, { method: 'DELETE' }), 204);
    expect(await names(3)).toEqual([`databases.${db}.tables.authors.rows.a1.delete`, `databases.${db}.tables.posts.rows.p1.update`, `databases.${db}.tables.posts.rows.p2.update`]);
    await vi.waitFor(async () => expect(await heard(annSocket, db, 'posts')).toEqual(['p1.update', 'p2.update']), { timeout: 5000 });
    expect(await heard(eveSocket, db, 'posts')).toEqual([]);
    expect(await heard(eveSocket, db, 'authors')).toEqual(['a1.delete']);
    annSocket.close();
    eveSocket.close();
  });

  it('a refused write publishes nothing for its related rows', async () => {
    const { rows } = await blog('cascade');
    const ann = await signedInUser();
    const res = await ann.req(rows('authors'), { method: 'POST', json: { rowId: 'a1', data: { posts: [{ $id: 'p1' }, 'missing'] } } });
    expect((await res.json<Row>()).type).toBe('relationship_value_invalid');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
  });
});
