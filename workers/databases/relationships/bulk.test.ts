/**
 * Bulk writes (API keys) on tables with relationships: rows that leave their relationships alone
 * are written in one batch as on any table; a row naming a relationship column is refused with
 * nothing written; deleteRows applies every row's onDelete in its own batch (restrict refuses the
 * whole call, cascade and setNull publish the related rows' events); filters may cross
 * relationships. Sessions stay refused, as on every table.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call, rootKey, signedInUser } from '../../../test/helpers';
import type { LedgeEvent } from '../../events/event';
import { registerSink } from '../../events/publish';
import { del, get, newDb, ok, patch, post, put, sql, tableSeq } from '../testing/schema-api';

type Row = Record<string, unknown>;
const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, ...(attribute ? { attribute } : {}), ...(values ? { values } : {}) });

const seen: LedgeEvent[] = [];
const remove = registerSink({ name: 'relationship-bulk-test', deliver: async (_env, events) => void seen.push(...events.filter((e) => e.events[0].includes('.rows.'))) });
afterEach(() => void (seen.length = 0));
afterAll(() => remove());

let db = '';
const T = (t: string) => `/v1/tablesdb/${db}/tables/${t}`;
const rows = (t: string) => `${T(t)}/rows`;
const count = async (t: string) => (await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM "t_${await tableSeq(db, t)}"`))[0].n;
const linkCount = async () => (await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM r_${(await sql<{ seq: number }>(`SELECT seq FROM relationships WHERE database_id = ?`, db))[0].seq}`))[0].n;

/** Authors ↔ posts oneToMany two-way (`posts` / `author`) with `onDelete`, two authors with two posts each. */
async function blog(onDelete: 'restrict' | 'cascade' | 'setNull') {
  db = await newDb();
  for (const t of ['authors', 'posts']) {
    await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: t, name: t, permissions: ['read("any")'] }), 201);
    await ok(await post(`${T(t)}/columns/string`, { key: 'name', size: 64, required: false }), 202);
  }
  await ok(await post(`${T('authors')}/columns/relationship`, { relatedTableId: 'posts', type: 'oneToMany', twoWay: true, key: 'posts', twoWayKey: 'author', onDelete }), 202);
  await ok(await post(rows('authors'), { rowId: 'ann', data: { name: 'Ann', posts: [{ $id: 'p1', name: 'a' }, { $id: 'p2', name: 'b' }] } }), 201);
  await ok(await post(rows('authors'), { rowId: 'bob', data: { name: 'Bob', posts: [{ $id: 'p3', name: 'c' }, { $id: 'p4', name: 'd' }] } }), 201);
  await vi.waitFor(() => expect(seen.length).toBe(6));
  seen.length = 0;
}

const deleteRows = (t: string, queries: string[]) => call(rows(t), { method: 'DELETE', key: rootKey(), body: JSON.stringify({ queries }) });
const names = async (n: number) => {
  await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(n));
  return seen.map((e) => e.events[0].replace(`databases.${db}.tables.`, '')).sort();
};

describe('bulk writes on tables with relationships', () => {
  beforeEach(() => blog('cascade'));

  it('createRows, upsertRows and updateRows write rows that leave their relationships alone', async () => {
    await ok(await post(rows('posts'), { rows: [{ $id: 'n1', name: 'x' }, { $id: 'n2', name: 'y' }] }), 201);
    await ok(await put(rows('posts'), { rows: [{ $id: 'p1', name: 'a!' }, { $id: 'n3', name: 'z' }] }));
    const updated = await ok<{ total: number }>(await patch(rows('posts'), { data: { name: 'by Bob' }, queries: [q('equal', 'author.name', ['Bob'])] }));
    expect(updated.total).toBe(2);
    const p1 = await ok<Row>(await get(`${rows('posts')}/p1?queries[]=${encodeURIComponent(q('select', undefined, ['*', 'author.$id']))}`));
    expect(p1).toMatchObject({ name: 'a!', author: { $id: 'ann' } });
    expect((await ok<Row>(await get(`${rows('posts')}/p3`))).name).toBe('by Bob');
    expect(await linkCount()).toBe(4);
  });

  it('refuses a bulk row that names a relationship column, and writes nothing', async () => {
    for (const [send, action] of [
      [() => post(rows('posts'), { rows: [{ $id: 'n1', name: 'x' }, { $id: 'n2', author: 'ann' }] }), 'create'],
      [() => put(rows('posts'), { rows: [{ $id: 'p1', author: null }] }), 'upsert'],
      [() => patch(rows('posts'), { data: { author: 'bob' }, queries: [] }), 'update'],
    ] as const) {
      const res = await send();
      expect(res.status).toBe(400);
      expect(await res.json<Row>()).toMatchObject({ type: 'general_bad_request', message: expect.stringContaining(`Bulk ${action} cannot write relationship "author"`) });
    }
    expect(await count('posts')).toBe(4);
    expect(await linkCount()).toBe(4);
  });

  it('deleteRows cascades every matched row’s children in one batch, with their events', async () => {
    const res = await ok<{ total: number }>(await deleteRows('authors', [q('equal', 'name', ['Ann', 'Bob'])]));
    expect(res.total).toBe(2);
    expect([await count('authors'), await count('posts'), await linkCount()]).toEqual([0, 0, 0]);
    expect(await names(6)).toEqual(['authors.rows.ann.delete', 'authors.rows.bob.delete', 'posts.rows.p1.delete', 'posts.rows.p2.delete', 'posts.rows.p3.delete', 'posts.rows.p4.delete']);
  });

  it('deleteRows by a related column', async () => {
    await ok(await del(`${rows('posts')}/p2`), 204);
    const res = await ok<{ total: number; rows: Row[] }>(await deleteRows('posts', [q('equal', 'author.name', ['Ann'])]));
    expect(res.rows.map((r) => r.$id)).toEqual(['p1']);
    expect(await count('posts')).toBe(2);
  });

  it('a session is refused, as on every table', async () => {
    const user = await signedInUser();
    const res = await user.req(rows('posts'), { method: 'POST', json: { rows: [{ $id: 'n1' }] } });
    expect((await res.json<Row>()).type).toBe('general_unauthorized_scope');
    const gone = await user.req(rows('authors'), { method: 'DELETE', json: { queries: [] } });
    expect((await gone.json<Row>()).type).toBe('general_unauthorized_scope');
    expect(await count('authors')).toBe(2);
  });
});

describe('deleteRows and onDelete', () => {
  it('restrict refuses the whole call with Appwrite’s error, and nothing is deleted', async () => {
    await blog('restrict');
    await ok(await del(`${rows('posts')}/p3`), 204);
    await ok(await del(`${rows('posts')}/p4`), 204);
    // Bob has no posts left, Ann has two: deleting both refuses both.
    const res = await deleteRows('authors', []);
    expect(res.status).toBe(403);
    expect((await res.json<Row>()).type).toBe('row_delete_restricted');
    expect([await count('authors'), await count('posts')]).toEqual([2, 2]);
  });

  it('setNull keeps the children and publishes one update per unlinked child', async () => {
    await blog('setNull');
    await ok(await deleteRows('authors', [q('equal', '$id', ['ann'])]));
    expect([await count('authors'), await count('posts'), await linkCount()]).toEqual([1, 4, 2]);
    expect(await names(3)).toEqual(['authors.rows.ann.delete', 'posts.rows.p1.update', 'posts.rows.p2.update']);
  });
});
